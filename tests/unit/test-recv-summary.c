/* test-recv-summary.c - the --summary accounting and report (summary.c,
 * summary_write.c), checked against counts kept here by the simplest
 * means (arrays scanned in full). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cellos_wire.h"
#include "recv/options.h"
#include "recv/summary.h"
#include "recv/summary_write.h"

static struct recv_summary *S;

static int setup(void **state)
{
	(void)state;
	S = malloc(sizeof(*S));
	if (S == NULL)
		return -1;
	recv_summary_init(S);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(S);
	return 0;
}

static void feed(uint64_t conn, enum wire_probe p, uint32_t pid,
		 const char *comm, uint64_t mono, time_t host_s)
{
	struct wire_event ev;
	struct timespec host = { .tv_sec = host_s, .tv_nsec = 0 };

	memset(&ev, 0, sizeof(ev));
	ev.probe = p;
	ev.pid = pid;
	ev.comm_len = (uint8_t)strlen(comm);
	memcpy(ev.comm, comm, ev.comm_len);
	ev.monotonic_ns = mono;
	recv_summary_frame(S, &host, conn, &ev);
}

static char *report(unsigned format)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(recv_summary_write(f, S, 5, format), 0);
	fclose(f);
	return buf;
}

static void counts_probes_errors_silences_and_span(void **state)
{
	(void)state;
	feed(1, WIRE_PROBE_PROCESS_SPAWNED, 10, "sh", 500, 100);
	feed(1, WIRE_PROBE_PROCESS_EXITED, 10, "sh", 700, 103);
	feed(2, WIRE_PROBE_FS_INOTIFY_FIRED, 11, "cat", 200, 101);
	feed(2, WIRE_PROBE_CAPABILITY_DENIED, 12, "mount", 900, 102);
	recv_summary_error(S, WIRE_ERR_INVALID_UTF8);
	recv_summary_error(S, WIRE_ERR_INVALID_UTF8);
	recv_summary_error(S, (enum wire_error)999);
	recv_summary_silence(S);

	assert_int_equal(S->frames, 4);
	assert_int_equal(S->by_probe[WIRE_PROBE_PROCESS_SPAWNED], 1);
	assert_int_equal(S->by_probe[WIRE_PROBE_PROCESS_EXITED], 1);
	assert_int_equal(S->by_probe[WIRE_PROBE_FS_INOTIFY_FIRED], 1);
	assert_int_equal(S->by_probe[WIRE_PROBE_CAPABILITY_DENIED], 1);
	assert_int_equal(S->by_probe[WIRE_PROBE_NET_CONNECT_ATTEMPTED], 0);
	assert_int_equal(S->errors, 3);
	assert_int_equal(S->by_error[WIRE_ERR_INVALID_UTF8], 2);
	assert_int_equal(S->by_error[WIRE_ERR_COUNT], 1);
	assert_int_equal(S->silences, 1);
	/* host: first and last as they came; guest: smallest and largest */
	assert_int_equal(S->host_first.tv_sec, 100);
	assert_int_equal(S->host_last.tv_sec, 103);
	assert_int_equal(S->guest_min_ns, 200);
	assert_int_equal(S->guest_max_ns, 900);
	assert_null(recv_summary_comms(S, WIRE_PROBE_PROCESS_EXITED));
	assert_int_equal(recv_summary_comms(S, WIRE_PROBE_FS_INOTIFY_FIRED)->total, 1);
	assert_int_equal(S->live.used, 0); /* pid 10 spawned and exited */

	char *text = report(RECV_FORMAT_TEXT);
	assert_non_null(strstr(text, "\nspan: host 1970-01-01T00:01:40.000000000Z to 1970-01-01T00:01:43.000000000Z (3.000000000 s)\n"));
	assert_non_null(strstr(text, "\nspan: guest monotonic 0.000000200 s to 0.000000900 s (0.000000700 s)\n"));
	assert_non_null(strstr(text, "\nframes: 4 (spawn 1, exit 1, denied 1, fs 1, connect 0)\n"));
	assert_non_null(strstr(text, "\nerrors: 3 (InvalidUtf8 2, Unknown 1)\n"));
	assert_non_null(strstr(text, "\nsilences: 1\n"));
	assert_non_null(strstr(text, "\nconnections: 0 opened, 0 closed, 5 refused\n"));
	free(text);
	char *json = report(RECV_FORMAT_JSON);
	assert_non_null(strstr(json, "\"frames\":{\"total\":4,\"process.spawned\":1,\"process.exited\":1,\"capability.denied\":1,\"fs.inotify_fired\":1,\"net.connect_attempted\":0}"));
	assert_non_null(strstr(json, "\"errors\":{\"total\":3,\"by_name\":{\"InvalidUtf8\":2,\"Unknown\":1}}"));
	assert_non_null(strstr(json, "\"guest_first_ns\":200,\"guest_last_ns\":900,\"guest_ns\":700"));
	/* one object, one line */
	assert_int_equal(json[0], '{');
	assert_true(strchr(json, '\n') == json + strlen(json) - 1);
	free(json);
}

/* Reference for the per-comm tables: a plain list. */
struct ref {
	char comm[WIRE_COMM_MAX_BYTES + 1];
	uint64_t count;
};

static void top_is_most_frequent_first_with_others(void **state)
{
	static struct ref ref[40];
	char comm[16];
	uint64_t total = 0;
	(void)state;

	/* 40 programs, program i spawned (i % 7) + 1 times */
	for (int i = 0; i < 40; i++) {
		snprintf(ref[i].comm, sizeof(ref[i].comm), "prog%02d", i);
		ref[i].count = (uint64_t)(i % 7) + 1;
		for (uint64_t k = 0; k < ref[i].count; k++) {
			feed(1, WIRE_PROBE_PROCESS_SPAWNED, (uint32_t)(1000 + total),
			     ref[i].comm, 1, 1);
			total++;
		}
	}
	const struct recv_comm_table *t =
		recv_summary_comms(S, WIRE_PROBE_PROCESS_SPAWNED);
	assert_int_equal(t->total, total);
	assert_int_equal(t->used, 40);
	assert_int_equal(t->overflow, 0);

	const struct recv_comm_count *top[RECV_SUMMARY_TOP];
	size_t n = recv_summary_top(t, top, RECV_SUMMARY_TOP);
	assert_int_equal(n, RECV_SUMMARY_TOP);
	/* Expected order: count descending, then name ascending. */
	uint64_t shown = 0;
	size_t k = 0;
	for (uint64_t c = 7; c >= 1 && k < n; c--) {
		for (int i = 0; i < 40 && k < n; i++) {
			if (ref[i].count != c)
				continue;
			assert_string_equal(top[k]->comm, ref[i].comm);
			assert_int_equal(top[k]->count, c);
			shown += c;
			k++;
		}
	}
	char *text = report(RECV_FORMAT_TEXT);
	snprintf(comm, sizeof(comm), "%zu", (size_t)40 - RECV_SUMMARY_TOP);
	char want[128];
	snprintf(want, sizeof(want), "  %10llu  (%s other programs)\n",
		 (unsigned long long)(total - shown), comm);
	assert_non_null(strstr(text, want));
	snprintf(want, sizeof(want), "programs spawned: %llu spawns by 40 programs\n",
		 (unsigned long long)total);
	assert_non_null(strstr(text, want));
	free(text);
	char *json = report(RECV_FORMAT_JSON);
	snprintf(want, sizeof(want), "\"others\":{\"programs\":20,\"count\":%llu},\"overflow\":0}",
		 (unsigned long long)(total - shown));
	assert_non_null(strstr(json, want));
	free(json);
}

static void comm_table_overflow_is_counted(void **state)
{
	char comm[16];
	(void)state;
	for (int i = 0; i < RECV_SUMMARY_MAX_COMMS + 44; i++) {
		snprintf(comm, sizeof(comm), "c%d", i);
		feed(1, WIRE_PROBE_NET_CONNECT_ATTEMPTED, 1, comm, 1, 1);
		feed(1, WIRE_PROBE_NET_CONNECT_ATTEMPTED, 1, comm, 1, 1);
	}
	const struct recv_comm_table *t =
		recv_summary_comms(S, WIRE_PROBE_NET_CONNECT_ATTEMPTED);
	assert_int_equal(t->used, RECV_SUMMARY_MAX_COMMS);
	assert_int_equal(t->overflow, 2 * 44);
	assert_int_equal(t->total, 2 * (RECV_SUMMARY_MAX_COMMS + 44));
	/* a comm already kept still counts when the table is full */
	feed(1, WIRE_PROBE_NET_CONNECT_ATTEMPTED, 1, "c0", 1, 1);
	assert_int_equal(t->overflow, 2 * 44);
	const struct recv_comm_count *top[1];
	assert_int_equal(recv_summary_top(t, top, 1), 1);
	assert_string_equal(top[0]->comm, "c0");
	assert_int_equal(top[0]->count, 3);
	char *text = report(RECV_FORMAT_TEXT);
	assert_non_null(strstr(text, "          88  (programs beyond the first 256, not told apart)\n"));
	free(text);
}

/* The running set against a reference: spawns and exits on a few
 * connections with pids that collide in the hash, exits of pids never
 * seen, pid reuse. */
static void running_set_matches_a_reference(void **state)
{
	enum { CONNS = 3, PIDS = 3000 };
	static signed char alive[CONNS][PIDS]; /* 1: running */
	static char last[CONNS][PIDS];         /* last comm's letter */
	unsigned seed = 18;
	(void)state;
	memset(alive, 0, sizeof(alive));

	for (int step = 0; step < 200000; step++) {
		seed = seed * 1103515245u + 12345u;
		unsigned r = seed >> 8;
		uint64_t conn = r % CONNS;
		uint32_t pid = (r / CONNS) % PIDS;
		/* running: spawned again (pid reuse, lost exit) 1 in 4, else
		 * exits; not running: spawned 1 in 2, else an exit of a pid
		 * never seen.  About 40% run at any time: under the limit. */
		bool spawn = alive[conn][pid] ? ((r >> 20) & 3) == 0
					      : ((r >> 20) & 1) != 0;
		char comm[2] = { (char)('a' + (r >> 10) % 26), '\0' };
		if (spawn) {
			feed(conn, WIRE_PROBE_PROCESS_SPAWNED, pid, comm, 1, 1);
			alive[conn][pid] = 1;
			last[conn][pid] = comm[0];
		} else {
			feed(conn, WIRE_PROBE_PROCESS_EXITED, pid, "z", 1, 1);
			alive[conn][pid] = 0;
		}
	}
	unsigned want = 0;
	for (int c = 0; c < CONNS; c++)
		for (int p = 0; p < PIDS; p++)
			want += (unsigned)alive[c][p];
	assert_true(want < RECV_SUMMARY_MAX_LIVE);
	assert_int_equal(S->live.used, want);
	assert_int_equal(S->live.overflow, 0);

	static const struct recv_live *list[RECV_SUMMARY_MAX_LIVE];
	size_t n = recv_summary_running(S, list, RECV_SUMMARY_MAX_LIVE);
	assert_int_equal(n, want);
	size_t k = 0;
	for (int c = 0; c < CONNS; c++) {
		for (int p = 0; p < PIDS; p++) {
			if (!alive[c][p])
				continue;
			assert_int_equal(list[k]->conn, c);
			assert_int_equal(list[k]->pid, p);
			assert_int_equal(list[k]->comm[0], last[c][p]);
			k++;
		}
	}
}

static void running_table_overflow_is_counted(void **state)
{
	(void)state;
	for (uint32_t pid = 1; pid <= RECV_SUMMARY_MAX_LIVE + 3; pid++)
		feed(7, WIRE_PROBE_PROCESS_SPAWNED, pid, "w", 1, 1);
	assert_int_equal(S->live.used, RECV_SUMMARY_MAX_LIVE);
	assert_int_equal(S->live.overflow, 3);
	/* room again after an exit */
	feed(7, WIRE_PROBE_PROCESS_EXITED, 1, "w", 1, 1);
	feed(7, WIRE_PROBE_PROCESS_SPAWNED, 999999, "w", 1, 1);
	assert_int_equal(S->live.used, RECV_SUMMARY_MAX_LIVE);
	assert_int_equal(S->live.overflow, 3);
	char *json = report(RECV_FORMAT_JSON);
	char want[128];
	snprintf(want, sizeof(want), "],\"others\":%d,\"untracked_spawns\":3}",
		 RECV_SUMMARY_MAX_LIVE - RECV_SUMMARY_TOP);
	assert_non_null(strstr(json, want));
	assert_non_null(strstr(json, "\"running\":{\"count\":4096,\"list\":[{\"connection\":7,\"pid\":2,\"comm\":\"w\"},"));
	free(json);
}

static void connections_and_their_endings(void **state)
{
	char why[32];
	(void)state;
	for (uint64_t id = 1; id <= RECV_SUMMARY_MAX_CONNS + 6; id++)
		recv_summary_conn_open(S, id);
	/* 20 distinct reasons: 16 kept, the other 4 counted together */
	for (uint64_t id = 1; id <= 20; id++) {
		snprintf(why, sizeof(why), "reason %llu", (unsigned long long)id);
		recv_summary_conn_close(S, id, why, id, 10 * id);
	}
	recv_summary_conn_close(S, 21, "reason 1", 0, 0);
	recv_summary_conn_close(S, RECV_SUMMARY_MAX_CONNS + 6, "reason 2", 1, 1);
	assert_int_equal(S->connections, RECV_SUMMARY_MAX_CONNS + 6);
	assert_int_equal(S->closed, 22);
	assert_int_equal(S->n_conns, RECV_SUMMARY_MAX_CONNS);
	assert_int_equal(S->n_endings, RECV_SUMMARY_MAX_ENDINGS);
	assert_int_equal(S->other_endings, 4);
	assert_int_equal(S->endings[0].count, 2);
	assert_int_equal(S->endings[1].count, 2);
	assert_true(S->conns[2].closed);
	assert_int_equal(S->conns[2].frames, 3);
	assert_int_equal(S->conns[2].bytes, 30);
	assert_false(S->conns[30].closed);

	char *text = report(RECV_FORMAT_TEXT);
	assert_non_null(strstr(text, "\nconnections: 70 opened, 22 closed, 5 refused\n"));
	assert_non_null(strstr(text, "\n  ended: reason 1 2\n"));
	assert_non_null(strstr(text, "\n  ended: (other reasons) 4\n"));
	assert_non_null(strstr(text, "\n  connection 3: 3 frames, 30 bytes, reason 3\n"));
	assert_non_null(strstr(text, "\n  connection 31: open at the end\n"));
	assert_non_null(strstr(text, "\n  (6 more connections not listed)\n"));
	free(text);
	char *json = report(RECV_FORMAT_JSON);
	assert_non_null(strstr(json, "{\"connection\":3,\"frames\":3,\"bytes\":30,\"ended\":\"reason 3\"}"));
	assert_non_null(strstr(json, "{\"connection\":31,\"ended\":null}"));
	assert_non_null(strstr(json, "\"unlisted\":6}"));
	free(json);
}

static void hostile_comms_are_escaped_in_both_reports(void **state)
{
	(void)state;
	feed(1, WIRE_PROBE_PROCESS_SPAWNED, 5, "\033[2J\xe2\x80\xae\"\\", 1, 1);
	char *text = report(RECV_FORMAT_TEXT);
	assert_null(strchr(text, '\033'));
	assert_non_null(strstr(text, "\\x1b[2J\\u202e\"\\\\"));
	free(text);
	char *json = report(RECV_FORMAT_JSON);
	assert_null(strchr(json, '\033'));
	assert_non_null(strstr(json, "\"comm\":\"\\u001b[2J\xe2\x80\xae\\\"\\\\\""));
	free(json);
}

static void empty_run_reports_no_span(void **state)
{
	(void)state;
	char *text = report(RECV_FORMAT_TEXT);
	assert_non_null(strstr(text, "\nspan: no frame\n"));
	assert_non_null(strstr(text, "\nstill running: 0 (spawned, no exit seen)\n"));
	free(text);
	char *json = report(RECV_FORMAT_JSON);
	assert_non_null(strstr(json, "{\"span\":null,"));
	free(json);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(counts_probes_errors_silences_and_span),
		T(top_is_most_frequent_first_with_others),
		T(comm_table_overflow_is_counted),
		T(running_set_matches_a_reference),
		T(running_table_overflow_is_counted),
		T(connections_and_their_endings),
		T(hostile_comms_are_escaped_in_both_reports),
		T(empty_run_reports_no_span),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
