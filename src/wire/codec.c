/*
 * codec.c - encode an event to a body or frame; decode one strictly.
 *
 * The decoder walks the map in the one order the spec allows and stops at
 * the first problem, so every rejection has exactly one name.  Within one
 * item the checks run in this order, which cellos-telemetry-wire(7)
 * documents: the head (end of input, major type, additional info), then
 * the major type the position wants, then the value (range, UTF-8,
 * identifier, length).
 */
#include <string.h>

#include "cbor.h"
#include "cellos_wire.h"
#include "internal.h"

#define KEY(s) { s, sizeof(s) - 1 }
static const struct {
	const char *name;
	size_t len;
} keys[] = {
	[WIRE_FIELD_CONTENT_VERSION] = KEY("content_version"),
	[WIRE_FIELD_PROBE_SOURCE] = KEY("probe_source"),
	[WIRE_FIELD_GUEST_PID] = KEY("guest_pid"),
	[WIRE_FIELD_GUEST_COMM] = KEY("guest_comm"),
	[WIRE_FIELD_GUEST_MONOTONIC_NS] = KEY("guest_monotonic_ns"),
};
#undef KEY

#define WIRE_MAP_PAIRS 5

void cw_detail_set(struct wire_error_detail *d, enum wire_error code,
		   enum wire_field field, uint64_t offset)
{
	if (d == NULL)
		return;
	d->code = code;
	d->field = field;
	d->offset = offset;
	d->major = WIRE_DETAIL_NONE;
	d->additional = WIRE_DETAIL_NONE;
	d->has_value = false;
	d->value = 0;
}

/* ---- encode ---- */

static bool comm_is_valid(const struct wire_event *ev)
{
	const uint8_t *c = (const uint8_t *)ev->comm;

	return ev->comm_len <= WIRE_COMM_MAX_BYTES &&
	       wire_utf8_valid(c, ev->comm_len, NULL) &&
	       wire_utf8_chars(c, ev->comm_len) <= WIRE_COMM_MAX_CHARS;
}

static size_t key_size(enum wire_field f)
{
	return cbor_text_size(keys[f].len);
}

static void put_key(struct cbor_writer *w, enum wire_field f)
{
	cbor_put_text(w, keys[f].name, keys[f].len);
}

enum wire_error wire_encode_body(const struct wire_event *ev, uint8_t *buf,
				 size_t cap, size_t *out_len)
{
	const char *probe = wire_probe_name(ev->probe);
	struct cbor_writer w;
	size_t probe_len, need;

	if (probe == NULL)
		return WIRE_ERR_UNKNOWN_PROBE_SOURCE;
	if (!comm_is_valid(ev))
		return WIRE_ERR_INVALID_UTF8;
	probe_len = strlen(probe);

	/* Size it first so a short buffer fails before anything is written. */
	need = cbor_head_size(WIRE_MAP_PAIRS) +
	       key_size(WIRE_FIELD_CONTENT_VERSION) +
	       cbor_head_size(WIRE_CONTENT_VERSION) +
	       key_size(WIRE_FIELD_PROBE_SOURCE) + cbor_text_size(probe_len) +
	       key_size(WIRE_FIELD_GUEST_PID) + cbor_head_size(ev->pid) +
	       key_size(WIRE_FIELD_GUEST_COMM) + cbor_text_size(ev->comm_len) +
	       key_size(WIRE_FIELD_GUEST_MONOTONIC_NS) +
	       cbor_head_size(ev->monotonic_ns);
	if (need > MAX_FRAME_BODY_BYTES)
		return WIRE_ERR_FRAME_TOO_LARGE;
	if (buf == NULL || need > cap)
		return WIRE_ERR_BUFFER_TOO_SMALL;

	cbor_writer_init(&w, buf, cap);
	cbor_put_head(&w, CBOR_MAJOR_MAP, WIRE_MAP_PAIRS);
	put_key(&w, WIRE_FIELD_CONTENT_VERSION);
	cbor_put_uint(&w, WIRE_CONTENT_VERSION);
	put_key(&w, WIRE_FIELD_PROBE_SOURCE);
	cbor_put_text(&w, probe, probe_len);
	put_key(&w, WIRE_FIELD_GUEST_PID);
	cbor_put_uint(&w, ev->pid);
	put_key(&w, WIRE_FIELD_GUEST_COMM);
	cbor_put_text(&w, ev->comm, ev->comm_len);
	put_key(&w, WIRE_FIELD_GUEST_MONOTONIC_NS);
	cbor_put_uint(&w, ev->monotonic_ns);
	if (w.full || w.len != need)
		return WIRE_ERR_BUFFER_TOO_SMALL; /* not reached: sized above */
	if (out_len != NULL)
		*out_len = w.len;
	return WIRE_OK;
}

enum wire_error wire_encode_frame(const struct wire_event *ev, uint8_t *buf,
				  size_t cap, size_t *out_len)
{
	enum wire_error err;
	size_t body_len, i;

	if (buf == NULL || cap < WIRE_FRAME_HEADER_BYTES) {
		/* Still report an invalid event as such. */
		err = wire_encode_body(ev, NULL, 0, &body_len);
		return err == WIRE_ERR_BUFFER_TOO_SMALL ? WIRE_ERR_BUFFER_TOO_SMALL
							 : err;
	}
	err = wire_encode_body(ev, buf + WIRE_FRAME_HEADER_BYTES,
			       cap - WIRE_FRAME_HEADER_BYTES, &body_len);
	if (err != WIRE_OK)
		return err;
	for (i = 0; i < WIRE_FRAME_HEADER_BYTES; i++)
		buf[i] = (uint8_t)(body_len >> (8 * i));
	if (out_len != NULL)
		*out_len = WIRE_FRAME_HEADER_BYTES + body_len;
	return WIRE_OK;
}

/* ---- decode ---- */

struct dec {
	struct cbor_reader r;
	struct wire_error_detail *d;
};

/* Reject at head h: the detail carries what the head showed, as far as
 * it could be read. */
static enum wire_error fail_at(struct dec *x, enum wire_error code,
			       enum wire_field field, const struct cbor_head *h)
{
	cw_detail_set(x->d, code, field, h->off);
	if (h->off < x->r.len) {
		x->d->major = (int)h->major;
		x->d->additional = (int)h->additional;
	}
	return code;
}

static enum wire_error fail_value(struct dec *x, enum wire_error code,
				  enum wire_field field,
				  const struct cbor_head *h, uint64_t value)
{
	fail_at(x, code, field, h);
	x->d->has_value = true;
	x->d->value = value;
	return code;
}

/* Read the key of pair f (1..5); it must be exactly keys[f]. */
static enum wire_error read_key(struct dec *x, enum wire_field f)
{
	enum wire_error wrong = f == WIRE_FIELD_CONTENT_VERSION
					? WIRE_ERR_CONTENT_VERSION_MUST_BE_FIRST
					: WIRE_ERR_MISSING_FIELD;
	struct cbor_head h;
	enum wire_error err;
	const uint8_t *s;
	size_t bad;

	err = cbor_read_head(&x->r, &h);
	if (err != WIRE_OK)
		return fail_at(x, err, f, &h);
	if (h.major != CBOR_MAJOR_TEXT)
		return fail_at(x, wrong, f, &h);
	err = cbor_read_text_bytes(&x->r, &h, &s);
	if (err != WIRE_OK)
		return fail_value(x, err, f, &h, h.value);
	if (h.value == keys[f].len && memcmp(s, keys[f].name, keys[f].len) == 0)
		return WIRE_OK;
	if (!wire_utf8_valid(s, (size_t)h.value, &bad)) {
		cw_detail_set(x->d, WIRE_ERR_INVALID_UTF8, f,
			      (uint64_t)(s - x->r.p) + bad);
		return WIRE_ERR_INVALID_UTF8;
	}
	return fail_at(x, wrong, f, &h);
}

/* Read an unsigned integer value no larger than max. */
static enum wire_error read_uint(struct dec *x, enum wire_field f,
				 uint64_t max, uint64_t *out,
				 struct cbor_head *h)
{
	enum wire_error err;

	err = cbor_read_head(&x->r, h);
	if (err != WIRE_OK)
		return fail_at(x, err, f, h);
	if (h->major != CBOR_MAJOR_UINT)
		return fail_at(x, WIRE_ERR_FIELD_TYPE, f, h);
	if (h->value > max)
		return fail_value(x, WIRE_ERR_INTEGER_OVERFLOW, f, h, h->value);
	*out = h->value;
	return WIRE_OK;
}

/* Read a text value of at most max_bytes bytes (checked from the head,
 * before the bytes are looked at).  UTF-8 is checked by the caller, which
 * may know a cheaper test first. */
static enum wire_error read_text(struct dec *x, enum wire_field f,
				 uint64_t max_bytes, const uint8_t **s,
				 struct cbor_head *h)
{
	enum wire_error err;

	err = cbor_read_head(&x->r, h);
	if (err != WIRE_OK)
		return fail_at(x, err, f, h);
	if (h->major != CBOR_MAJOR_TEXT)
		return fail_at(x, WIRE_ERR_FIELD_TYPE, f, h);
	if (h->value > max_bytes)
		return fail_value(x, WIRE_ERR_FIELD_TYPE, f, h, h->value);
	err = cbor_read_text_bytes(&x->r, h, s);
	if (err != WIRE_OK)
		return fail_value(x, err, f, h, h->value);
	return WIRE_OK;
}

static enum wire_error check_utf8(struct dec *x, enum wire_field f,
				  const uint8_t *s, size_t len)
{
	size_t bad;

	if (wire_utf8_valid(s, len, &bad))
		return WIRE_OK;
	cw_detail_set(x->d, WIRE_ERR_INVALID_UTF8, f,
		      (uint64_t)(s - x->r.p) + bad);
	return WIRE_ERR_INVALID_UTF8;
}

static enum wire_error decode_map(struct dec *x, struct wire_event *ev)
{
	struct cbor_head h;
	enum wire_error err;
	const uint8_t *s;
	uint64_t v;
	size_t chars;

	if (x->r.len == 0) {
		/* A 0-length body: the map runs past the end at once. */
		cw_detail_set(x->d, WIRE_ERR_UNEXPECTED_EOF, WIRE_FIELD_NONE, 0);
		return WIRE_ERR_UNEXPECTED_EOF;
	}
	err = cbor_read_head(&x->r, &h);
	if (err != WIRE_OK)
		return fail_at(x, err, WIRE_FIELD_NONE, &h);
	if (h.major != CBOR_MAJOR_MAP)
		return fail_at(x, WIRE_ERR_NOT_MAP5, WIRE_FIELD_NONE, &h);
	if (h.value != WIRE_MAP_PAIRS)
		return fail_value(x, WIRE_ERR_NOT_MAP5, WIRE_FIELD_NONE, &h,
				  h.value);

	if ((err = read_key(x, WIRE_FIELD_CONTENT_VERSION)) != WIRE_OK)
		return err;
	err = read_uint(x, WIRE_FIELD_CONTENT_VERSION, UINT16_MAX, &v, &h);
	if (err != WIRE_OK)
		return err;
	if ((v >> 8) != WIRE_CONTENT_VERSION_MAJOR)
		return fail_value(x, WIRE_ERR_UNSUPPORTED_CONTENT_VERSION,
				  WIRE_FIELD_CONTENT_VERSION, &h, v);
	ev->content_version = (uint16_t)v;

	if ((err = read_key(x, WIRE_FIELD_PROBE_SOURCE)) != WIRE_OK)
		return err;
	err = read_text(x, WIRE_FIELD_PROBE_SOURCE, MAX_FRAME_BODY_BYTES, &s,
			&h);
	if (err != WIRE_OK)
		return err;
	if (!wire_probe_lookup((const char *)s, (size_t)h.value, &ev->probe)) {
		/* Every identifier is ASCII, so only a miss needs the UTF-8
		 * check to tell bad text from an unknown name. */
		err = check_utf8(x, WIRE_FIELD_PROBE_SOURCE, s, (size_t)h.value);
		if (err != WIRE_OK)
			return err;
		return fail_value(x, WIRE_ERR_UNKNOWN_PROBE_SOURCE,
				  WIRE_FIELD_PROBE_SOURCE, &h, h.value);
	}

	if ((err = read_key(x, WIRE_FIELD_GUEST_PID)) != WIRE_OK)
		return err;
	err = read_uint(x, WIRE_FIELD_GUEST_PID, UINT32_MAX, &v, &h);
	if (err != WIRE_OK)
		return err;
	ev->pid = (uint32_t)v;

	if ((err = read_key(x, WIRE_FIELD_GUEST_COMM)) != WIRE_OK)
		return err;
	err = read_text(x, WIRE_FIELD_GUEST_COMM, WIRE_COMM_MAX_BYTES, &s, &h);
	if (err != WIRE_OK)
		return err;
	err = check_utf8(x, WIRE_FIELD_GUEST_COMM, s, (size_t)h.value);
	if (err != WIRE_OK)
		return err;
	chars = wire_utf8_chars(s, (size_t)h.value);
	if (chars > WIRE_COMM_MAX_CHARS)
		return fail_value(x, WIRE_ERR_FIELD_TYPE, WIRE_FIELD_GUEST_COMM,
				  &h, chars);
	memcpy(ev->comm, s, (size_t)h.value);
	ev->comm[h.value] = '\0';
	ev->comm_len = (uint8_t)h.value;

	if ((err = read_key(x, WIRE_FIELD_GUEST_MONOTONIC_NS)) != WIRE_OK)
		return err;
	err = read_uint(x, WIRE_FIELD_GUEST_MONOTONIC_NS, UINT64_MAX,
			&ev->monotonic_ns, &h);
	if (err != WIRE_OK)
		return err;

	if (cbor_reader_left(&x->r) != 0) {
		cw_detail_set(x->d, WIRE_ERR_TRAILING_BYTES, WIRE_FIELD_NONE,
			      x->r.off);
		x->d->has_value = true;
		x->d->value = cbor_reader_left(&x->r);
		return WIRE_ERR_TRAILING_BYTES;
	}
	return WIRE_OK;
}

enum wire_error wire_decode_body(const uint8_t *body, size_t len,
				 struct wire_event *ev,
				 struct wire_error_detail *d)
{
	struct wire_error_detail scratch;
	struct wire_event out;
	struct dec x;
	enum wire_error err;

	x.d = d != NULL ? d : &scratch;
	if (body == NULL)
		len = 0;
	cbor_reader_init(&x.r, body, len);
	/* Decode into a local so *ev is untouched on any error. */
	memset(&out, 0, sizeof(out));
	err = decode_map(&x, &out);
	if (err != WIRE_OK)
		return err;
	cw_detail_set(d, WIRE_OK, WIRE_FIELD_NONE, 0);
	if (ev != NULL)
		*ev = out;
	return WIRE_OK;
}

uint32_t cw_frame_body_len(const uint8_t *hdr)
{
	return (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 |
	       (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 24;
}

enum wire_error wire_decode_frame(const uint8_t *buf, size_t len,
				  struct wire_event *ev, size_t *consumed,
				  struct wire_error_detail *d)
{
	struct wire_error_detail scratch;
	enum wire_error err;
	uint32_t n;

	if (d == NULL)
		d = &scratch;
	if (consumed != NULL)
		*consumed = 0;
	if (buf == NULL)
		len = 0;
	if (len < WIRE_FRAME_HEADER_BYTES) {
		cw_detail_set(d, WIRE_ERR_SHORT_HEADER, WIRE_FIELD_NONE, 0);
		d->has_value = true;
		d->value = len;
		return WIRE_ERR_SHORT_HEADER;
	}
	n = cw_frame_body_len(buf);
	if (n > MAX_FRAME_BODY_BYTES) {
		cw_detail_set(d, WIRE_ERR_FRAME_TOO_LARGE, WIRE_FIELD_NONE, 0);
		d->has_value = true;
		d->value = n;
		return WIRE_ERR_FRAME_TOO_LARGE;
	}
	if (n > len - WIRE_FRAME_HEADER_BYTES) {
		cw_detail_set(d, WIRE_ERR_FRAME_TRUNCATED, WIRE_FIELD_NONE, 0);
		d->has_value = true;
		d->value = n;
		return WIRE_ERR_FRAME_TRUNCATED;
	}
	if (consumed != NULL)
		*consumed = WIRE_FRAME_HEADER_BYTES + (size_t)n;
	err = wire_decode_body(buf + WIRE_FRAME_HEADER_BYTES, n, ev, d);
	if (err != WIRE_OK)
		d->offset += WIRE_FRAME_HEADER_BYTES;
	return err;
}
