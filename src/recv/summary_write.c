/* summary_write.c - see summary_write.h. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "recv/summary_write.h"
#include "recv/text.h"
#include "recv/timefmt.h"

/* The tables of the report, in its order, with their titles and keys. */
static const struct {
	enum wire_probe probe;
	const char *title; /* text: "programs spawned" */
	const char *unit;  /* text: "spawns" */
	const char *key;   /* json */
} tables[] = {
	{ WIRE_PROBE_PROCESS_SPAWNED, "programs spawned", "spawns", "spawned" },
	{ WIRE_PROBE_NET_CONNECT_ATTEMPTED, "connect attempts", "attempts", "connect" },
	{ WIRE_PROBE_CAPABILITY_DENIED, "denials", "denials", "denied" },
	{ WIRE_PROBE_FS_INOTIFY_FIRED, "watched-path events", "events", "fs" },
};
#define N_TABLES (sizeof(tables) / sizeof(tables[0]))

static void stamp(const struct timespec *ts, char buf[RECV_STAMP_BYTES])
{
	if (recv_timefmt_rfc3339(ts, buf) == 0)
		strcpy(buf, "?");
}

static uint64_t host_span_ns(const struct recv_summary *s)
{
	int64_t ns = (int64_t)(s->host_last.tv_sec - s->host_first.tv_sec) *
			     1000000000LL +
		     (s->host_last.tv_nsec - s->host_first.tv_nsec);
	return ns > 0 ? (uint64_t)ns : 0;
}

/* ---- text ----------------------------------------------------------- */

static void text_comm(FILE *f, const char *comm, size_t len)
{
	char esc[RECV_TEXT_COMM_BYTES];
	if (recv_text_escape(comm, len, esc, sizeof(esc)) == SIZE_MAX)
		strcpy(esc, "?");
	fputs(esc, f);
}

static void text_seconds(FILE *f, uint64_t ns)
{
	fprintf(f, "%" PRIu64 ".%09" PRIu64 " s", ns / 1000000000u,
		ns % 1000000000u);
}

static void text_table(FILE *f, const struct recv_summary *s, size_t t)
{
	const struct recv_comm_table *c = recv_summary_comms(s, tables[t].probe);
	const struct recv_comm_count *top[RECV_SUMMARY_TOP];
	size_t n = recv_summary_top(c, top, RECV_SUMMARY_TOP);
	uint64_t shown = 0;

	fprintf(f, "%s: %" PRIu64 " %s by %u program%s\n", tables[t].title,
		c->total, tables[t].unit, c->used, c->used == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "  %10" PRIu64 "  ", top[i]->count);
		text_comm(f, top[i]->comm, top[i]->len);
		fputc('\n', f);
		shown += top[i]->count;
	}
	if (c->used > n)
		fprintf(f, "  %10" PRIu64 "  (%zu other programs)\n",
			c->total - c->overflow - shown, c->used - n);
	if (c->overflow > 0)
		fprintf(f, "  %10" PRIu64 "  (programs beyond the first %d, not told apart)\n",
			c->overflow, RECV_SUMMARY_MAX_COMMS);
}

static void text_running(FILE *f, const struct recv_summary *s)
{
	const struct recv_live *list[RECV_SUMMARY_TOP];
	size_t n = recv_summary_running(s, list, RECV_SUMMARY_TOP);

	fprintf(f, "still running: %u (spawned, no exit seen)\n", s->live.used);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "  connection %" PRIu64 " pid %" PRIu32 "  ",
			list[i]->conn, list[i]->pid);
		text_comm(f, list[i]->comm, list[i]->len);
		fputc('\n', f);
	}
	if (s->live.used > n)
		fprintf(f, "  (%zu others)\n", (size_t)s->live.used - n);
	if (s->live.overflow > 0)
		fprintf(f, "  (%" PRIu64 " spawns not tracked beyond the first %d running)\n",
			s->live.overflow, RECV_SUMMARY_MAX_LIVE);
}

static void write_text(FILE *f, const struct recv_summary *s, uint64_t refused)
{
	char a[RECV_STAMP_BYTES], b[RECV_STAMP_BYTES];

	fputs("summary of the run\n", f);
	if (s->frames > 0) {
		stamp(&s->host_first, a);
		stamp(&s->host_last, b);
		fprintf(f, "span: host %s to %s (", a, b);
		text_seconds(f, host_span_ns(s));
		fputs(")\n", f);
		fputs("span: guest monotonic ", f);
		text_seconds(f, s->guest_min_ns);
		fputs(" to ", f);
		text_seconds(f, s->guest_max_ns);
		fputs(" (", f);
		text_seconds(f, s->guest_max_ns - s->guest_min_ns);
		fputs(")\n", f);
	} else {
		fputs("span: no frame\n", f);
	}

	fprintf(f, "frames: %" PRIu64, s->frames);
	for (unsigned p = 0; p < WIRE_PROBE_COUNT; p++)
		fprintf(f, "%s%s %" PRIu64, p ? ", " : " (",
			recv_text_probe((enum wire_probe)p), s->by_probe[p]);
	fputs(")\n", f);

	fprintf(f, "errors: %" PRIu64, s->errors);
	const char *sep = " (";
	for (unsigned i = 0; i <= WIRE_ERR_COUNT; i++) {
		if (s->by_error[i] == 0)
			continue;
		fprintf(f, "%s%s %" PRIu64, sep,
			wire_error_name((enum wire_error)i), s->by_error[i]);
		sep = ", ";
	}
	fputs(s->errors ? ")\n" : "\n", f);
	fprintf(f, "silences: %" PRIu64 "\n", s->silences);

	fprintf(f, "connections: %" PRIu64 " opened, %" PRIu64
		   " closed, %" PRIu64 " refused\n",
		s->connections, s->closed, refused);
	for (unsigned i = 0; i < s->n_endings; i++)
		fprintf(f, "  ended: %s %" PRIu64 "\n", s->endings[i].why,
			s->endings[i].count);
	if (s->other_endings > 0)
		fprintf(f, "  ended: (other reasons) %" PRIu64 "\n",
			s->other_endings);
	for (unsigned i = 0; i < s->n_conns; i++) {
		const struct recv_summary_conn *k = &s->conns[i];
		fprintf(f, "  connection %" PRIu64, k->id);
		if (k->closed)
			fprintf(f, ": %" PRIu64 " frames, %" PRIu64 " bytes, %s\n",
				k->frames, k->bytes, k->why);
		else
			fputs(": open at the end\n", f);
	}
	if (s->connections > s->n_conns)
		fprintf(f, "  (%" PRIu64 " more connections not listed)\n",
			s->connections - s->n_conns);

	text_table(f, s, 0);
	text_running(f, s);
	for (size_t t = 1; t < N_TABLES; t++)
		text_table(f, s, t);
}

/* ---- json ----------------------------------------------------------- */

/* A JSON string; s must be valid UTF-8 (comms from the decoder, reasons
 * from the receiver). */
static void json_str(FILE *f, const char *s, size_t len)
{
	char esc[WIRE_COMM_MAX_BYTES * 6 + 1];
	size_t n = wire_json_escape(s, len, esc, sizeof(esc));
	if (n == SIZE_MAX)
		n = 0;
	fputc('"', f);
	fwrite(esc, 1, n, f);
	fputc('"', f);
}

static void json_table(FILE *f, const struct recv_summary *s, size_t t)
{
	const struct recv_comm_table *c = recv_summary_comms(s, tables[t].probe);
	const struct recv_comm_count *top[RECV_SUMMARY_TOP];
	size_t n = recv_summary_top(c, top, RECV_SUMMARY_TOP);
	uint64_t shown = 0;

	fprintf(f, ",\"%s\":{\"total\":%" PRIu64 ",\"programs\":%u,\"top\":[",
		tables[t].key, c->total, c->used);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ",{\"comm\":" : "{\"comm\":", f);
		json_str(f, top[i]->comm, top[i]->len);
		fprintf(f, ",\"count\":%" PRIu64 "}", top[i]->count);
		shown += top[i]->count;
	}
	fprintf(f, "],\"others\":{\"programs\":%zu,\"count\":%" PRIu64
		   "},\"overflow\":%" PRIu64 "}",
		(size_t)c->used - n, c->total - c->overflow - shown,
		c->overflow);
}

static void json_running(FILE *f, const struct recv_summary *s)
{
	const struct recv_live *list[RECV_SUMMARY_TOP];
	size_t n = recv_summary_running(s, list, RECV_SUMMARY_TOP);

	fprintf(f, ",\"running\":{\"count\":%u,\"list\":[", s->live.used);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s{\"connection\":%" PRIu64 ",\"pid\":%" PRIu32
			   ",\"comm\":",
			i ? "," : "", list[i]->conn, list[i]->pid);
		json_str(f, list[i]->comm, list[i]->len);
		fputc('}', f);
	}
	fprintf(f, "],\"others\":%zu,\"untracked_spawns\":%" PRIu64 "}",
		(size_t)s->live.used - n, s->live.overflow);
}

static void write_json(FILE *f, const struct recv_summary *s, uint64_t refused)
{
	char a[RECV_STAMP_BYTES], b[RECV_STAMP_BYTES];

	fputs("{\"span\":", f);
	if (s->frames > 0) {
		stamp(&s->host_first, a);
		stamp(&s->host_last, b);
		fprintf(f, "{\"host_first\":\"%s\",\"host_last\":\"%s\","
			   "\"host_ns\":%" PRIu64 ",\"guest_first_ns\":%" PRIu64
			   ",\"guest_last_ns\":%" PRIu64 ",\"guest_ns\":%" PRIu64 "}",
			a, b, host_span_ns(s), s->guest_min_ns, s->guest_max_ns,
			s->guest_max_ns - s->guest_min_ns);
	} else {
		fputs("null", f);
	}
	fprintf(f, ",\"frames\":{\"total\":%" PRIu64, s->frames);
	for (unsigned p = 0; p < WIRE_PROBE_COUNT; p++)
		fprintf(f, ",\"%s\":%" PRIu64, wire_probe_name((enum wire_probe)p),
			s->by_probe[p]);
	fprintf(f, "},\"errors\":{\"total\":%" PRIu64 ",\"by_name\":{", s->errors);
	const char *sep = "";
	for (unsigned i = 0; i <= WIRE_ERR_COUNT; i++) {
		if (s->by_error[i] == 0)
			continue;
		fprintf(f, "%s\"%s\":%" PRIu64, sep,
			wire_error_name((enum wire_error)i), s->by_error[i]);
		sep = ",";
	}
	fprintf(f, "}},\"silences\":%" PRIu64, s->silences);

	fprintf(f, ",\"connections\":{\"opened\":%" PRIu64 ",\"closed\":%" PRIu64
		   ",\"refused\":%" PRIu64 ",\"ended\":{",
		s->connections, s->closed, refused);
	for (unsigned i = 0; i < s->n_endings; i++) {
		fputs(i ? "," : "", f);
		json_str(f, s->endings[i].why, strlen(s->endings[i].why));
		fprintf(f, ":%" PRIu64, s->endings[i].count);
	}
	fprintf(f, "},\"ended_other\":%" PRIu64 ",\"list\":[", s->other_endings);
	for (unsigned i = 0; i < s->n_conns; i++) {
		const struct recv_summary_conn *k = &s->conns[i];
		fprintf(f, "%s{\"connection\":%" PRIu64 ",", i ? "," : "", k->id);
		if (k->closed) {
			fprintf(f, "\"frames\":%" PRIu64 ",\"bytes\":%" PRIu64
				   ",\"ended\":",
				k->frames, k->bytes);
			json_str(f, k->why, strlen(k->why));
			fputc('}', f);
		} else {
			fputs("\"ended\":null}", f);
		}
	}
	fprintf(f, "],\"unlisted\":%" PRIu64 "}", s->connections - s->n_conns);

	json_table(f, s, 0);
	json_running(f, s);
	for (size_t t = 1; t < N_TABLES; t++)
		json_table(f, s, t);
	fputs("}\n", f);
}

int recv_summary_write(FILE *f, const struct recv_summary *s,
		       uint64_t refused, unsigned format)
{
	errno = 0;
	if (format == RECV_FORMAT_JSON)
		write_json(f, s, refused);
	else
		write_text(f, s, refused);
	if (fflush(f) != 0 || ferror(f)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}
