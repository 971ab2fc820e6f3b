/*
 * cbor.h - the CBOR subset the wire format uses (internal to libcellos-wire).
 *
 * What this module promises:
 *  - The writer emits RFC 8949 preferred serialization (the shortest head
 *    for every integer and length).  It does not check room: the caller
 *    sizes the output first with cbor_head_size/cbor_text_size (the
 *    encoder must fail on a short buffer before writing anything anyway).
 *  - The reader accepts any definite head width (additional info 0-27) and
 *    never reads outside [p, p + len).  It only parses heads and hands out
 *    text spans; what a field means is codec.c's business.
 */
#ifndef CELLOS_WIRE_CBOR_H
#define CELLOS_WIRE_CBOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cellos_wire.h"

/* CBOR major types (RFC 8949 section 3.1). */
enum cbor_major {
	CBOR_MAJOR_UINT = 0,
	CBOR_MAJOR_NEGINT = 1,
	CBOR_MAJOR_BYTES = 2,
	CBOR_MAJOR_TEXT = 3,
	CBOR_MAJOR_ARRAY = 4,
	CBOR_MAJOR_MAP = 5,
	CBOR_MAJOR_TAG = 6,
	CBOR_MAJOR_SIMPLE = 7,
};

/* Additional-info values with a meaning of their own. */
#define CBOR_AI_DIRECT_MAX 23 /* 0..23: the value itself */
#define CBOR_AI_1BYTE 24
#define CBOR_AI_2BYTES 25
#define CBOR_AI_4BYTES 26
#define CBOR_AI_8BYTES 27
#define CBOR_AI_INDEFINITE 31
#define CBOR_HEAD_MAX_BYTES 9

/* ---- writer ---- */

/* Bytes the preferred head for value v takes (1, 2, 3, 5 or 9). */
size_t cbor_head_size(uint64_t v);

/* Bytes a text of len bytes takes, head included. */
size_t cbor_text_size(size_t len);

/* ---- reader ---- */

struct cbor_reader {
	const uint8_t *p;
	size_t len;
	size_t off; /* next byte to read */
};

struct cbor_head {
	size_t off;          /* offset of the initial byte */
	unsigned major;      /* 0..7 */
	unsigned additional; /* 0..31 */
	uint64_t value;      /* the argument: integer, length or count */
};

void cbor_reader_init(struct cbor_reader *r, const uint8_t *p, size_t len);

/* The majors the wire subset allows, as a bit set over 0..7. */
#define CBOR_SUBSET_MAJORS \
	((1u << CBOR_MAJOR_UINT) | (1u << CBOR_MAJOR_TEXT) | (1u << CBOR_MAJOR_MAP))

/* The general case of cbor_read_head (any width, every error). */
enum wire_error cbor_read_head_slow(struct cbor_reader *r, struct cbor_head *h);

/* Read one head.  Fails with WIRE_ERR_UNEXPECTED_EOF when the head runs
 * past the end, WIRE_ERR_UNSUPPORTED_MAJOR for a major type outside
 * {0, 3, 5}, WIRE_ERR_UNSUPPORTED_ADDITIONAL for additional info 28-31.
 * On failure h->off, h->major and h->additional say what was found as far
 * as it could be read (additional is 0..31 once the initial byte exists),
 * and the reader does not advance.  Inline for the common one-byte head:
 * the decoder reads eleven heads per frame. */
static inline enum wire_error cbor_read_head(struct cbor_reader *r,
					     struct cbor_head *h)
{
	if (r->off < r->len) {
		uint8_t ib = r->p[r->off];
		unsigned major = ib >> 5, ai = ib & 0x1f;

		if (ai <= CBOR_AI_DIRECT_MAX &&
		    (CBOR_SUBSET_MAJORS & (1u << major)) != 0) {
			h->off = r->off;
			h->major = major;
			h->additional = ai;
			h->value = ai;
			r->off++;
			return WIRE_OK;
		}
	}
	return cbor_read_head_slow(r, h);
}

/* Write the preferred head for (major, v) at out, which the caller has
 * sized with cbor_head_size; returns the byte after it. */
static inline uint8_t *cbor_encode_head(uint8_t *out, enum cbor_major major,
					uint64_t v)
{
	uint8_t ib = (uint8_t)(major << 5);
	unsigned n, i;

	if (v <= CBOR_AI_DIRECT_MAX) {
		*out = ib | (uint8_t)v;
		return out + 1;
	}
	if (v <= UINT8_MAX) {
		*out = ib | CBOR_AI_1BYTE;
		n = 1;
	} else if (v <= UINT16_MAX) {
		*out = ib | CBOR_AI_2BYTES;
		n = 2;
	} else if (v <= UINT32_MAX) {
		*out = ib | CBOR_AI_4BYTES;
		n = 4;
	} else {
		*out = ib | CBOR_AI_8BYTES;
		n = 8;
	}
	/* The argument follows in network byte order: one swapped store
	 * where the host is little-endian (this sits on the per-event path). */
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	(void)i;
	switch (n) {
	case 1:
		out[1] = (uint8_t)v;
		break;
	case 2: {
		uint16_t b = __builtin_bswap16((uint16_t)v);
		memcpy(out + 1, &b, sizeof(b));
		break;
	}
	case 4: {
		uint32_t b = __builtin_bswap32((uint32_t)v);
		memcpy(out + 1, &b, sizeof(b));
		break;
	}
	default: {
		uint64_t b = __builtin_bswap64(v);
		memcpy(out + 1, &b, sizeof(b));
		break;
	}
	}
#else
	for (i = n; i > 0; i--) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
#endif
	return out + 1 + n;
}

/* After a text head h: hand out the h->value bytes that follow.  Fails with
 * WIRE_ERR_UNEXPECTED_EOF (reader unchanged) when they run past the end. */
enum wire_error cbor_read_text_bytes(struct cbor_reader *r,
				     const struct cbor_head *h,
				     const uint8_t **s);

static inline size_t cbor_reader_left(const struct cbor_reader *r)
{
	return r->len - r->off;
}

#endif /* CELLOS_WIRE_CBOR_H */
