/*
 * output.h - where the JSON lines go, and when.
 *
 * Promises: lines are rendered straight into one fixed buffer (no
 * allocation per line).  recv_output_flush writes everything buffered;
 * the receiver calls it after every read batch and every timer or EOF
 * event, so a reader tailing the output sees each line as soon as the
 * bytes that produced it were read.  When the buffer cannot take another
 * line of the longest kind it is flushed first, so lines are only ever
 * written whole and in order.  Writes retry on EINTR and wait (poll) on
 * EAGAIN, so a non-blocking stdout inherited from a shell works.
 *
 * The lines are JSON (render.h) or, with --format=text, aligned text
 * (text.h), which also has a header line first and a line for each
 * connection opened and closed (JSON has none: its readers know a
 * connection by its id).
 *
 * Every function returns 0, or -1 with errno set when writing failed
 * (the caller ends the run: there is nowhere left to report to).
 */
#ifndef RECV_OUTPUT_H
#define RECV_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellos_wire.h"
#include "recv/render.h"
#include "recv/text.h"
#include "recv/timefmt.h"

/* Many lines per write: one read batch of small frames fits. */
#define RECV_OUT_BUF_BYTES (64 * 1024)

_Static_assert(RECV_OUT_BUF_BYTES >= 2 * RECV_LINE_MAX_BYTES,
	       "the output buffer must hold at least two lines of the longest kind");

struct recv_output {
	int fd;
	unsigned format; /* enum recv_format */
	bool color;      /* text: ANSI colors */
	size_t len;
	size_t suffix_len;
	char suffix[RECV_SUFFIX_BYTES];
	char buf[RECV_OUT_BUF_BYTES];
};

/* ids as in recv_render_suffix (JSON only).  format: enum recv_format;
 * color: for text only.  Returns -1 (EINVAL) when the ids do not fit. */
int recv_output_init(struct recv_output *o, int fd, const char *cell_id,
		     const char *run_id, unsigned format, bool color);

int recv_output_frame(struct recv_output *o, const struct recv_stamp *st,
		      uint64_t conn, const struct wire_event *ev);
int recv_output_error(struct recv_output *o, const struct recv_stamp *st,
		      uint64_t conn, const struct wire_error_detail *d);
int recv_output_silence(struct recv_output *o, const struct recv_stamp *st,
			uint64_t conn, uint64_t silent_for_s);
/* Text only (no line in JSON). */
int recv_output_conn_open(struct recv_output *o, const struct recv_stamp *st,
			  uint64_t conn);
int recv_output_conn_close(struct recv_output *o, const struct recv_stamp *st,
			   uint64_t conn, const char *why, uint64_t frames,
			   uint64_t bytes);
int recv_output_flush(struct recv_output *o);
/* Text: the column titles (init writes them first; files.c again at the
 * top of a reopened --output).  JSON: nothing. */
int recv_output_header(struct recv_output *o);

/* Write all of buf to fd (EINTR retried, EAGAIN waited out with poll).
 * Returns 0, or -1 with errno. */
int recv_write_all(int fd, const void *buf, size_t len);

#endif
