/*
 * internal.h - helpers shared between the modules of libcellos-wire.
 * Nothing here is exported from the shared library (only wire_* is).
 */
#ifndef CELLOS_WIRE_INTERNAL_H
#define CELLOS_WIRE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellos_wire.h"

/* Length (1-4) of the valid UTF-8 sequence at s[0..len), or 0 when the
 * bytes there do not start one (RFC 3629 table: no overlongs, no
 * surrogates, nothing above U+10FFFF, no truncated sequence). */
size_t cw_utf8_seq_len(const uint8_t *s, size_t len);

/* Fill *d (when not NULL) with code and field, everything else "none". */
void cw_detail_set(struct wire_error_detail *d, enum wire_error code,
		   enum wire_field field, uint64_t offset);

/* The identifier of a probe and its length, or NULL when out of range. */
const char *cw_probe_str(enum wire_probe probe, size_t *len);

/* The decoder's two halves, apart for the tests: the fast path for the
 * canonical shape (false: not recognised, nothing said), and the strict
 * walk that decides every other body. */
bool cw_decode_fast(const uint8_t *body, size_t len, struct wire_event *out);
enum wire_error cw_decode_strict(const uint8_t *body, size_t len,
				 struct wire_event *ev,
				 struct wire_error_detail *d);

/* The body length a frame header declares (little-endian u32). */
uint32_t cw_frame_body_len(const uint8_t *hdr);

#endif /* CELLOS_WIRE_INTERNAL_H */
