/*
 * text.h - --format=text: one aligned line per frame, for people.
 *
 * Promises: every line has the same columns, as forkstat(8) prints them:
 *
 *   TIME          CONN EVENT          PID COMM/DETAIL
 *   10:39:28.123     1 spawn           42 sh
 *
 * the host's local time of day to the millisecond (12 columns), the
 * connection right-aligned in 5, the event left-aligned in 7 (the
 * probes' short names spawn, exit, denied, fs, connect; error, silent,
 * open and close for the receiver's own lines), the pid right-aligned in
 * 10 ("-" when the line has none), then the comm or the line's detail.
 * The columns hold whatever the numbers are (a wider number pushes the
 * rest of that line right, never truncates it).
 *
 * Nothing from outside reaches the terminal raw: recv_text_escape shows
 * a backslash as \\, a C0 control or DEL or a byte that is not valid
 * UTF-8 as \xNN, and a character that moves or hides text (C1 controls,
 * line and paragraph separators, bidirectional controls, zero-width
 * marks, BOM) as \uXXXX; other characters are kept.
 *
 * With color, the event word (and an error's name) are wrapped in ANSI
 * SGR sequences; the padding is computed without them, so columns line
 * up the same with or without.  Each function writes one line ending in
 * '\n' (and a NUL when there is room) and returns its length, or 0 when
 * cap is too small; RECV_TEXT_LINE_MAX_BYTES is always enough.  Pure: no
 * I/O, no allocation, no global state.
 */
#ifndef RECV_TEXT_H
#define RECV_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellos_wire.h"
#include "recv/render.h"

#define RECV_TEXT_CONN_WIDTH 5
#define RECV_TEXT_EVENT_WIDTH 7
#define RECV_TEXT_PID_WIDTH 10
/* Escaping turns one byte into at most four (\xNN). */
#define RECV_TEXT_ESCAPE_FACTOR 4
/* An escaped comm and its NUL. */
#define RECV_TEXT_COMM_BYTES (WIRE_COMM_MAX_BYTES * RECV_TEXT_ESCAPE_FACTOR + 1)
/* Longest line: the columns, colors, an escaped detail and the words
 * around it. */
#define RECV_TEXT_LINE_MAX_BYTES \
	(256 + RECV_DETAIL_BYTES * RECV_TEXT_ESCAPE_FACTOR)

_Static_assert(RECV_TEXT_LINE_MAX_BYTES <= RECV_LINE_MAX_BYTES,
	       "a text line must fit where a JSON line fits");

/* The short name of a probe ("spawn"), or "?" when out of range. */
const char *recv_text_probe(enum wire_probe p);

/* Escape s[0..n) as above into buf; returns the length written (a NUL
 * follows), or SIZE_MAX when it does not fit. */
size_t recv_text_escape(const char *s, size_t n, char *buf, size_t cap);

/* The column titles. */
size_t recv_text_header(char *buf, size_t cap, bool color);

size_t recv_text_frame(char *buf, size_t cap, const char *clock,
		       uint64_t conn, const struct wire_event *ev, bool color);

/* "UnknownProbeSource: <detail>"; the library's detail ends with the
 * offset ("..., at offset 1234"). */
size_t recv_text_error(char *buf, size_t cap, const char *clock,
		       uint64_t conn, const struct wire_error_detail *d,
		       bool color);

/* "no frame for N s" */
size_t recv_text_silence(char *buf, size_t cap, const char *clock,
			 uint64_t conn, uint64_t silent_for_s, bool color);

/* open: "connection opened"; close: "connection closed (WHY): N frames,
 * N bytes" (why is the receiver's own text, escaped all the same). */
size_t recv_text_conn_open(char *buf, size_t cap, const char *clock,
			   uint64_t conn, bool color);
size_t recv_text_conn_close(char *buf, size_t cap, const char *clock,
			    uint64_t conn, const char *why, uint64_t frames,
			    uint64_t bytes, bool color);

#endif
