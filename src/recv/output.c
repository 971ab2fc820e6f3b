/* output.c - see output.h. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <unistd.h>

#include "recv/log.h"
#include "recv/output.h"

int recv_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				struct pollfd pfd = { .fd = fd, .events = POLLOUT };
				if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
					return -1;
				continue;
			}
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int recv_output_flush(struct recv_output *o)
{
	if (o->len == 0)
		return 0;
	int r = recv_write_all(o->fd, o->buf, o->len);
	/* Whatever happened, these lines are gone: a failed write ends the
	 * run, and keeping them would only repeat the failure. */
	o->len = 0;
	return r;
}

/* Make room for one more line of the longest kind. */
static int reserve(struct recv_output *o)
{
	if (sizeof(o->buf) - o->len >= RECV_LINE_MAX_BYTES)
		return 0;
	return recv_output_flush(o);
}

/* A line that does not fit RECV_LINE_MAX_BYTES is a bug in the bounds,
 * not an input problem: say so and go on without it. */
static void commit(struct recv_output *o, size_t n, const char *what)
{
	if (n == 0) {
		recv_err("internal: %s line longer than %zu bytes dropped", what,
			 (size_t)RECV_LINE_MAX_BYTES);
		return;
	}
	o->len += n;
}

int recv_output_init(struct recv_output *o, int fd, const char *cell_id,
		     const char *run_id, unsigned format, bool color)
{
	o->fd = fd;
	o->len = 0;
	o->format = format;
	o->color = color && format == RECV_FORMAT_TEXT;
	size_t n = recv_render_suffix(o->suffix, sizeof(o->suffix), cell_id,
				      run_id);
	if (n == SIZE_MAX) {
		errno = EINVAL;
		return -1;
	}
	o->suffix_len = n;
	return recv_output_header(o);
}

int recv_output_header(struct recv_output *o)
{
	if (o->format != RECV_FORMAT_TEXT)
		return 0;
	if (reserve(o) < 0)
		return -1;
	commit(o, recv_text_header(o->buf + o->len, sizeof(o->buf) - o->len,
				   o->color),
	       "header");
	return 0;
}

static bool text(const struct recv_output *o)
{
	return o->format == RECV_FORMAT_TEXT;
}

/* Where the next line goes, and its room: the first two arguments of
 * every renderer. */
#define AT(o) ((o)->buf + (o)->len), (sizeof((o)->buf) - (o)->len)

int recv_output_frame(struct recv_output *o, const struct recv_stamp *st,
		      uint64_t conn, const struct wire_event *ev)
{
	if (reserve(o) < 0)
		return -1;
	commit(o,
	       text(o) ? recv_text_frame(AT(o), st->local, conn, ev, o->color)
		       : recv_render_frame(AT(o), st->rfc3339, conn, ev,
					   o->suffix, o->suffix_len),
	       "frame");
	return 0;
}

int recv_output_error(struct recv_output *o, const struct recv_stamp *st,
		      uint64_t conn, const struct wire_error_detail *d)
{
	if (reserve(o) < 0)
		return -1;
	commit(o,
	       text(o) ? recv_text_error(AT(o), st->local, conn, d, o->color)
		       : recv_render_error(AT(o), st->rfc3339, conn, d),
	       "error");
	return 0;
}

int recv_output_silence(struct recv_output *o, const struct recv_stamp *st,
			uint64_t conn, uint64_t silent_for_s)
{
	if (reserve(o) < 0)
		return -1;
	commit(o,
	       text(o) ? recv_text_silence(AT(o), st->local, conn,
					   silent_for_s, o->color)
		       : recv_render_silence(AT(o), st->rfc3339, conn,
					     silent_for_s),
	       "silence");
	return 0;
}

int recv_output_conn_open(struct recv_output *o, const struct recv_stamp *st,
			  uint64_t conn)
{
	if (!text(o))
		return 0;
	if (reserve(o) < 0)
		return -1;
	commit(o, recv_text_conn_open(AT(o), st->local, conn, o->color),
	       "connection");
	return 0;
}

int recv_output_conn_close(struct recv_output *o, const struct recv_stamp *st,
			   uint64_t conn, const char *why, uint64_t frames,
			   uint64_t bytes)
{
	if (!text(o))
		return 0;
	if (reserve(o) < 0)
		return -1;
	commit(o,
	       recv_text_conn_close(AT(o), st->local, conn, why, frames, bytes,
				    o->color),
	       "connection");
	return 0;
}
