/*
 * stream.c - the stream decoder: bytes in as they arrive, frames out.
 *
 * A frame that arrives whole inside one feed is decoded in place; only a
 * frame split across feeds is gathered in s->buf.  The length is checked
 * as soon as the 4 header bytes are in, so the body of an oversize frame
 * is never read into memory: the stream is dead at that point anyway,
 * because nothing says where the next frame would start.
 */
#include <string.h>

#include "cellos_wire.h"
#include "internal.h"

void wire_stream_init(struct wire_stream *s)
{
	/* buf is only ever read below s->have, so it needs no clearing (a
	 * receiver may init one per connection; 4 KiB of memset each time
	 * buys nothing). */
	s->have = 0;
	s->need = 0;
	s->offset = 0;
	s->failed = false;
}

uint64_t wire_stream_offset(const struct wire_stream *s)
{
	return s->offset + s->have;
}

static void too_large(const struct wire_stream *s, uint32_t n,
		      struct wire_error_detail *d)
{
	cw_detail_set(d, WIRE_ERR_FRAME_TOO_LARGE, WIRE_FIELD_NONE, s->offset);
	if (d != NULL) {
		d->has_value = true;
		d->value = n;
	}
}

/* Decode a whole frame body that starts at stream offset body_off. */
static enum wire_stream_status finish_frame(const uint8_t *body, size_t n,
					    uint64_t body_off,
					    struct wire_event *ev,
					    struct wire_error_detail *d)
{
	struct wire_error_detail scratch;

	if (d == NULL)
		d = &scratch;
	if (wire_decode_body(body, n, ev, d) == WIRE_OK)
		return WIRE_STREAM_FRAME;
	d->offset += body_off;
	return WIRE_STREAM_FRAME_ERROR;
}

enum wire_stream_status wire_stream_feed(struct wire_stream *s,
					 const uint8_t *data, size_t len,
					 size_t *consumed,
					 struct wire_event *ev,
					 struct wire_error_detail *d)
{
	enum wire_stream_status st;
	size_t pos = 0, take;
	uint32_t n;

	*consumed = 0;
	if (s->failed) {
		/* The header that killed the stream is still in buf. */
		too_large(s, cw_frame_body_len(s->buf), d);
		return WIRE_STREAM_FATAL;
	}
	if (data == NULL)
		len = 0;

	if (s->need == 0) {
		/* Fast path: a whole frame at the start of this feed. */
		if (s->have == 0 && len >= WIRE_FRAME_HEADER_BYTES) {
			n = cw_frame_body_len(data);
			if (n <= CELLOS_WIRE_MAX_FRAME_BODY_BYTES &&
			    n <= len - WIRE_FRAME_HEADER_BYTES) {
				uint64_t at = s->offset;

				*consumed = WIRE_FRAME_HEADER_BYTES + n;
				s->offset += *consumed;
				return finish_frame(data + WIRE_FRAME_HEADER_BYTES,
						    n, at + WIRE_FRAME_HEADER_BYTES,
						    ev, d);
			}
		}
		take = WIRE_FRAME_HEADER_BYTES - s->have;
		if (take > len)
			take = len;
		if (take > 0)
			memcpy(s->buf + s->have, data, take);
		s->have += take;
		pos = take;
		if (s->have < WIRE_FRAME_HEADER_BYTES) {
			*consumed = pos;
			return WIRE_STREAM_NEED_MORE;
		}
		n = cw_frame_body_len(s->buf);
		if (n > CELLOS_WIRE_MAX_FRAME_BODY_BYTES) {
			s->failed = true;
			*consumed = pos;
			too_large(s, n, d);
			return WIRE_STREAM_FATAL;
		}
		s->need = WIRE_FRAME_HEADER_BYTES + (size_t)n;
	}

	take = s->need - s->have;
	if (take > len - pos)
		take = len - pos;
	if (take > 0)
		memcpy(s->buf + s->have, data + pos, take);
	s->have += take;
	pos += take;
	*consumed = pos;
	if (s->have < s->need)
		return WIRE_STREAM_NEED_MORE;

	st = finish_frame(s->buf + WIRE_FRAME_HEADER_BYTES,
			  s->need - WIRE_FRAME_HEADER_BYTES,
			  s->offset + WIRE_FRAME_HEADER_BYTES, ev, d);
	s->offset += s->need;
	s->have = 0;
	s->need = 0;
	return st;
}

enum wire_error wire_stream_finish(const struct wire_stream *s,
				   struct wire_error_detail *d)
{
	if (s->failed) {
		too_large(s, cw_frame_body_len(s->buf), d);
		return WIRE_ERR_FRAME_TOO_LARGE;
	}
	if (s->have == 0) {
		cw_detail_set(d, WIRE_OK, WIRE_FIELD_NONE, s->offset);
		return WIRE_OK;
	}
	if (s->need == 0) {
		cw_detail_set(d, WIRE_ERR_SHORT_HEADER, WIRE_FIELD_NONE,
			      s->offset);
		if (d != NULL) {
			d->has_value = true;
			d->value = s->have;
		}
		return WIRE_ERR_SHORT_HEADER;
	}
	cw_detail_set(d, WIRE_ERR_FRAME_TRUNCATED, WIRE_FIELD_NONE, s->offset);
	if (d != NULL) {
		d->has_value = true;
		d->value = s->need - WIRE_FRAME_HEADER_BYTES;
	}
	return WIRE_ERR_FRAME_TRUNCATED;
}
