/*
 * render.h - the receiver's JSON lines, rendered into caller buffers.
 *
 * Promises: each function writes exactly one JSON object followed by
 * '\n' (and a NUL when there is room for it) and returns the line's
 * length including the '\n', or 0 when cap is too small (then buf holds
 * garbage).  RECV_LINE_MAX_BYTES is always enough for any line.  Every
 * string that came from outside (comm, error detail, cell and run ids) is
 * JSON-escaped, so each line is valid JSON whatever the guest sent.
 * Pure: no I/O, no allocation, no global state.
 *
 * The keys (other tools parse them; change them only with the man page):
 *   frame:   host_received_at, connection, <wire_event_to_json members>,
 *            [cell_id], [run_id]
 *   error:   host_received_at, connection, error, detail, offset
 *   silence: host_received_at, connection, event="agent_silenced",
 *            silent_for_s
 */
#ifndef RECV_RENDER_H
#define RECV_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "cellos_wire.h"
#include "recv/options.h"

/* Room for one wire_error_format text before escaping. */
#define RECV_DETAIL_BYTES 256
/* Worst-case JSON escaping turns one byte into six (\u00XX). */
#define RECV_JSON_ESCAPE_FACTOR 6
/* ,"cell_id":"<escaped>","run_id":"<escaped>" */
#define RECV_SUFFIX_BYTES \
	(2 * (sizeof(",\"cell_id\":\"\"") + RECV_ID_MAX_BYTES * RECV_JSON_ESCAPE_FACTOR) + 1)
/* Longest line of any kind, with margin for the keys and numbers. */
#define RECV_LINE_MAX_BYTES \
	(256 + WIRE_JSON_MAX_BYTES + RECV_SUFFIX_BYTES + \
	 RECV_DETAIL_BYTES * RECV_JSON_ESCAPE_FACTOR)

/* The members a frame line ends with, rendered once at start-up:
 * ,"cell_id":"…" and/or ,"run_id":"…" (either may be NULL; both NULL gives
 * an empty string).  ids must be valid UTF-8 of at most RECV_ID_MAX_BYTES
 * (options.c checks).  Returns the length, or SIZE_MAX when it does not
 * fit. */
size_t recv_render_suffix(char *buf, size_t cap, const char *cell_id,
			  const char *run_id);

size_t recv_render_frame(char *buf, size_t cap, const char *stamp,
			 uint64_t conn, const struct wire_event *ev,
			 const char *suffix, size_t suffix_len);

size_t recv_render_error(char *buf, size_t cap, const char *stamp,
			 uint64_t conn, const struct wire_error_detail *d);

size_t recv_render_silence(char *buf, size_t cap, const char *stamp,
			   uint64_t conn, uint64_t silent_for_s);

#endif
