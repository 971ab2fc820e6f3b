/* decode.c - see decode.h. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "recv/decode.h"
#include "recv/log.h"

void recv_stamp_now(char buf[RECV_STAMP_BYTES])
{
	struct timespec ts;

	/* CLOCK_REALTIME cannot fail with a valid pointer; should it, the
	 * epoch is an honest "unknown" that still parses. */
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0) {
		ts.tv_sec = 0;
		ts.tv_nsec = 0;
	}
	if (recv_timefmt_rfc3339(&ts, buf) == 0)
		memcpy(buf, "1970-01-01T00:00:00.000000000Z",
		       sizeof("1970-01-01T00:00:00.000000000Z"));
}

static enum recv_decode_result report_error(struct recv_ctx *c, uint64_t conn,
					    const char *stamp,
					    const struct wire_error_detail *d)
{
	recv_stats_count_error(&c->stats, d->code);
	if (recv_output_error(c->out, stamp, conn, d) < 0)
		return RECV_DECODE_IO_ERROR;
	return RECV_DECODE_MORE;
}

enum recv_decode_result recv_decode_feed(struct recv_ctx *c,
					 struct wire_stream *s, uint64_t conn,
					 const char *stamp, const uint8_t *data,
					 size_t len, uint64_t *frames)
{
	*frames = 0;
	c->stats.bytes += len;
	if (c->raw_fd >= 0 && len > 0 &&
	    recv_write_all(c->raw_fd, data, len) < 0) {
		int e = errno;
		recv_err("--raw=%s: %s", c->opts->raw_path, strerror(e));
		errno = e;
		return RECV_DECODE_IO_ERROR;
	}

	while (len > 0) {
		struct wire_event ev;
		struct wire_error_detail d;
		size_t used = 0;

		memset(&d, 0, sizeof(d));
		enum wire_stream_status st =
			wire_stream_feed(s, data, len, &used, &ev, &d);
		if (used > len) {
			/* The decoder promised otherwise; never trust it to
			 * walk us outside the buffer. */
			recv_err("internal: decoder consumed %zu of %zu bytes",
				 used, len);
			return RECV_DECODE_CLOSE;
		}
		data += used;
		len -= used;

		switch (st) {
		case WIRE_STREAM_NEED_MORE:
			if (len > 0 && used == 0) {
				recv_err("internal: decoder stalled with %zu bytes left",
					 len);
				return RECV_DECODE_CLOSE;
			}
			break;
		case WIRE_STREAM_FRAME:
			(*frames)++;
			c->stats.frames++;
			if (recv_output_frame(c->out, stamp, conn, &ev) < 0)
				return RECV_DECODE_IO_ERROR;
			if (c->opts->count != 0 &&
			    c->stats.frames >= c->opts->count)
				return RECV_DECODE_DONE;
			break;
		case WIRE_STREAM_FRAME_ERROR:
			(*frames)++;
			if (report_error(c, conn, stamp, &d) != RECV_DECODE_MORE)
				return RECV_DECODE_IO_ERROR;
			break;
		case WIRE_STREAM_FATAL:
		default:
			if (report_error(c, conn, stamp, &d) != RECV_DECODE_MORE)
				return RECV_DECODE_IO_ERROR;
			return RECV_DECODE_CLOSE;
		}
		/* A frame must consume at least its last byte; a report with
		 * nothing consumed would repeat forever. */
		if (used == 0 && st != WIRE_STREAM_NEED_MORE) {
			recv_err("internal: decoder reported without consuming");
			return RECV_DECODE_CLOSE;
		}
	}
	return RECV_DECODE_MORE;
}

enum recv_decode_result recv_decode_end(struct recv_ctx *c,
					const struct wire_stream *s,
					uint64_t conn, const char *stamp)
{
	struct wire_error_detail d;

	/* After a framing error the stream was already reported. */
	if (s->failed)
		return RECV_DECODE_MORE;
	memset(&d, 0, sizeof(d));
	enum wire_error e = wire_stream_finish(s, &d);
	if (e == WIRE_OK)
		return RECV_DECODE_MORE;
	d.code = e;
	return report_error(c, conn, stamp, &d);
}
