/*
 * decode.h - one byte stream (a connection or a capture) into lines.
 *
 * Promises: recv_decode_feed hands the bytes of one read to the stream's
 * wire_stream decoder and turns every outcome into exactly one line
 * (JSON or text, as output.h renders it):
 * a frame line per good frame, an error line per bad frame (the stream
 * goes on), an error line for a framing error (the caller closes the
 * stream).  It stops early, with RECV_DECODE_DONE, the moment --count
 * frames have been printed.  --raw bytes are appended before decoding, so
 * a capture holds exactly what arrived even when it fails to decode.
 * Nothing here allocates or blocks except the output and raw writes.
 *
 * recv_stream_opened/closed/silent report the rest of a stream's life
 * the same way: to the output (text lines), the counters and, with
 * --summary, the summary; so do frames and errors.
 */
#ifndef RECV_DECODE_H
#define RECV_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellos_wire.h"
#include "recv/options.h"
#include "recv/output.h"
#include "recv/stats.h"
#include "recv/summary.h"
#include "recv/timefmt.h"

/* Everything one run shares between its streams. */
struct recv_ctx {
	const struct recv_options *opts;
	struct recv_output *out;
	struct recv_stats stats;
	struct recv_summary *summary; /* NULL without --summary */
	int raw_fd; /* -1 without --raw */
};

enum recv_decode_result {
	RECV_DECODE_MORE = 0, /* every byte taken; the stream goes on */
	RECV_DECODE_CLOSE,    /* framing error reported: close the stream */
	RECV_DECODE_DONE,     /* --count frames printed: end the run */
	RECV_DECODE_IO_ERROR, /* output or --raw write failed (errno set) */
};

/* Stamp now (CLOCK_REALTIME), rendered for both formats. */
void recv_stamp_now(struct recv_stamp *st);

/* Feed one read's bytes.  *frames gets the number of whole frames (good
 * or bad) that completed, which is what resets the silence window. */
enum recv_decode_result recv_decode_feed(struct recv_ctx *c,
					 struct wire_stream *s, uint64_t conn,
					 const struct recv_stamp *stamp,
					 const uint8_t *data,
					 size_t len, uint64_t *frames);

/* The peer closed the stream (or the capture ended): an error line when it
 * ended inside a frame.  Returns RECV_DECODE_MORE or RECV_DECODE_IO_ERROR. */
enum recv_decode_result recv_decode_end(struct recv_ctx *c,
					const struct wire_stream *s,
					uint64_t conn,
					const struct recv_stamp *stamp);

/* These return RECV_DECODE_MORE, or RECV_DECODE_IO_ERROR (errno). */
enum recv_decode_result recv_stream_opened(struct recv_ctx *c, uint64_t conn,
					   const struct recv_stamp *stamp);
/* why: how it ended ("end of stream"), frames and bytes: what came. */
enum recv_decode_result recv_stream_closed(struct recv_ctx *c, uint64_t conn,
					   const struct recv_stamp *stamp,
					   const char *why, uint64_t frames,
					   uint64_t bytes);
/* No whole frame for silent_for_s seconds (the caller says it once). */
enum recv_decode_result recv_stream_silent(struct recv_ctx *c, uint64_t conn,
					   const struct recv_stamp *stamp,
					   uint64_t silent_for_s);

#endif
