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

/* Each key as the decoder expects it and as the encoder writes it: a
 * one-byte text head (0x60 | length; every key is shorter than 24 bytes)
 * followed by the key. */
#define KEY(head, s) { s, sizeof(s) - 1, head s, sizeof(s) }
static const struct {
	const char *name;
	size_t len;
	const char *enc; /* head + name */
	size_t enc_len;
} keys[] = {
	[WIRE_FIELD_CONTENT_VERSION] = KEY("\x6f", "content_version"),
	[WIRE_FIELD_PROBE_SOURCE] = KEY("\x6c", "probe_source"),
	[WIRE_FIELD_GUEST_PID] = KEY("\x69", "guest_pid"),
	[WIRE_FIELD_GUEST_COMM] = KEY("\x6a", "guest_comm"),
	[WIRE_FIELD_GUEST_MONOTONIC_NS] = KEY("\x72", "guest_monotonic_ns"),
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

/* True when the first len bytes of c (len <= 16) are all ASCII: two
 * word loads instead of a UTF-8 walk.  comm is WIRE_COMM_MAX_BYTES + 1
 * bytes long, so reading 16 bytes of it stays inside the array. */
static bool comm_short_ascii(const char *c, size_t len)
{
	uint64_t w[2];

	if (len > WIRE_COMM_MAX_CHARS)
		return false;
	memcpy(w, c, sizeof(w));
	if (len < 8) {
		w[0] &= len ? ~(uint64_t)0 >> (64 - 8 * len) : 0;
		w[1] = 0;
	} else if (len < 16) {
		w[1] &= len > 8 ? ~(uint64_t)0 >> (64 - 8 * (len - 8)) : 0;
	}
	return ((w[0] | w[1]) & UINT64_C(0x8080808080808080)) == 0;
}

static bool comm_is_valid(const struct wire_event *ev)
{
	const uint8_t *c = (const uint8_t *)ev->comm;

	if (comm_short_ascii(ev->comm, ev->comm_len))
		return true;
	return ev->comm_len <= WIRE_COMM_MAX_BYTES &&
	       wire_utf8_valid(c, ev->comm_len, NULL) &&
	       wire_utf8_chars(c, ev->comm_len) <= WIRE_COMM_MAX_CHARS;
}

/* map(5), the first pair (content_version 0x0100, the only version this
 * encoder sends) and the second key never change: one copy. */
static const uint8_t body_prefix[] = {
	0xa5,
	0x6f, 'c', 'o', 'n', 't', 'e', 'n', 't', '_', 'v', 'e', 'r', 's', 'i',
	'o', 'n',
	0x19, WIRE_CONTENT_VERSION >> 8, WIRE_CONTENT_VERSION & 0xff,
	0x6c, 'p', 'r', 'o', 'b', 'e', '_', 's', 'o', 'u', 'r', 'c', 'e',
};

static uint8_t *put_bytes(uint8_t *out, const void *s, size_t len)
{
	memcpy(out, s, len);
	return out + len;
}

static uint8_t *put_key(uint8_t *out, enum wire_field f)
{
	return put_bytes(out, keys[f].enc, keys[f].enc_len);
}

/* The fast path writes whole fixed-size blocks and then moves on by the
 * real length, so the compiler turns every copy into a few moves.  Each
 * block may spill past the bytes it means; the spill of one is
 * overwritten by the next, and the room it needs in all is bounded: */
#define PROBE_TEMPLATE_BYTES 72 /* prefix 33 + text 22 + pid key 10, rounded up */
#define FAST_PATH_ROOM \
	(PROBE_TEMPLATE_BYTES + 9 + 11 + 2 + WIRE_COMM_MAX_BYTES + 19 + 9)
_Static_assert(FAST_PATH_ROOM <= WIRE_MAX_EVENT_BODY_BYTES,
	       "the fast encoder needs no more than the largest body");

/* Per probe: map head, the first pair, the second key, the probe text
 * with its head and the guest_pid key: everything up to the pid. */
static struct {
	uint8_t bytes[PROBE_TEMPLATE_BYTES];
	uint8_t len;
} probe_templates[WIRE_PROBE_COUNT];
static bool templates_ready;

static void build_templates(void)
{
	for (unsigned i = 0; i < WIRE_PROBE_COUNT; i++) {
		size_t plen;
		const char *probe = cw_probe_str((enum wire_probe)i, &plen);
		uint8_t *o = probe_templates[i].bytes;

		o = put_bytes(o, body_prefix, sizeof(body_prefix));
		o = cbor_encode_head(o, CBOR_MAJOR_TEXT, plen);
		o = put_bytes(o, probe, plen);
		o = put_key(o, WIRE_FIELD_GUEST_PID);
		probe_templates[i].len = (uint8_t)(o - probe_templates[i].bytes);
	}
	/* Built once; the table is the same whichever thread gets here
	 * first, so a race only writes identical bytes twice. */
	__atomic_store_n(&templates_ready, true, __ATOMIC_RELEASE);
}

/* The common case: a valid event and a buffer with room for any body. */
static size_t encode_fast(const struct wire_event *ev, uint8_t *buf)
{
	uint8_t *o = buf;

	memcpy(o, probe_templates[ev->probe].bytes, PROBE_TEMPLATE_BYTES);
	o += probe_templates[ev->probe].len;
	o = cbor_encode_head(o, CBOR_MAJOR_UINT, ev->pid);
	memcpy(o, keys[WIRE_FIELD_GUEST_COMM].enc, 11);
	o += 11;
	o = cbor_encode_head(o, CBOR_MAJOR_TEXT, ev->comm_len);
	memcpy(o, ev->comm, WIRE_COMM_MAX_BYTES);
	o += ev->comm_len;
	memcpy(o, keys[WIRE_FIELD_GUEST_MONOTONIC_NS].enc, 19);
	o += 19;
	o = cbor_encode_head(o, CBOR_MAJOR_UINT, ev->monotonic_ns);
	return (size_t)(o - buf);
}

enum wire_error wire_encode_body(const struct wire_event *ev, uint8_t *buf,
				 size_t cap, size_t *out_len)
{
	size_t probe_len, need;
	const char *probe;
	uint8_t *o;

	/* Compare as unsigned: an enum may hold a negative value. */
	if ((unsigned)ev->probe >= WIRE_PROBE_COUNT)
		return WIRE_ERR_UNKNOWN_PROBE_SOURCE;
	if (!comm_is_valid(ev))
		return WIRE_ERR_INVALID_UTF8;

	if (buf != NULL && cap >= WIRE_MAX_EVENT_BODY_BYTES) {
		if (!__atomic_load_n(&templates_ready, __ATOMIC_ACQUIRE))
			build_templates();
		need = encode_fast(ev, buf);
		if (out_len != NULL)
			*out_len = need;
		return WIRE_OK;
	}

	/* Size it first: a short buffer fails before anything is written,
	 * and the writes below need no checks. */
	probe = cw_probe_str(ev->probe, &probe_len);
	need = sizeof(body_prefix) + cbor_text_size(probe_len) +
	       keys[WIRE_FIELD_GUEST_PID].enc_len + cbor_head_size(ev->pid) +
	       keys[WIRE_FIELD_GUEST_COMM].enc_len +
	       cbor_text_size(ev->comm_len) +
	       keys[WIRE_FIELD_GUEST_MONOTONIC_NS].enc_len +
	       cbor_head_size(ev->monotonic_ns);
	if (need > CELLOS_WIRE_MAX_FRAME_BODY_BYTES)
		return WIRE_ERR_FRAME_TOO_LARGE;
	if (buf == NULL || need > cap)
		return WIRE_ERR_BUFFER_TOO_SMALL;

	o = put_bytes(buf, body_prefix, sizeof(body_prefix));
	o = cbor_encode_head(o, CBOR_MAJOR_TEXT, probe_len);
	o = put_bytes(o, probe, probe_len);
	o = put_key(o, WIRE_FIELD_GUEST_PID);
	o = cbor_encode_head(o, CBOR_MAJOR_UINT, ev->pid);
	o = put_key(o, WIRE_FIELD_GUEST_COMM);
	o = cbor_encode_head(o, CBOR_MAJOR_TEXT, ev->comm_len);
	o = put_bytes(o, ev->comm, ev->comm_len);
	o = put_key(o, WIRE_FIELD_GUEST_MONOTONIC_NS);
	o = cbor_encode_head(o, CBOR_MAJOR_UINT, ev->monotonic_ns);
	if (out_len != NULL)
		*out_len = (size_t)(o - buf);
	return WIRE_OK;
}

enum wire_error wire_encode_frame(const struct wire_event *ev, uint8_t *buf,
				  size_t cap, size_t *out_len)
{
	enum wire_error err;
	size_t body_len, i;

	if (buf == NULL || cap < WIRE_FRAME_HEADER_BYTES) {
		/* BufferTooSmall, unless the event itself is invalid: say so
		 * first, as with any other buffer. */
		return wire_encode_body(ev, NULL, 0, &body_len);
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

	/* Senders use the preferred head: one comparison settles it. */
	if (cbor_reader_left(&x->r) >= keys[f].enc_len &&
	    memcmp(x->r.p + x->r.off, keys[f].enc, keys[f].enc_len) == 0) {
		x->r.off += keys[f].enc_len;
		return WIRE_OK;
	}
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
	err = read_text(x, WIRE_FIELD_PROBE_SOURCE,
			CELLOS_WIRE_MAX_FRAME_BODY_BYTES, &s, &h);
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

/* ---- the fast path ----
 *
 * Every frame our encoder (and the Rust crate) sends has the same shape:
 * preferred heads, keys in order.  decode_fast() recognises exactly that
 * shape with straight-line compares and accepts only what decode_map()
 * would accept (test-wire-codec checks that on mutated bodies); on any deviation it gives up without a word and
 * decode_map() walks the body again, decides, and names the error.  So
 * the strict rules live in one place and the common case costs a few
 * hundred instructions. */

/* a == b for n bytes; n is a constant at every call, so this unrolls into
 * a few word compares instead of a call to memcmp. */
static inline bool bytes_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint64_t x, y;
	size_t i;

	if (n < 8)
		return memcmp(a, b, n) == 0;
	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return false;
	}
	if (i < n) {
		/* the tail as one word overlapping the last one compared */
		memcpy(&x, a + n - 8, 8);
		memcpy(&y, b + n - 8, 8);
		if (x != y)
			return false;
	}
	return true;
}

#define BYTES_EQ_LIT(p, lit) \
	bytes_eq((p), (const uint8_t *)(lit), sizeof(lit) - 1)

/* A preferred-or-not unsigned head of major 0 at *pp (not past end). */
static inline bool fast_uint(const uint8_t **pp, const uint8_t *end,
			     uint64_t *v)
{
	const uint8_t *p = *pp;
	unsigned ai, n, i;
	uint64_t x;

	if (p >= end || (*p >> 5) != CBOR_MAJOR_UINT)
		return false;
	ai = *p & 0x1f;
	if (ai <= CBOR_AI_DIRECT_MAX) {
		*v = ai;
		*pp = p + 1;
		return true;
	}
	if (ai > CBOR_AI_8BYTES)
		return false;
	n = 1u << (ai - CBOR_AI_1BYTE);
	if ((size_t)(end - p) - 1 < n)
		return false;
	x = 0;
	for (i = 1; i <= n; i++)
		x = x << 8 | p[i];
	*v = x;
	*pp = p + 1 + n;
	return true;
}

bool cw_decode_fast(const uint8_t *body, size_t len, struct wire_event *out)
{
	const uint8_t *p = body, *end = body + len;
	const char *name;
	size_t n, name_len, i;
	uint64_t v;
	enum wire_probe probe;

	/* a5, "content_version", 19 01 <minor>, "probe_source": 33 bytes */
	if (len < 33 + 1 + 10 + 1 + 11 + 1 + 19 + 1)
		return false;
	if (!BYTES_EQ_LIT(p, "\xa5\x6f" "content_version" "\x19\x01"))
		return false;
	out->content_version = (uint16_t)(WIRE_CONTENT_VERSION_MAJOR << 8 | p[19]);
	p += 20;
	if (!BYTES_EQ_LIT(p, "\x6c" "probe_source"))
		return false;
	p += 13;

	/* The five identifiers have five different lengths. */
	if ((*p & 0xe0) != 0x60 || (*p & 0x1f) > CBOR_AI_DIRECT_MAX)
		return false;
	n = *p++ & 0x1f;
	if ((size_t)(end - p) < n)
		return false;
	for (probe = 0; probe < WIRE_PROBE_COUNT; probe++) {
		name = cw_probe_str(probe, &name_len);
		if (name_len == n)
			break;
	}
	if (probe == WIRE_PROBE_COUNT ||
	    memcmp(p, name, n) != 0)
		return false;
	out->probe = probe;
	p += n;

	if ((size_t)(end - p) < 10 || !BYTES_EQ_LIT(p, "\x69" "guest_pid"))
		return false;
	p += 10;
	if (!fast_uint(&p, end, &v) || v > UINT32_MAX)
		return false;
	out->pid = (uint32_t)v;

	if ((size_t)(end - p) < 12 || !BYTES_EQ_LIT(p, "\x6a" "guest_comm"))
		return false;
	p += 11;
	if (*p >= 0x60 && *p <= 0x77) {
		n = *p++ & 0x1f;
	} else if (*p == 0x78 && (size_t)(end - p) >= 2) {
		n = p[1];
		p += 2;
	} else {
		return false;
	}
	if (n > WIRE_COMM_MAX_BYTES || (size_t)(end - p) < n)
		return false;
	/* ASCII of at most 16 bytes needs no further look. */
	for (i = 0; i < n && p[i] < 0x80; i++)
		;
	if ((i < n || n > WIRE_COMM_MAX_CHARS) &&
	    (!wire_utf8_valid(p, n, NULL) ||
	     wire_utf8_chars(p, n) > WIRE_COMM_MAX_CHARS))
		return false;
	memcpy(out->comm, p, n);
	out->comm[n] = '\0';
	out->comm_len = (uint8_t)n;
	p += n;

	if ((size_t)(end - p) < 19 ||
	    !BYTES_EQ_LIT(p, "\x72" "guest_monotonic_ns"))
		return false;
	p += 19;
	if (!fast_uint(&p, end, &out->monotonic_ns))
		return false;
	return p == end;
}

enum wire_error cw_decode_strict(const uint8_t *body, size_t len,
				 struct wire_event *ev,
				 struct wire_error_detail *d)
{
	struct wire_error_detail scratch;
	struct dec x;

	x.d = d != NULL ? d : &scratch;
	cbor_reader_init(&x.r, body, len);
	memset(ev, 0, sizeof(*ev));
	return decode_map(&x, ev);
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
	if (!cw_decode_fast(body, len, &out)) {
		memset(&out, 0, sizeof(out));
		err = decode_map(&x, &out);
		if (err != WIRE_OK)
			return err;
	}
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
	if (n > CELLOS_WIRE_MAX_FRAME_BODY_BYTES) {
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
