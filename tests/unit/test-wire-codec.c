/*
 * test-wire-codec.c - encode/decode of bodies and frames (codec.c).
 */
#include "wire-test.h"

#include "internal.h"

static void assert_event_equal(const struct wire_event *a,
			       const struct wire_event *b)
{
	assert_int_equal(a->content_version, b->content_version);
	assert_int_equal(a->probe, b->probe);
	assert_int_equal(a->pid, b->pid);
	assert_int_equal(a->comm_len, b->comm_len);
	assert_memory_equal(a->comm, b->comm, a->comm_len + 1u);
	assert_true(a->monotonic_ns == b->monotonic_ns);
}

/* ---- spec vectors ---- */

static void encode_frame_matches_spec_vectors(void **state)
{
	uint8_t want[WIRE_MAX_FRAME_BYTES], got[WIRE_MAX_FRAME_BYTES];
	size_t i, want_len, got_len;

	(void)state;
	for (i = 0; i < SPEC_VECTOR_COUNT; i++) {
		const struct spec_vector *v = &spec_vectors[i];
		struct wire_event ev = make_event(v->probe, v->pid, v->comm, v->ns);

		want_len = hex_to_bytes(v->hex, want, sizeof(want));
		assert_int_equal(want_len, 4 + v->body_len);
		assert_int_equal(wire_encode_frame(&ev, got, sizeof(got), &got_len),
				 WIRE_OK);
		assert_int_equal(got_len, want_len);
		assert_memory_equal(got, want, want_len);
	}
}

static void encode_body_matches_spec_vectors(void **state)
{
	uint8_t want[WIRE_MAX_FRAME_BYTES], got[WIRE_MAX_EVENT_BODY_BYTES];
	size_t i, want_len, got_len;

	(void)state;
	for (i = 0; i < SPEC_VECTOR_COUNT; i++) {
		const struct spec_vector *v = &spec_vectors[i];
		struct wire_event ev = make_event(v->probe, v->pid, v->comm, v->ns);

		want_len = hex_to_bytes(v->hex, want, sizeof(want));
		assert_int_equal(want_len, 4 + v->body_len);
		assert_int_equal(wire_encode_body(&ev, got, sizeof(got), &got_len),
				 WIRE_OK);
		assert_int_equal(got_len, v->body_len);
		assert_memory_equal(got, want + 4, got_len);
	}
}

static void decode_frame_gives_spec_vector_fields(void **state)
{
	uint8_t frame[WIRE_MAX_FRAME_BYTES];
	size_t i, len, consumed;

	(void)state;
	for (i = 0; i < SPEC_VECTOR_COUNT; i++) {
		const struct spec_vector *v = &spec_vectors[i];
		struct wire_event want = make_event(v->probe, v->pid, v->comm, v->ns);
		struct wire_event got;
		struct wire_error_detail d;

		len = hex_to_bytes(v->hex, frame, sizeof(frame));
		memset(&got, 0xa5, sizeof(got));
		assert_int_equal(wire_decode_frame(frame, len, &got, &consumed, &d),
				 WIRE_OK);
		assert_int_equal(consumed, len);
		assert_int_equal(d.code, WIRE_OK);
		assert_int_equal(got.content_version, 0x0100);
		assert_event_equal(&got, &want);
	}
}

static void decode_body_gives_spec_vector_fields(void **state)
{
	uint8_t frame[WIRE_MAX_FRAME_BYTES];
	size_t i, len;

	(void)state;
	for (i = 0; i < SPEC_VECTOR_COUNT; i++) {
		const struct spec_vector *v = &spec_vectors[i];
		struct wire_event want = make_event(v->probe, v->pid, v->comm, v->ns);
		struct wire_event got;

		len = hex_to_bytes(v->hex, frame, sizeof(frame));
		assert_int_equal(wire_decode_body(frame + 4, len - 4, &got, NULL),
				 WIRE_OK);
		assert_event_equal(&got, &want);
	}
}


/* ---- a tiny body builder, independent of the library's writer ---- */

struct body {
	uint8_t b[WIRE_MAX_FRAME_BYTES + 64];
	size_t len;
	size_t mark; /* offset (in the body) a test wants to point at */
};

static void b_byte(struct body *b, uint8_t v)
{
	assert_true(b->len < sizeof(b->b));
	b->b[b->len++] = v;
}

static void b_hex(struct body *b, const char *hex)
{
	b->len += hex_to_bytes(hex, b->b + b->len, sizeof(b->b) - b->len);
}

/* A head with an explicit argument width (0 = in the initial byte). */
static void b_head_w(struct body *b, unsigned major, uint64_t v, unsigned width)
{
	static const unsigned ai[] = { 0, 24, 25, 0, 26, 0, 0, 0, 27 };
	unsigned i;

	if (width == 0) {
		assert_true(v <= 23);
		b_byte(b, (uint8_t)(major << 5 | v));
		return;
	}
	b_byte(b, (uint8_t)(major << 5 | ai[width]));
	for (i = width; i > 0; i--)
		b_byte(b, (uint8_t)(v >> (8 * (i - 1))));
}

/* The shortest head, chosen here by the RFC 8949 rule. */
static void b_head(struct body *b, unsigned major, uint64_t v)
{
	unsigned width = v < 24 ? 0 : v <= 0xff ? 1 : v <= 0xffff ? 2
		       : v <= 0xffffffffULL ? 4 : 8;

	b_head_w(b, major, v, width);
}

static void b_text(struct body *b, const char *s, size_t len)
{
	b_head(b, 3, len);
	assert_true(len <= sizeof(b->b) - b->len);
	memcpy(b->b + b->len, s, len);
	b->len += len;
}

static void b_str(struct body *b, const char *s)
{
	b_text(b, s, strlen(s));
}

static void b_mark(struct body *b)
{
	b->mark = b->len;
}

static const char *const key_names[] = {
	NULL, "content_version", "probe_source", "guest_pid", "guest_comm",
	"guest_monotonic_ns",
};

/* Write the correct pair for field f (1..5) with plain values. */
static void b_pair(struct body *b, int f)
{
	b_str(b, key_names[f]);
	switch (f) {
	case 1: b_head(b, 0, 0x0100); break;
	case 2: b_str(b, "process.spawned"); break;
	case 3: b_head(b, 0, 42); break;
	case 4: b_str(b, "sh"); break;
	case 5: b_head(b, 0, 7); break;
	}
}

/* map(5) and the pairs before field f. */
static void b_until(struct body *b, int f)
{
	int i;

	memset(b, 0, sizeof(*b));
	b_byte(b, 0xa5);
	for (i = 1; i < f; i++)
		b_pair(b, i);
}

/* The rest after field f. */
static void b_after(struct body *b, int f)
{
	int i;

	for (i = f + 1; i <= 5; i++)
		b_pair(b, i);
}

/* Wrap the body in a frame and decode it; check exactly one error. */
static void expect_frame_error(const struct body *b, enum wire_error code,
			       enum wire_field field, size_t body_offset)
{
	size_t flen = 4 + b->len, consumed = 99;
	uint8_t *frame = malloc(flen);
	struct wire_event ev, untouched;
	struct wire_error_detail d;
	char line[256];

	assert_non_null(frame);
	frame[0] = (uint8_t)b->len;
	frame[1] = (uint8_t)(b->len >> 8);
	frame[2] = frame[3] = 0;
	memcpy(frame + 4, b->b, b->len);
	memset(&ev, 0x5a, sizeof(ev));
	untouched = ev;
	assert_int_equal(wire_decode_frame(frame, flen, &ev, &consumed, &d), code);
	assert_int_equal(d.code, code);
	assert_int_equal(d.field, field);
	assert_int_equal(d.offset, 4 + body_offset);
	assert_int_equal(consumed, flen);
	assert_memory_equal(&ev, &untouched, sizeof(ev));
	/* The body decoder says the same, relative to the body. */
	assert_int_equal(wire_decode_body(frame + 4, b->len, NULL, &d), code);
	assert_int_equal(d.offset, body_offset);
	assert_true(wire_error_format(&d, line, sizeof(line)) > 0);
	free(frame);
}

static void expect_frame_ok(const struct body *b, struct wire_event *ev)
{
	size_t flen = 4 + b->len, consumed;
	uint8_t *frame = malloc(flen);
	struct wire_error_detail d;

	assert_non_null(frame);
	frame[0] = (uint8_t)b->len;
	frame[1] = (uint8_t)(b->len >> 8);
	frame[2] = frame[3] = 0;
	memcpy(frame + 4, b->b, b->len);
	assert_int_equal(wire_decode_frame(frame, flen, ev, &consumed, &d), WIRE_OK);
	assert_int_equal(consumed, flen);
	free(frame);
}

/* ---- integer heads ---- */


static void encode_integer_head_boundaries_are_shortest(void **state)
{
	uint8_t out[WIRE_MAX_EVENT_BODY_BYTES], want[16];
	size_t i, len, wlen;

	(void)state;
	for (i = 0; i < BOUNDARY_COUNT; i++) {
		/* guest_monotonic_ns is the last item: the body ends with
		 * exactly its head. */
		struct wire_event ev = make_event(WIRE_PROBE_PROCESS_SPAWNED, 1,
						  "x", boundaries[i].v);

		wlen = hex_to_bytes(boundaries[i].hex, want, sizeof(want));
		assert_int_equal(wire_encode_body(&ev, out, sizeof(out), &len),
				 WIRE_OK);
		assert_memory_equal(out + len - wlen, want, wlen);
		/* And the key right before it ends where the head begins. */
		assert_memory_equal(out + len - wlen - 18, "guest_monotonic_ns", 18);

		if (boundaries[i].v <= UINT32_MAX) {
			ev.monotonic_ns = 0;
			ev.pid = (uint32_t)boundaries[i].v;
			assert_int_equal(wire_encode_body(&ev, out, sizeof(out), &len),
					 WIRE_OK);
			/* a5, content_version pair, probe_source pair
			 * ("process.spawned"), "guest_pid", then the head. */
			assert_memory_equal(out + 1 + 16 + 3 + 13 + 16 + 10, want,
					    wlen);
		}
	}
}

static void decode_integer_head_boundaries(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < BOUNDARY_COUNT; i++) {
		struct body b;
		struct wire_event ev;

		b_until(&b, 5);
		b_str(&b, "guest_monotonic_ns");
		b_hex(&b, boundaries[i].hex);
		expect_frame_ok(&b, &ev);
		assert_true(ev.monotonic_ns == boundaries[i].v);

		if (boundaries[i].v <= UINT32_MAX) {
			b_until(&b, 3);
			b_str(&b, "guest_pid");
			b_hex(&b, boundaries[i].hex);
			b_after(&b, 3);
			expect_frame_ok(&b, &ev);
			assert_int_equal(ev.pid, boundaries[i].v);
		}
	}
}

static void decode_accepts_non_shortest_heads(void **state)
{
	static const unsigned widths[] = { 1, 2, 4, 8 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		unsigned w = widths[i];
		struct body b;
		struct wire_event ev;

		memset(&b, 0, sizeof(b));
		b_head_w(&b, 5, 5, w);                  /* map(5) */
		b_head_w(&b, 3, 15, w);                 /* key length */
		b_hex(&b, "636f6e74656e745f76657273696f6e");
		b_head_w(&b, 0, 0x0100, w < 2 ? 2 : w); /* content_version */
		b_str(&b, "probe_source");
		b_head_w(&b, 3, 14, w);
		b_hex(&b, "70726f636573732e657869746564"); /* process.exited */
		b_str(&b, "guest_pid");
		b_head_w(&b, 0, 42, w);
		b_str(&b, "guest_comm");
		b_head_w(&b, 3, 0, w);                  /* "" */
		b_str(&b, "guest_monotonic_ns");
		b_head_w(&b, 0, 0, w);
		expect_frame_ok(&b, &ev);
		assert_int_equal(ev.content_version, 0x0100);
		assert_int_equal(ev.probe, WIRE_PROBE_PROCESS_EXITED);
		assert_int_equal(ev.pid, 42);
		assert_int_equal(ev.comm_len, 0);
		assert_string_equal(ev.comm, "");
		assert_true(ev.monotonic_ns == 0);
	}
}

static void decode_stores_any_minor_content_version(void **state)
{
	struct body b;
	struct wire_event ev;

	(void)state;
	b_until(&b, 1);
	b_str(&b, "content_version");
	b_head(&b, 0, 0x01ff);
	b_after(&b, 1);
	expect_frame_ok(&b, &ev);
	assert_int_equal(ev.content_version, 0x01ff);
}

static void decode_accepts_comm_of_16_four_byte_characters(void **state)
{
	char comm[65];
	struct body b;
	struct wire_event ev;
	int i;

	(void)state;
	for (i = 0; i < 16; i++)
		memcpy(comm + 4 * i, "\xf0\x9f\x98\x80", 4); /* U+1F600 */
	b_until(&b, 4);
	b_str(&b, "guest_comm");
	b_text(&b, comm, 64);
	b_after(&b, 4);
	expect_frame_ok(&b, &ev);
	assert_int_equal(ev.comm_len, 64);
	assert_memory_equal(ev.comm, comm, 64);
	assert_int_equal(ev.comm[64], '\0');
}

/* ---- one test per decoder error ---- */

static void decode_rejects_3_byte_header_as_short_header(void **state)
{
	static const uint8_t frame[] = { 0x63, 0x00, 0x00 };
	struct wire_error_detail d;
	size_t consumed = 99;
	uint8_t *buf = malloc(sizeof(frame));

	(void)state;
	memcpy(buf, frame, sizeof(frame));
	assert_int_equal(wire_decode_frame(buf, sizeof(frame), NULL, &consumed, &d),
			 WIRE_ERR_SHORT_HEADER);
	assert_int_equal(consumed, 0);
	assert_int_equal(d.offset, 0);
	assert_true(d.has_value);
	assert_int_equal(d.value, 3);
	free(buf);
}

static void decode_rejects_body_length_4097_as_frame_too_large(void **state)
{
	/* Only the header: the decoder must not look for the body. */
	static const uint8_t frame[] = { 0x01, 0x10, 0x00, 0x00 };
	struct wire_error_detail d;
	size_t consumed = 99;
	uint8_t *buf = malloc(sizeof(frame));

	(void)state;
	memcpy(buf, frame, sizeof(frame));
	assert_int_equal(wire_decode_frame(buf, sizeof(frame), NULL, &consumed, &d),
			 WIRE_ERR_FRAME_TOO_LARGE);
	assert_int_equal(consumed, 0);
	assert_int_equal(d.field, WIRE_FIELD_NONE);
	assert_int_equal(d.value, 4097);
	free(buf);
}

static void decode_accepts_body_length_4096_as_a_length(void **state)
{
	struct body b;

	(void)state;
	/* 4096 is allowed; this body is then rejected for what is in it. */
	b_until(&b, 1);
	b_after(&b, 0);
	b_mark(&b);
	while (b.len < CELLOS_WIRE_MAX_FRAME_BODY_BYTES)
		b_byte(&b, 0);
	expect_frame_error(&b, WIRE_ERR_TRAILING_BYTES, WIRE_FIELD_NONE, b.mark);
}

static void decode_rejects_short_body_as_frame_truncated(void **state)
{
	uint8_t full[WIRE_MAX_FRAME_BYTES];
	size_t len = hex_to_bytes(spec_vectors[0].hex, full, sizeof(full));
	uint8_t *frame = malloc(len - 1);
	struct wire_error_detail d;
	size_t consumed = 99;

	(void)state;
	memcpy(frame, full, len - 1);
	assert_int_equal(wire_decode_frame(frame, len - 1, NULL, &consumed, &d),
			 WIRE_ERR_FRAME_TRUNCATED);
	assert_int_equal(consumed, 0);
	assert_int_equal(d.value, 99);
	free(frame);
}

static void decode_rejects_body_length_0_as_unexpected_eof(void **state)
{
	uint8_t *frame = calloc(1, 4);
	struct wire_error_detail d;
	size_t consumed = 99;

	(void)state;
	assert_int_equal(wire_decode_frame(frame, 4, NULL, &consumed, &d),
			 WIRE_ERR_UNEXPECTED_EOF);
	/* The frame is whole (just empty): the caller can skip it. */
	assert_int_equal(consumed, 4);
	assert_int_equal(d.offset, 4);
	free(frame);
}

static void decode_rejects_item_past_body_end_as_unexpected_eof(void **state)
{
	struct body b;

	(void)state;
	b_until(&b, 5);
	b_str(&b, "guest_monotonic_ns");
	b_mark(&b);
	b_hex(&b, "1a3b9aca"); /* 4-byte argument with 3 bytes */
	expect_frame_error(&b, WIRE_ERR_UNEXPECTED_EOF,
			   WIRE_FIELD_GUEST_MONOTONIC_NS, b.mark);
}

static void decode_rejects_text_past_body_end_as_unexpected_eof(void **state)
{
	struct body b;

	(void)state;
	b_until(&b, 4);
	b_str(&b, "guest_comm");
	b_mark(&b);
	b_hex(&b, "63 7368"); /* 3 bytes declared, 2 there */
	expect_frame_error(&b, WIRE_ERR_UNEXPECTED_EOF, WIRE_FIELD_GUEST_COMM,
			   b.mark);
}

static void decode_rejects_negative_int_as_unsupported_major(void **state)
{
	struct body b;

	(void)state;
	b_until(&b, 3);
	b_str(&b, "guest_pid");
	b_mark(&b);
	b_hex(&b, "20"); /* -1 */
	b_after(&b, 3);
	expect_frame_error(&b, WIRE_ERR_UNSUPPORTED_MAJOR, WIRE_FIELD_GUEST_PID,
			   b.mark);
}

static void decode_rejects_top_level_array_as_unsupported_major(void **state)
{
	struct body b;
	int i;

	(void)state;
	memset(&b, 0, sizeof(b));
	b_hex(&b, "8a"); /* array(10) */
	for (i = 1; i <= 5; i++)
		b_pair(&b, i);
	expect_frame_error(&b, WIRE_ERR_UNSUPPORTED_MAJOR, WIRE_FIELD_NONE, 0);
}

static void decode_rejects_indefinite_map_as_unsupported_additional(void **state)
{
	struct body b;

	(void)state;
	memset(&b, 0, sizeof(b));
	b_hex(&b, "bf");
	b_after(&b, 0);
	b_hex(&b, "ff");
	expect_frame_error(&b, WIRE_ERR_UNSUPPORTED_ADDITIONAL, WIRE_FIELD_NONE, 0);
}

static void decode_rejects_reserved_additional_28(void **state)
{
	struct body b;

	(void)state;
	b_until(&b, 1);
	b_str(&b, "content_version");
	b_mark(&b);
	b_hex(&b, "1c 0000000000000100");
	b_after(&b, 1);
	expect_frame_error(&b, WIRE_ERR_UNSUPPORTED_ADDITIONAL,
			   WIRE_FIELD_CONTENT_VERSION, b.mark);
}

static void decode_rejects_indefinite_text(void **state)
{
	struct body b;

	(void)state;
	b_until(&b, 4);
	b_str(&b, "guest_comm");
	b_mark(&b);
	b_hex(&b, "7f 627368 ff");
	b_after(&b, 4);
	expect_frame_error(&b, WIRE_ERR_UNSUPPORTED_ADDITIONAL,
			   WIRE_FIELD_GUEST_COMM, b.mark);
}

static void decode_rejects_map4_as_not_map5(void **state)
{
	struct body b;
	struct wire_error_detail d;

	(void)state;
	memset(&b, 0, sizeof(b));
	b_hex(&b, "a4");
	b_pair(&b, 1);
	b_pair(&b, 2);
	b_pair(&b, 3);
	b_pair(&b, 4);
	expect_frame_error(&b, WIRE_ERR_NOT_MAP5, WIRE_FIELD_NONE, 0);
	assert_int_equal(wire_decode_body(b.b, b.len, NULL, &d), WIRE_ERR_NOT_MAP5);
	assert_true(d.has_value);
	assert_int_equal(d.value, 4);
}

static void decode_rejects_map6_as_not_map5(void **state)
{
	struct body b;
	struct wire_error_detail d;

	(void)state;
	memset(&b, 0, sizeof(b));
	b_hex(&b, "a6");
	b_after(&b, 0);
	b_str(&b, "cell_id");
	b_str(&b, "forged");
	expect_frame_error(&b, WIRE_ERR_NOT_MAP5, WIRE_FIELD_NONE, 0);
	assert_int_equal(wire_decode_body(b.b, b.len, NULL, &d), WIRE_ERR_NOT_MAP5);
	assert_int_equal(d.value, 6);
}

static void decode_rejects_top_level_uint_as_not_map5(void **state)
{
	struct body b;

	(void)state;
	memset(&b, 0, sizeof(b));
	b_hex(&b, "05");
	expect_frame_error(&b, WIRE_ERR_NOT_MAP5, WIRE_FIELD_NONE, 0);
}

static void decode_rejects_probe_source_first(void **state)
{
	struct body b;

	(void)state;
	memset(&b, 0, sizeof(b));
	b_hex(&b, "a5");
	b_pair(&b, 2);
	b_pair(&b, 1);
	b_after(&b, 2);
	expect_frame_error(&b, WIRE_ERR_CONTENT_VERSION_MUST_BE_FIRST,
			   WIRE_FIELD_CONTENT_VERSION, 1);
}

static void decode_rejects_content_version_0x0200(void **state)
{
	struct body b;
	struct wire_error_detail d;

	(void)state;
	b_until(&b, 1);
	b_str(&b, "content_version");
	b_mark(&b);
	b_head(&b, 0, 0x0200);
	b_after(&b, 1);
	expect_frame_error(&b, WIRE_ERR_UNSUPPORTED_CONTENT_VERSION,
			   WIRE_FIELD_CONTENT_VERSION, b.mark);
	wire_decode_body(b.b, b.len, NULL, &d);
	assert_int_equal(d.value, 0x0200);
}

static void decode_rejects_content_version_0x00ff(void **state)
{
	struct body b;

	(void)state;
	b_until(&b, 1);
	b_str(&b, "content_version");
	b_mark(&b);
	b_head(&b, 0, 0x00ff);
	b_after(&b, 1);
	expect_frame_error(&b, WIRE_ERR_UNSUPPORTED_CONTENT_VERSION,
			   WIRE_FIELD_CONTENT_VERSION, b.mark);
}

static void decode_rejects_content_version_1_as_unsupported(void **state)
{
	struct body b;

	(void)state;
	/* v1.0 is 0x0100, never the bare major (wire-v1 compatibility). */
	b_until(&b, 1);
	b_str(&b, "content_version");
	b_mark(&b);
	b_head(&b, 0, 1);
	b_after(&b, 1);
	expect_frame_error(&b, WIRE_ERR_UNSUPPORTED_CONTENT_VERSION,
			   WIRE_FIELD_CONTENT_VERSION, b.mark);
}

static void decode_rejects_reordered_keys_as_missing_field(void **state)
{
	struct body b;

	(void)state;
	b_until(&b, 3);
	b_mark(&b);
	b_pair(&b, 4); /* guest_comm before guest_pid */
	b_pair(&b, 3);
	b_pair(&b, 5);
	expect_frame_error(&b, WIRE_ERR_MISSING_FIELD, WIRE_FIELD_GUEST_PID,
			   b.mark);
}

static void decode_rejects_duplicated_key_as_missing_field(void **state)
{
	struct body b;

	(void)state;
	b_until(&b, 3);
	b_mark(&b);
	b_pair(&b, 2); /* probe_source again where guest_pid belongs */
	b_pair(&b, 4);
	b_pair(&b, 5);
	expect_frame_error(&b, WIRE_ERR_MISSING_FIELD, WIRE_FIELD_GUEST_PID,
			   b.mark);
}

static void decode_rejects_unknown_key_as_missing_field(void **state)
{
	struct body b;

	(void)state;
	b_until(&b, 5);
	b_mark(&b);
	b_str(&b, "guest_realtime_ns");
	b_head(&b, 0, 7);
	expect_frame_error(&b, WIRE_ERR_MISSING_FIELD,
			   WIRE_FIELD_GUEST_MONOTONIC_NS, b.mark);
}

static void decode_rejects_integer_key_as_missing_field(void **state)
{
	struct body b;

	(void)state;
	b_until(&b, 2);
	b_mark(&b);
	b_head(&b, 0, 2);
	b_str(&b, "process.spawned");
	b_after(&b, 2);
	expect_frame_error(&b, WIRE_ERR_MISSING_FIELD, WIRE_FIELD_PROBE_SOURCE,
			   b.mark);
}

static void decode_rejects_text_pid_as_field_type(void **state)
{
	struct body b;
	struct wire_error_detail d;

	(void)state;
	b_until(&b, 3);
	b_str(&b, "guest_pid");
	b_mark(&b);
	b_str(&b, "42");
	b_after(&b, 3);
	expect_frame_error(&b, WIRE_ERR_FIELD_TYPE, WIRE_FIELD_GUEST_PID, b.mark);
	wire_decode_body(b.b, b.len, NULL, &d);
	assert_int_equal(d.major, 3);
}

static void decode_rejects_uint_probe_source_as_field_type(void **state)
{
	struct body b;

	(void)state;
	b_until(&b, 2);
	b_str(&b, "probe_source");
	b_mark(&b);
	b_head(&b, 0, 0);
	b_after(&b, 2);
	expect_frame_error(&b, WIRE_ERR_FIELD_TYPE, WIRE_FIELD_PROBE_SOURCE,
			   b.mark);
}

static void decode_rejects_nested_map_as_field_type(void **state)
{
	struct body b;

	(void)state;
	b_until(&b, 5);
	b_str(&b, "guest_monotonic_ns");
	b_mark(&b);
	b_hex(&b, "a0");
	expect_frame_error(&b, WIRE_ERR_FIELD_TYPE,
			   WIRE_FIELD_GUEST_MONOTONIC_NS, b.mark);
}

static void decode_rejects_comm_of_17_characters_as_field_type(void **state)
{
	struct body b;
	struct wire_error_detail d;

	(void)state;
	b_until(&b, 4);
	b_str(&b, "guest_comm");
	b_mark(&b);
	b_str(&b, "abcdefghijklmnopq");
	b_after(&b, 4);
	expect_frame_error(&b, WIRE_ERR_FIELD_TYPE, WIRE_FIELD_GUEST_COMM, b.mark);
	wire_decode_body(b.b, b.len, NULL, &d);
	assert_true(d.has_value);
	assert_int_equal(d.value, 17);
}

static void decode_rejects_comm_of_65_bytes_as_field_type(void **state)
{
	char comm[65];
	struct body b;
	struct wire_error_detail d;

	(void)state;
	memset(comm, 'a', sizeof(comm));
	b_until(&b, 4);
	b_str(&b, "guest_comm");
	b_mark(&b);
	b_text(&b, comm, sizeof(comm));
	b_after(&b, 4);
	expect_frame_error(&b, WIRE_ERR_FIELD_TYPE, WIRE_FIELD_GUEST_COMM, b.mark);
	wire_decode_body(b.b, b.len, NULL, &d);
	assert_int_equal(d.value, 65);
}

static void decode_rejects_pid_2_pow_32_as_integer_overflow(void **state)
{
	struct body b;
	struct wire_error_detail d;

	(void)state;
	b_until(&b, 3);
	b_str(&b, "guest_pid");
	b_mark(&b);
	b_head(&b, 0, 4294967296ULL);
	b_after(&b, 3);
	expect_frame_error(&b, WIRE_ERR_INTEGER_OVERFLOW, WIRE_FIELD_GUEST_PID,
			   b.mark);
	wire_decode_body(b.b, b.len, NULL, &d);
	assert_true(d.value == 4294967296ULL);
}

static void decode_rejects_content_version_0x10000_as_integer_overflow(void **state)
{
	struct body b;

	(void)state;
	b_until(&b, 1);
	b_str(&b, "content_version");
	b_mark(&b);
	b_head(&b, 0, 0x10000);
	b_after(&b, 1);
	expect_frame_error(&b, WIRE_ERR_INTEGER_OVERFLOW,
			   WIRE_FIELD_CONTENT_VERSION, b.mark);
}

static void decode_rejects_unknown_probe_source(void **state)
{
	struct body b;

	(void)state;
	b_until(&b, 2);
	b_str(&b, "probe_source");
	b_mark(&b);
	b_str(&b, "process.forked");
	b_after(&b, 2);
	expect_frame_error(&b, WIRE_ERR_UNKNOWN_PROBE_SOURCE,
			   WIRE_FIELD_PROBE_SOURCE, b.mark);
}

static void decode_rejects_probe_source_prefix_as_unknown(void **state)
{
	struct body b;

	(void)state;
	b_until(&b, 2);
	b_str(&b, "probe_source");
	b_mark(&b);
	b_str(&b, "process.spawne");
	b_after(&b, 2);
	expect_frame_error(&b, WIRE_ERR_UNKNOWN_PROBE_SOURCE,
			   WIRE_FIELD_PROBE_SOURCE, b.mark);
}

/* A comm whose text has bad UTF-8 at byte `bad` of its contents. */
static void expect_comm_invalid_utf8(const char *comm, size_t len, size_t bad)
{
	struct body b;
	size_t text_at;

	b_until(&b, 4);
	b_str(&b, "guest_comm");
	b_text(&b, comm, len);
	text_at = b.len - len;
	b_after(&b, 4);
	expect_frame_error(&b, WIRE_ERR_INVALID_UTF8, WIRE_FIELD_GUEST_COMM,
			   text_at + bad);
}

static void decode_rejects_overlong_utf8(void **state)
{
	(void)state;
	expect_comm_invalid_utf8("a\xc0\xaf", 3, 1);        /* '/' in 2 bytes */
	expect_comm_invalid_utf8("\xe0\x80\xaf", 3, 0);     /* in 3 bytes */
	expect_comm_invalid_utf8("ab\xf0\x80\x80\xaf", 6, 2); /* in 4 bytes */
}

static void decode_rejects_surrogate_utf8(void **state)
{
	(void)state;
	expect_comm_invalid_utf8("x\xed\xa0\x80", 4, 1); /* U+D800 */
	expect_comm_invalid_utf8("\xed\xbf\xbf", 3, 0);  /* U+DFFF */
}

static void decode_rejects_truncated_utf8_sequence(void **state)
{
	(void)state;
	/* U+20AC is e2 82 ac; the text ends after two of its bytes. */
	expect_comm_invalid_utf8("sh\xe2\x82", 4, 2);
	/* ... or the next character begins too early. */
	expect_comm_invalid_utf8("\xe2\x82z", 3, 0);
}

static void decode_rejects_code_point_above_10ffff(void **state)
{
	(void)state;
	expect_comm_invalid_utf8("\xf4\x90\x80\x80", 4, 0);
	expect_comm_invalid_utf8("\xf5\x80\x80\x80", 4, 0);
}

static void decode_rejects_invalid_utf8_in_key(void **state)
{
	struct body b;

	(void)state;
	b_until(&b, 2);
	b_mark(&b);
	b_text(&b, "probe_sourc\xff", 12);
	b_str(&b, "process.spawned");
	b_after(&b, 2);
	/* The bad byte is the 12th of the key text, after its 1-byte head. */
	expect_frame_error(&b, WIRE_ERR_INVALID_UTF8, WIRE_FIELD_PROBE_SOURCE,
			   b.mark + 1 + 11);
}

static void decode_rejects_trailing_bytes(void **state)
{
	struct body b;
	struct wire_error_detail d;

	(void)state;
	b_until(&b, 1);
	b_after(&b, 0);
	b_mark(&b);
	b_hex(&b, "00 00");
	expect_frame_error(&b, WIRE_ERR_TRAILING_BYTES, WIRE_FIELD_NONE, b.mark);
	wire_decode_body(b.b, b.len, NULL, &d);
	assert_int_equal(d.value, 2);
}

static void decode_frame_leaves_the_next_frame_alone(void **state)
{
	uint8_t two[2 * WIRE_MAX_FRAME_BYTES];
	size_t l1, l2, consumed;
	struct wire_event ev;

	(void)state;
	l1 = hex_to_bytes(spec_vectors[0].hex, two, sizeof(two));
	l2 = hex_to_bytes(spec_vectors[1].hex, two + l1, sizeof(two) - l1);
	assert_int_equal(wire_decode_frame(two, l1 + l2, &ev, &consumed, NULL),
			 WIRE_OK);
	assert_int_equal(consumed, l1);
	assert_int_equal(ev.pid, 42);
	assert_int_equal(wire_decode_frame(two + l1, l2, &ev, &consumed, NULL),
			 WIRE_OK);
	assert_int_equal(consumed, l2);
	assert_int_equal(ev.probe, WIRE_PROBE_PROCESS_EXITED);
}

/* ---- encoder errors ---- */

static void encode_reports_buffer_too_small_without_overrun(void **state)
{
	size_t i, cap, len, need;

	(void)state;
	for (i = 0; i < SPEC_VECTOR_COUNT; i++) {
		const struct spec_vector *v = &spec_vectors[i];
		struct wire_event ev = make_event(v->probe, v->pid, v->comm, v->ns);

		need = 4 + v->body_len;
		for (cap = 0; cap < need; cap++) {
			/* Exact-size heap buffer: valgrind/ASan see any overrun. */
			uint8_t *buf = malloc(cap > 0 ? cap : 1);

			assert_int_equal(wire_encode_frame(&ev, buf, cap, &len),
					 WIRE_ERR_BUFFER_TOO_SMALL);
			if (cap >= v->body_len) {
				assert_int_equal(wire_encode_body(&ev, buf, cap, &len),
						 WIRE_OK);
			} else {
				assert_int_equal(wire_encode_body(&ev, buf, cap, &len),
						 WIRE_ERR_BUFFER_TOO_SMALL);
			}
			free(buf);
		}
	}
}

static void encode_rejects_unknown_probe(void **state)
{
	struct wire_event ev = make_event(WIRE_PROBE_COUNT, 1, "sh", 1);
	uint8_t buf[WIRE_MAX_FRAME_BYTES];
	size_t len;

	(void)state;
	assert_int_equal(wire_encode_frame(&ev, buf, sizeof(buf), &len),
			 WIRE_ERR_UNKNOWN_PROBE_SOURCE);
	ev.probe = (enum wire_probe)-1;
	assert_int_equal(wire_encode_body(&ev, buf, sizeof(buf), &len),
			 WIRE_ERR_UNKNOWN_PROBE_SOURCE);
}

static void encode_rejects_invalid_or_long_comm(void **state)
{
	uint8_t buf[WIRE_MAX_FRAME_BYTES];
	struct wire_event ev;
	size_t len;

	(void)state;
	ev = make_event(WIRE_PROBE_PROCESS_SPAWNED, 1, "a\xffz", 1);
	assert_int_equal(wire_encode_frame(&ev, buf, sizeof(buf), &len),
			 WIRE_ERR_INVALID_UTF8);
	ev = make_event(WIRE_PROBE_PROCESS_SPAWNED, 1, "abcdefghijklmnopq", 1);
	assert_int_equal(wire_encode_frame(&ev, buf, sizeof(buf), &len),
			 WIRE_ERR_INVALID_UTF8);
	ev = make_event(WIRE_PROBE_PROCESS_SPAWNED, 1, "abcdefghijklmnop", 1);
	assert_int_equal(wire_encode_frame(&ev, buf, sizeof(buf), &len), WIRE_OK);
	ev.comm_len = WIRE_COMM_MAX_BYTES + 1;
	assert_int_equal(wire_encode_frame(&ev, buf, sizeof(buf), &len),
			 WIRE_ERR_INVALID_UTF8);
}

static void encode_always_sends_version_0x0100(void **state)
{
	struct wire_event ev = make_event(WIRE_PROBE_PROCESS_SPAWNED, 42, "sh",
					  1000000000ULL);
	uint8_t want[WIRE_MAX_FRAME_BYTES], got[WIRE_MAX_FRAME_BYTES];
	size_t wlen, len;

	(void)state;
	ev.content_version = 0x0203;
	wlen = hex_to_bytes(spec_vectors[0].hex, want, sizeof(want));
	assert_int_equal(wire_encode_frame(&ev, got, sizeof(got), &len), WIRE_OK);
	assert_int_equal(len, wlen);
	assert_memory_equal(got, want, wlen);
}

static void longest_event_fits_max_event_body(void **state)
{
	char comm[65];
	struct wire_event ev;
	uint8_t buf[WIRE_MAX_EVENT_BODY_BYTES];
	size_t len;
	int i;

	(void)state;
	for (i = 0; i < 16; i++)
		memcpy(comm + 4 * i, "\xf4\x8f\xbf\xbf", 4); /* U+10FFFF */
	comm[64] = '\0';
	ev = make_event(WIRE_PROBE_NET_CONNECT_ATTEMPTED, UINT32_MAX, comm,
			UINT64_MAX);
	assert_int_equal(wire_encode_body(&ev, buf, sizeof(buf), &len), WIRE_OK);
	assert_true(len <= WIRE_MAX_EVENT_BODY_BYTES);
}

/* ---- property: random events round-trip ---- */

/* A random integer whose bit length is uniform, so every head width
 * comes up often. */
static uint64_t random_width_uint(struct prng *p, unsigned max_bits)
{
	unsigned bits = (unsigned)prng_below(p, max_bits + 1);

	if (bits == 0)
		return 0;
	return prng_next(p) >> (64 - bits);
}

/* Append one random code point (1-4 bytes, never a surrogate). */
static size_t put_random_char(struct prng *p, char *out)
{
	uint32_t cp;

	switch (prng_below(p, 4)) {
	case 0: cp = (uint32_t)prng_below(p, 0x80); break;
	case 1: cp = 0x80 + (uint32_t)prng_below(p, 0x800 - 0x80); break;
	case 2:
		do
			cp = 0x800 + (uint32_t)prng_below(p, 0x10000 - 0x800);
		while (cp >= 0xd800 && cp <= 0xdfff);
		break;
	default: cp = 0x10000 + (uint32_t)prng_below(p, 0x110000 - 0x10000); break;
	}
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static void random_event(struct prng *p, struct wire_event *ev)
{
	unsigned i, chars;

	memset(ev, 0, sizeof(*ev));
	ev->content_version = WIRE_CONTENT_VERSION;
	ev->probe = (enum wire_probe)prng_below(p, WIRE_PROBE_COUNT);
	ev->pid = (uint32_t)random_width_uint(p, 32);
	ev->monotonic_ns = random_width_uint(p, 64);
	if (prng_below(p, 2) == 0) {
		/* Raw bytes through the sanitizer, as the agent does. */
		uint8_t raw[32];
		size_t n = (size_t)prng_below(p, sizeof(raw) + 1);

		for (i = 0; i < n; i++)
			raw[i] = (uint8_t)prng_next(p);
		wire_event_set_comm(ev, raw, n);
	} else {
		size_t len = 0;

		chars = (unsigned)prng_below(p, WIRE_COMM_MAX_CHARS + 1);
		for (i = 0; i < chars; i++)
			len += put_random_char(p, ev->comm + len);
		ev->comm[len] = '\0';
		ev->comm_len = (uint8_t)len;
	}
}

static void random_events_round_trip_unchanged(void **state)
{
	struct prng p = { 0x5eed0001 };
	unsigned long i, n = scaled(100000);
	uint8_t buf[WIRE_MAX_FRAME_BYTES], again[WIRE_MAX_FRAME_BYTES];

	(void)state;
	for (i = 0; i < n; i++) {
		struct wire_event ev, got;
		size_t len, len2, consumed;

		random_event(&p, &ev);
		assert_int_equal(wire_encode_frame(&ev, buf, sizeof(buf), &len),
				 WIRE_OK);
		assert_true(len <= 4 + WIRE_MAX_EVENT_BODY_BYTES);
		assert_int_equal(wire_decode_frame(buf, len, &got, &consumed, NULL),
				 WIRE_OK);
		assert_int_equal(consumed, len);
		assert_event_equal(&got, &ev);
		/* One event, one encoding. */
		assert_int_equal(wire_encode_frame(&got, again, sizeof(again), &len2),
				 WIRE_OK);
		assert_int_equal(len2, len);
		assert_memory_equal(again, buf, len);
	}
}

/* The encoder writes whole blocks when the buffer has room for any body
 * and sizes every item when it has not: both give the same bytes, and the
 * exact-size path never writes past what it was given. */
static void encoder_block_and_sized_paths_agree(void **state)
{
	struct prng p = { 0xb10c };
	uint8_t roomy[WIRE_MAX_FRAME_BYTES];
	unsigned long i;

	(void)state;
	for (i = 0; i < scaled(20000); i++) {
		struct wire_event ev;
		size_t len, len2;
		uint8_t *exact;

		random_event(&p, &ev);
		assert_int_equal(wire_encode_body(&ev, roomy, sizeof(roomy), &len),
				 WIRE_OK);
		/* An exact-size heap block: valgrind and ASan see any overrun. */
		exact = malloc(len);
		assert_non_null(exact);
		assert_int_equal(wire_encode_body(&ev, exact, len, &len2), WIRE_OK);
		assert_int_equal(len2, len);
		assert_memory_equal(exact, roomy, len);
		free(exact);
	}
}

/* ---- the decoder's fast path against its strict walk ---- */

static void fast_path_takes_every_encoded_event(void **state)
{
	struct prng p = { 0xfa57 };
	uint8_t body[WIRE_MAX_EVENT_BODY_BYTES];
	unsigned long i;

	(void)state;
	for (i = 0; i < 20000; i++) {
		struct wire_event ev, got;
		size_t len;

		random_event(&p, &ev);
		assert_int_equal(wire_encode_body(&ev, body, sizeof(body), &len),
				 WIRE_OK);
		memset(&got, 0, sizeof(got));
		assert_true(cw_decode_fast(body, len, &got));
		assert_event_equal(&got, &ev);
	}
}

static void fast_path_accepts_only_what_strict_decoder_accepts(void **state)
{
	struct prng p = { 0x57c7 };
	uint8_t body[WIRE_MAX_EVENT_BODY_BYTES + 8];
	unsigned long i, n = scaled(200000), fast_ok = 0, strict_ok = 0;

	(void)state;
	for (i = 0; i < n; i++) {
		struct wire_event ev, a, b;
		struct wire_error_detail d;
		size_t len, k, at;
		bool fast;
		enum wire_error strict;
		uint8_t *in;

		random_event(&p, &ev);
		assert_int_equal(wire_encode_body(&ev, body, sizeof(body), &len),
				 WIRE_OK);
		for (k = prng_below(&p, 3); k > 0; k--) {
			at = (size_t)prng_below(&p, len);
			switch (prng_below(&p, 5)) {
			case 0: body[at] ^= (uint8_t)(1u << prng_below(&p, 8)); break;
			case 1: body[at] = (uint8_t)prng_next(&p); break;
			case 2: body[at] = (uint8_t)(body[at] + 1); break;
			case 3: len = at; break;
			default:
				if (len < sizeof(body))
					body[len++] = (uint8_t)prng_next(&p);
				break;
			}
		}
		in = malloc(len > 0 ? len : 1); /* exact size */
		assert_non_null(in);
		memcpy(in, body, len);
		memset(&a, 0, sizeof(a));
		fast = cw_decode_fast(in, len, &a);
		strict = cw_decode_strict(in, len, &b, &d);
		if (fast) {
			assert_int_equal(strict, WIRE_OK);
			assert_event_equal(&a, &b);
			fast_ok++;
		}
		strict_ok += strict == WIRE_OK;
		free(in);
	}
	print_message("%lu bodies: fast path took %lu, strict decoder %lu\n",
		      n, fast_ok, strict_ok);
	/* The fast path saw plenty of bodies it had to take. */
	assert_true(fast_ok > n / 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(encode_frame_matches_spec_vectors),
		cmocka_unit_test(encode_body_matches_spec_vectors),
		cmocka_unit_test(decode_frame_gives_spec_vector_fields),
		cmocka_unit_test(decode_body_gives_spec_vector_fields),
		cmocka_unit_test(encode_integer_head_boundaries_are_shortest),
		cmocka_unit_test(decode_integer_head_boundaries),
		cmocka_unit_test(decode_accepts_non_shortest_heads),
		cmocka_unit_test(decode_stores_any_minor_content_version),
		cmocka_unit_test(decode_accepts_comm_of_16_four_byte_characters),
		cmocka_unit_test(decode_rejects_3_byte_header_as_short_header),
		cmocka_unit_test(decode_rejects_body_length_4097_as_frame_too_large),
		cmocka_unit_test(decode_accepts_body_length_4096_as_a_length),
		cmocka_unit_test(decode_rejects_short_body_as_frame_truncated),
		cmocka_unit_test(decode_rejects_body_length_0_as_unexpected_eof),
		cmocka_unit_test(decode_rejects_item_past_body_end_as_unexpected_eof),
		cmocka_unit_test(decode_rejects_text_past_body_end_as_unexpected_eof),
		cmocka_unit_test(decode_rejects_negative_int_as_unsupported_major),
		cmocka_unit_test(decode_rejects_top_level_array_as_unsupported_major),
		cmocka_unit_test(decode_rejects_indefinite_map_as_unsupported_additional),
		cmocka_unit_test(decode_rejects_reserved_additional_28),
		cmocka_unit_test(decode_rejects_indefinite_text),
		cmocka_unit_test(decode_rejects_map4_as_not_map5),
		cmocka_unit_test(decode_rejects_map6_as_not_map5),
		cmocka_unit_test(decode_rejects_top_level_uint_as_not_map5),
		cmocka_unit_test(decode_rejects_probe_source_first),
		cmocka_unit_test(decode_rejects_content_version_0x0200),
		cmocka_unit_test(decode_rejects_content_version_0x00ff),
		cmocka_unit_test(decode_rejects_content_version_1_as_unsupported),
		cmocka_unit_test(decode_rejects_reordered_keys_as_missing_field),
		cmocka_unit_test(decode_rejects_duplicated_key_as_missing_field),
		cmocka_unit_test(decode_rejects_unknown_key_as_missing_field),
		cmocka_unit_test(decode_rejects_integer_key_as_missing_field),
		cmocka_unit_test(decode_rejects_text_pid_as_field_type),
		cmocka_unit_test(decode_rejects_uint_probe_source_as_field_type),
		cmocka_unit_test(decode_rejects_nested_map_as_field_type),
		cmocka_unit_test(decode_rejects_comm_of_17_characters_as_field_type),
		cmocka_unit_test(decode_rejects_comm_of_65_bytes_as_field_type),
		cmocka_unit_test(decode_rejects_pid_2_pow_32_as_integer_overflow),
		cmocka_unit_test(decode_rejects_content_version_0x10000_as_integer_overflow),
		cmocka_unit_test(decode_rejects_unknown_probe_source),
		cmocka_unit_test(decode_rejects_probe_source_prefix_as_unknown),
		cmocka_unit_test(decode_rejects_overlong_utf8),
		cmocka_unit_test(decode_rejects_surrogate_utf8),
		cmocka_unit_test(decode_rejects_truncated_utf8_sequence),
		cmocka_unit_test(decode_rejects_code_point_above_10ffff),
		cmocka_unit_test(decode_rejects_invalid_utf8_in_key),
		cmocka_unit_test(decode_rejects_trailing_bytes),
		cmocka_unit_test(decode_frame_leaves_the_next_frame_alone),
		cmocka_unit_test(encode_reports_buffer_too_small_without_overrun),
		cmocka_unit_test(encode_rejects_unknown_probe),
		cmocka_unit_test(encode_rejects_invalid_or_long_comm),
		cmocka_unit_test(encode_always_sends_version_0x0100),
		cmocka_unit_test(longest_event_fits_max_event_body),
		cmocka_unit_test(random_events_round_trip_unchanged),
		cmocka_unit_test(encoder_block_and_sized_paths_agree),
		cmocka_unit_test(fast_path_takes_every_encoded_event),
		cmocka_unit_test(fast_path_accepts_only_what_strict_decoder_accepts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
