/* render.c - see render.h. */
#include "config.h"

#include <string.h>

#include "recv/cursor.h"
#include "recv/render.h"

/* s must be valid UTF-8. */
static void put_escaped(struct cursor *c, const char *s, size_t n)
{
	if (c->full)
		return;
	size_t w = wire_json_escape(s, n, c->buf + c->len, c->cap - c->len);
	if (w == SIZE_MAX) {
		c->full = true;
		return;
	}
	c->len += w;
}

static void put_head(struct cursor *c, const char *stamp, uint64_t conn)
{
	put_str(c, "{\"host_received_at\":\"");
	put_str(c, stamp);
	put_str(c, "\",\"connection\":");
	put_u64(c, conn);
}

static size_t finish(struct cursor *c)
{
	put(c, "}\n", 2);
	return cursor_finish(c);
}

size_t recv_render_suffix(char *buf, size_t cap, const char *cell_id,
			  const char *run_id)
{
	struct cursor c = cursor_at(buf, cap);

	if (cell_id != NULL) {
		put_str(&c, ",\"cell_id\":\"");
		put_escaped(&c, cell_id, strlen(cell_id));
		put_str(&c, "\"");
	}
	if (run_id != NULL) {
		put_str(&c, ",\"run_id\":\"");
		put_escaped(&c, run_id, strlen(run_id));
		put_str(&c, "\"");
	}
	/* Room for the NUL too, so the suffix can be printed as a string. */
	put(&c, "", 1);
	if (c.full)
		return SIZE_MAX;
	return c.len - 1;
}

size_t recv_render_frame(char *buf, size_t cap, const char *stamp,
			 uint64_t conn, const struct wire_event *ev,
			 const char *suffix, size_t suffix_len)
{
	struct cursor c = cursor_at(buf, cap);

	put_head(&c, stamp, conn);
	put_str(&c, ",");
	if (!c.full) {
		size_t w = wire_event_to_json(ev, c.buf + c.len, c.cap - c.len);
		if (w == 0)
			c.full = true;
		else
			c.len += w;
	}
	put(&c, suffix, suffix_len);
	return finish(&c);
}

size_t recv_render_error(char *buf, size_t cap, const char *stamp,
			 uint64_t conn, const struct wire_error_detail *d)
{
	struct cursor c = cursor_at(buf, cap);
	char detail[RECV_DETAIL_BYTES];
	size_t dlen = 0, bad_at;

	int n = wire_error_format(d, detail, sizeof(detail));
	if (n > 0)
		dlen = strnlen(detail, sizeof(detail));
	/* The text is the library's, but a cut at the buffer's end may split
	 * a character: keep only the valid prefix, as escaping needs UTF-8. */
	if (!wire_utf8_valid((const uint8_t *)detail, dlen, &bad_at))
		dlen = bad_at;

	put_head(&c, stamp, conn);
	put_str(&c, ",\"error\":\"");
	put_str(&c, wire_error_name(d->code));
	put_str(&c, "\",\"detail\":\"");
	put_escaped(&c, detail, dlen);
	put_str(&c, "\",\"offset\":");
	put_u64(&c, d->offset);
	return finish(&c);
}

size_t recv_render_silence(char *buf, size_t cap, const char *stamp,
			   uint64_t conn, uint64_t silent_for_s)
{
	struct cursor c = cursor_at(buf, cap);

	put_head(&c, stamp, conn);
	put_str(&c, ",\"event\":\"agent_silenced\",\"silent_for_s\":");
	put_u64(&c, silent_for_s);
	return finish(&c);
}
