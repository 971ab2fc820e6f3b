/*
 * decode.h - one byte stream (a connection or a capture) into JSON lines.
 *
 * Promises: recv_decode_feed hands the bytes of one read to the stream's
 * wire_stream decoder and turns every outcome into exactly one line:
 * a frame line per good frame, an error line per bad frame (the stream
 * goes on), an error line for a framing error (the caller closes the
 * stream).  It stops early, with RECV_DECODE_DONE, the moment --count
 * frames have been printed.  --raw bytes are appended before decoding, so
 * a capture holds exactly what arrived even when it fails to decode.
 * Nothing here allocates or blocks except the output and raw writes.
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
#include "recv/timefmt.h"

/* Everything one run shares between its streams. */
struct recv_ctx {
	const struct recv_options *opts;
	struct recv_output *out;
	struct recv_stats stats;
	int raw_fd; /* -1 without --raw */
};

enum recv_decode_result {
	RECV_DECODE_MORE = 0, /* every byte taken; the stream goes on */
	RECV_DECODE_CLOSE,    /* framing error reported: close the stream */
	RECV_DECODE_DONE,     /* --count frames printed: end the run */
	RECV_DECODE_IO_ERROR, /* output or --raw write failed (errno set) */
};

/* Stamp now (CLOCK_REALTIME) into buf for host_received_at. */
void recv_stamp_now(char buf[RECV_STAMP_BYTES]);

/* Feed one read's bytes.  *frames gets the number of whole frames (good
 * or bad) that completed, which is what resets the silence window. */
enum recv_decode_result recv_decode_feed(struct recv_ctx *c,
					 struct wire_stream *s, uint64_t conn,
					 const char *stamp, const uint8_t *data,
					 size_t len, uint64_t *frames);

/* The peer closed the stream (or the capture ended): an error line when it
 * ended inside a frame.  Returns RECV_DECODE_MORE or RECV_DECODE_IO_ERROR. */
enum recv_decode_result recv_decode_end(struct recv_ctx *c,
					const struct wire_stream *s,
					uint64_t conn, const char *stamp);

#endif
