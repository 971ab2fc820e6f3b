/*
 * test-wire-codec.c - encode/decode of bodies and frames (codec.c).
 */
#include "wire-test.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(encode_frame_matches_spec_vectors),
		cmocka_unit_test(encode_body_matches_spec_vectors),
		cmocka_unit_test(decode_frame_gives_spec_vector_fields),
		cmocka_unit_test(decode_body_gives_spec_vector_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
