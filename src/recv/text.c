/* text.c - see text.h. */
#include "config.h"

#include <string.h>

#include "recv/cursor.h"
#include "recv/text.h"

#define SGR_RESET "\033[0m"

/* Short names and colors, in the order of enum wire_probe. */
static const struct {
	const char *name;
	const char *sgr;
} probes[WIRE_PROBE_COUNT] = {
	[WIRE_PROBE_PROCESS_SPAWNED] = { "spawn", "\033[32m" },
	[WIRE_PROBE_PROCESS_EXITED] = { "exit", "\033[2m" },
	[WIRE_PROBE_CAPABILITY_DENIED] = { "denied", "\033[1;31m" },
	[WIRE_PROBE_FS_INOTIFY_FIRED] = { "fs", "\033[33m" },
	[WIRE_PROBE_NET_CONNECT_ATTEMPTED] = { "connect", "\033[36m" },
};

#define SGR_ERROR "\033[31m"
#define SGR_SILENT "\033[35m"
#define SGR_CONN "\033[34m"

const char *recv_text_probe(enum wire_probe p)
{
	if ((unsigned)p >= WIRE_PROBE_COUNT)
		return "?";
	return probes[p].name;
}

/* Code points that move, hide or break text on a terminal. */
static bool misleading(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) ||      /* C1 controls */
	       cp == 0x061c ||                    /* Arabic letter mark */
	       (cp >= 0x200b && cp <= 0x200f) ||  /* zero-width, LRM, RLM */
	       (cp >= 0x2028 && cp <= 0x202e) ||  /* separators, embeddings */
	       (cp >= 0x2060 && cp <= 0x2069) ||  /* joiners, isolates */
	       cp == 0xfeff ||                    /* BOM */
	       (cp >= 0xfff9 && cp <= 0xfffb);    /* annotations */
}

/* Length of the UTF-8 sequence a lead byte announces (0: not a lead). */
static size_t seq_len(unsigned char b)
{
	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		return 2;
	if (b >= 0xe0 && b <= 0xef)
		return 3;
	if (b >= 0xf0 && b <= 0xf4)
		return 4;
	return 0;
}

static uint32_t decode(const unsigned char *p, size_t len)
{
	static const unsigned char lead_mask[5] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	uint32_t cp = p[0] & lead_mask[len];
	for (size_t i = 1; i < len; i++)
		cp = (cp << 6) | (p[i] & 0x3f);
	return cp;
}

static const char hex[] = "0123456789abcdef";

static void put_escaped(struct cursor *c, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n && !c->full) {
		size_t len = seq_len(p[i]);
		if (len == 0 || len > n - i ||
		    !wire_utf8_valid(p + i, len, NULL)) {
			char e[4] = { '\\', 'x', hex[p[i] >> 4], hex[p[i] & 15] };
			put(c, e, sizeof(e));
			i++;
			continue;
		}
		uint32_t cp = decode(p + i, len);
		if (cp == '\\') {
			put(c, "\\\\", 2);
		} else if (cp < 0x20 || cp == 0x7f) {
			char e[4] = { '\\', 'x', hex[cp >> 4], hex[cp & 15] };
			put(c, e, sizeof(e));
		} else if (misleading(cp)) {
			char e[6] = { '\\', 'u', hex[(cp >> 12) & 15],
				      hex[(cp >> 8) & 15], hex[(cp >> 4) & 15],
				      hex[cp & 15] };
			put(c, e, sizeof(e));
		} else {
			put(c, s + i, len);
		}
		i += len;
	}
}

size_t recv_text_escape(const char *s, size_t n, char *buf, size_t cap)
{
	struct cursor c = cursor_at(buf, cap);

	put_escaped(&c, s, n);
	put(&c, "", 1);
	if (c.full)
		return SIZE_MAX;
	return c.len - 1;
}

/* Right-align text in width columns. */
static void put_right(struct cursor *c, const char *s, size_t width)
{
	size_t n = strlen(s);
	put_pad(c, ' ', n < width ? width - n : 0);
	put(c, s, n);
}

/* s left-aligned in width columns, in color sgr when color is on. */
static void put_word(struct cursor *c, const char *s, size_t width,
		     const char *sgr, bool color)
{
	size_t n = strlen(s);
	if (color)
		put_str(c, sgr);
	put(c, s, n);
	if (color)
		put_str(c, SGR_RESET);
	put_pad(c, ' ', n < width ? width - n : 0);
}

static void u64_text(uint64_t v, char num[24])
{
	struct cursor n = cursor_at(num, 24);
	put_u64(&n, v);
	cursor_finish(&n);
	if (n.full)
		num[0] = '\0';
}

/* clock, connection, event and pid columns, and the space before the
 * last column.  pid < 0: none ("-"). */
static void put_columns(struct cursor *c, const char *clock, uint64_t conn,
			const char *event, const char *sgr, int64_t pid,
			bool color)
{
	char num[24];

	put_str(c, clock);
	put_char(c, ' ');
	u64_text(conn, num);
	put_right(c, num, RECV_TEXT_CONN_WIDTH);
	put_char(c, ' ');
	put_word(c, event, RECV_TEXT_EVENT_WIDTH, sgr, color);
	put_char(c, ' ');
	if (pid < 0) {
		put_right(c, "-", RECV_TEXT_PID_WIDTH);
	} else {
		u64_text((uint64_t)pid, num);
		put_right(c, num, RECV_TEXT_PID_WIDTH);
	}
	put_char(c, ' ');
}

static size_t end_line(struct cursor *c)
{
	put_char(c, '\n');
	return cursor_finish(c);
}

size_t recv_text_header(char *buf, size_t cap, bool color)
{
	struct cursor c = cursor_at(buf, cap);

	/* The same columns as the clock ("HH:MM:SS.mmm") and the rest. */
	put_str(&c, "TIME        ");
	put_char(&c, ' ');
	put_right(&c, "CONN", RECV_TEXT_CONN_WIDTH);
	put_char(&c, ' ');
	put_word(&c, "EVENT", RECV_TEXT_EVENT_WIDTH, "\033[1m", color);
	put_char(&c, ' ');
	put_right(&c, "PID", RECV_TEXT_PID_WIDTH);
	put_str(&c, " COMM/DETAIL");
	return end_line(&c);
}

size_t recv_text_frame(char *buf, size_t cap, const char *clock,
		       uint64_t conn, const struct wire_event *ev, bool color)
{
	struct cursor c = cursor_at(buf, cap);
	unsigned p = (unsigned)ev->probe;

	put_columns(&c, clock, conn, recv_text_probe(ev->probe),
		    p < WIRE_PROBE_COUNT ? probes[p].sgr : SGR_ERROR,
		    (int64_t)ev->pid, color);
	/* comm_len, not strlen: a NUL inside the comm is shown as \x00. */
	put_escaped(&c, ev->comm,
		    ev->comm_len <= WIRE_COMM_MAX_BYTES ? ev->comm_len : 0);
	return end_line(&c);
}

size_t recv_text_error(char *buf, size_t cap, const char *clock,
		       uint64_t conn, const struct wire_error_detail *d,
		       bool color)
{
	struct cursor c = cursor_at(buf, cap);
	char detail[RECV_DETAIL_BYTES];
	size_t dlen = 0;

	if (wire_error_format(d, detail, sizeof(detail)) > 0)
		dlen = strnlen(detail, sizeof(detail));
	put_columns(&c, clock, conn, "error", SGR_ERROR, -1, color);
	if (color)
		put_str(&c, SGR_ERROR);
	put_str(&c, wire_error_name(d->code));
	if (color)
		put_str(&c, SGR_RESET);
	put_str(&c, ": ");
	put_escaped(&c, detail, dlen);
	return end_line(&c);
}

size_t recv_text_silence(char *buf, size_t cap, const char *clock,
			 uint64_t conn, uint64_t silent_for_s, bool color)
{
	struct cursor c = cursor_at(buf, cap);

	put_columns(&c, clock, conn, "silent", SGR_SILENT, -1, color);
	put_str(&c, "no frame for ");
	put_u64(&c, silent_for_s);
	put_str(&c, " s");
	return end_line(&c);
}

size_t recv_text_conn_open(char *buf, size_t cap, const char *clock,
			   uint64_t conn, bool color)
{
	struct cursor c = cursor_at(buf, cap);

	put_columns(&c, clock, conn, "open", SGR_CONN, -1, color);
	put_str(&c, "connection opened");
	return end_line(&c);
}

size_t recv_text_conn_close(char *buf, size_t cap, const char *clock,
			    uint64_t conn, const char *why, uint64_t frames,
			    uint64_t bytes, bool color)
{
	struct cursor c = cursor_at(buf, cap);

	put_columns(&c, clock, conn, "close", SGR_CONN, -1, color);
	put_str(&c, "connection closed (");
	put_escaped(&c, why, strlen(why));
	put_str(&c, "): ");
	put_u64(&c, frames);
	put_str(&c, frames == 1 ? " frame, " : " frames, ");
	put_u64(&c, bytes);
	put_str(&c, bytes == 1 ? " byte" : " bytes");
	return end_line(&c);
}
