/*
 * cbor.c - the CBOR subset writer and reader (see cbor.h).
 */
#include "cbor.h"

size_t cbor_head_size(uint64_t v)
{
	if (v <= CBOR_AI_DIRECT_MAX)
		return 1;
	if (v <= UINT8_MAX)
		return 2;
	if (v <= UINT16_MAX)
		return 3;
	if (v <= UINT32_MAX)
		return 5;
	return 9;
}

size_t cbor_text_size(size_t len)
{
	return cbor_head_size(len) + len;
}

void cbor_reader_init(struct cbor_reader *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
}

static bool major_in_subset(unsigned major)
{
	return (CBOR_SUBSET_MAJORS & (1u << major)) != 0;
}

enum wire_error cbor_read_head_slow(struct cbor_reader *r,
				    struct cbor_head *h)
{
	size_t left = cbor_reader_left(r);
	size_t argn, i;
	uint8_t ib;
	uint64_t v;

	h->off = r->off;
	h->major = 0;
	h->additional = 0;
	h->value = 0;
	if (left == 0)
		return WIRE_ERR_UNEXPECTED_EOF;
	ib = r->p[r->off];
	h->major = ib >> 5;
	h->additional = ib & 0x1f;
	if (!major_in_subset(h->major))
		return WIRE_ERR_UNSUPPORTED_MAJOR;
	if (h->additional <= CBOR_AI_DIRECT_MAX) {
		h->value = h->additional;
		r->off++;
		return WIRE_OK;
	}
	switch (h->additional) {
	case CBOR_AI_1BYTE:
		argn = 1;
		break;
	case CBOR_AI_2BYTES:
		argn = 2;
		break;
	case CBOR_AI_4BYTES:
		argn = 4;
		break;
	case CBOR_AI_8BYTES:
		argn = 8;
		break;
	default: /* 28-30 reserved, 31 indefinite */
		return WIRE_ERR_UNSUPPORTED_ADDITIONAL;
	}
	if (left - 1 < argn)
		return WIRE_ERR_UNEXPECTED_EOF;
	v = 0;
	for (i = 0; i < argn; i++)
		v = (v << 8) | r->p[r->off + 1 + i];
	h->value = v;
	r->off += 1 + argn;
	return WIRE_OK;
}

enum wire_error cbor_read_text_bytes(struct cbor_reader *r,
				     const struct cbor_head *h,
				     const uint8_t **s)
{
	if (h->value > cbor_reader_left(r))
		return WIRE_ERR_UNEXPECTED_EOF;
	*s = r->p + r->off;
	r->off += (size_t)h->value;
	return WIRE_OK;
}
