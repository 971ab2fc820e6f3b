/*
 * internal.h - helpers shared between the modules of libcellos-wire.
 * Nothing here is exported from the shared library (only wire_* is).
 */
#ifndef CELLOS_WIRE_INTERNAL_H
#define CELLOS_WIRE_INTERNAL_H

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

/* The body length a frame header declares (little-endian u32). */
uint32_t cw_frame_body_len(const uint8_t *hdr);

#endif /* CELLOS_WIRE_INTERNAL_H */
