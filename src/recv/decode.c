/* decode.c - see decode.h. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "recv/decode.h"
#include "recv/log.h"

void recv_stamp_now(struct recv_stamp *st)
{
	/* CLOCK_REALTIME cannot fail with a valid pointer; should it, the
	 * epoch is an honest "unknown" that still parses. */
	if (clock_gettime(CLOCK_REALTIME, &st->ts) < 0) {
		st->ts.tv_sec = 0;
		st->ts.tv_nsec = 0;
	}
	if (recv_timefmt_rfc3339(&st->ts, st->rfc3339) == 0)
		memcpy(st->rfc3339, "1970-01-01T00:00:00.000000000Z",
		       sizeof("1970-01-01T00:00:00.000000000Z"));
	if (recv_timefmt_local_ms(&st->ts, st->local) == 0)
		memcpy(st->local, "??:??:??.???", sizeof("??:??:??.???"));
}

static enum recv_decode_result report_error(struct recv_ctx *c, uint64_t conn,
					    const struct recv_stamp *stamp,
					    const struct wire_error_detail *d)
{
	recv_stats_count_error(&c->stats, d->code);
	if (c->summary != NULL)
		recv_summary_error(c->summary, d->code);
	if (recv_output_error(c->out, stamp, conn, d) < 0)
		return RECV_DECODE_IO_ERROR;
	return RECV_DECODE_MORE;
}

enum recv_decode_result recv_decode_feed(struct recv_ctx *c,
					 struct wire_stream *s, uint64_t conn,
					 const struct recv_stamp *stamp,
					 const uint8_t *data,
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
			if (c->summary != NULL)
				recv_summary_frame(c->summary, &stamp->ts, conn,
						   &ev);
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
					uint64_t conn,
					const struct recv_stamp *stamp)
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

enum recv_decode_result recv_stream_opened(struct recv_ctx *c, uint64_t conn,
					   const struct recv_stamp *stamp)
{
	if (c->summary != NULL)
		recv_summary_conn_open(c->summary, conn);
	if (recv_output_conn_open(c->out, stamp, conn) < 0)
		return RECV_DECODE_IO_ERROR;
	return RECV_DECODE_MORE;
}

enum recv_decode_result recv_stream_closed(struct recv_ctx *c, uint64_t conn,
					   const struct recv_stamp *stamp,
					   const char *why, uint64_t frames,
					   uint64_t bytes)
{
	if (c->summary != NULL)
		recv_summary_conn_close(c->summary, conn, why, frames, bytes);
	if (recv_output_conn_close(c->out, stamp, conn, why, frames, bytes) < 0)
		return RECV_DECODE_IO_ERROR;
	return RECV_DECODE_MORE;
}

enum recv_decode_result recv_stream_silent(struct recv_ctx *c, uint64_t conn,
					   const struct recv_stamp *stamp,
					   uint64_t silent_for_s)
{
	c->stats.silenced++;
	if (c->summary != NULL)
		recv_summary_silence(c->summary);
	if (recv_output_silence(c->out, stamp, conn, silent_for_s) < 0)
		return RECV_DECODE_IO_ERROR;
	return RECV_DECODE_MORE;
}
