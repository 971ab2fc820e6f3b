/*
 * cursor.h - an append-only cursor over a caller's buffer, for the
 * line renderers (render.c, text.c).
 *
 * Promises: once something does not fit, the cursor stays full and every
 * later put is a no-op, so a renderer checks once, at the end.  Never
 * writes past cap.  Header-only, static inline: no state of its own.
 */
#ifndef RECV_CURSOR_H
#define RECV_CURSOR_H

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct cursor {
	char *buf;
	size_t cap;
	size_t len;
	bool full;
};

static inline struct cursor cursor_at(char *buf, size_t cap)
{
	struct cursor c = { buf, cap, 0, false };
	return c;
}

static inline void put(struct cursor *c, const char *s, size_t n)
{
	if (c->full || n > c->cap - c->len) {
		c->full = true;
		return;
	}
	memcpy(c->buf + c->len, s, n);
	c->len += n;
}

static inline void put_str(struct cursor *c, const char *s)
{
	put(c, s, strlen(s));
}

static inline void put_char(struct cursor *c, char ch)
{
	put(c, &ch, 1);
}

/* n copies of ch (padding). */
static inline void put_pad(struct cursor *c, char ch, size_t n)
{
	while (n-- > 0 && !c->full)
		put_char(c, ch);
}

static inline void put_u64(struct cursor *c, uint64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%" PRIu64, v);
	if (n < 0 || (size_t)n >= sizeof(num)) {
		c->full = true;
		return;
	}
	put(c, num, (size_t)n);
}

/* The line's length once a renderer is done: the NUL is added when there
 * is room for it; 0 when anything did not fit. */
static inline size_t cursor_finish(struct cursor *c)
{
	if (c->full)
		return 0;
	if (c->len < c->cap)
		c->buf[c->len] = '\0';
	return c->len;
}

#endif
