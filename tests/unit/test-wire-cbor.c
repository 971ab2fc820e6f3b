/*
 * test-wire-cbor.c - the CBOR subset writer and reader (cbor.c), linked
 * in directly: its functions are internal to the shared library.
 */
#include "wire-test.h"

#include "cbor.h"


static void encode_head_writes_shortest_head_at_every_boundary(void **state)
{
	uint8_t want[16], got[16];
	size_t i, n;

	(void)state;
	for (i = 0; i < BOUNDARY_COUNT; i++) {
		n = hex_to_bytes(boundaries[i].hex, want, sizeof(want));
		memset(got, 0xee, sizeof(got));
		assert_ptr_equal(cbor_encode_head(got, CBOR_MAJOR_UINT,
						  boundaries[i].v),
				 got + n);
		assert_int_equal(cbor_head_size(boundaries[i].v), n);
		assert_memory_equal(got, want, n);
		assert_int_equal(got[n], 0xee); /* nothing past the head */
	}
}

static void read_head_decodes_every_boundary(void **state)
{
	uint8_t in[16];
	struct cbor_reader r;
	struct cbor_head h;
	size_t i, n;

	(void)state;
	for (i = 0; i < BOUNDARY_COUNT; i++) {
		n = hex_to_bytes(boundaries[i].hex, in, sizeof(in));
		cbor_reader_init(&r, in, n);
		assert_int_equal(cbor_read_head(&r, &h), WIRE_OK);
		assert_int_equal(h.major, 0);
		assert_true(h.value == boundaries[i].v);
		assert_int_equal(r.off, n);
	}
}

static void read_head_accepts_every_width_for_small_values(void **state)
{
	static const char *const forms[] = {
		"05", "1805", "190005", "1a00000005", "1b0000000000000005",
	};
	uint8_t in[16];
	struct cbor_reader r;
	struct cbor_head h;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		n = hex_to_bytes(forms[i], in, sizeof(in));
		cbor_reader_init(&r, in, n);
		assert_int_equal(cbor_read_head(&r, &h), WIRE_OK);
		assert_int_equal(h.value, 5);
	}
}

static void encode_head_carries_the_major_type(void **state)
{
	uint8_t got[16];

	(void)state;
	cbor_encode_head(got, CBOR_MAJOR_TEXT, 2);
	assert_int_equal(got[0], 0x62);
	cbor_encode_head(got, CBOR_MAJOR_MAP, 5);
	assert_int_equal(got[0], 0xa5);
	/* 24 bytes of text need the one-byte length form: 78 18 */
	cbor_encode_head(got, CBOR_MAJOR_TEXT, 24);
	assert_memory_equal(got, "\x78\x18", 2);
	assert_int_equal(cbor_text_size(24), 26);
	assert_int_equal(cbor_text_size(0), 1);
	cbor_encode_head(got, CBOR_MAJOR_TEXT, 256);
	assert_memory_equal(got, "\x79\x01\x00", 3);
}

static void read_head_rejects_majors_outside_subset(void **state)
{
	static const uint8_t heads[] = { 0x20, 0x40, 0x80, 0xc0, 0xe0, 0xf9, 0xfb };
	struct cbor_reader r;
	struct cbor_head h;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(heads); i++) {
		cbor_reader_init(&r, &heads[i], 1);
		assert_int_equal(cbor_read_head(&r, &h), WIRE_ERR_UNSUPPORTED_MAJOR);
		assert_int_equal(h.major, heads[i] >> 5);
		assert_int_equal(r.off, 0);
	}
}

static void read_head_rejects_additional_28_to_31(void **state)
{
	static const uint8_t majors[] = { 0, 3, 5 };
	struct cbor_reader r;
	struct cbor_head h;
	size_t i;
	uint8_t b;

	(void)state;
	for (i = 0; i < sizeof(majors); i++) {
		for (b = 28; b <= 31; b++) {
			uint8_t in[9] = { (uint8_t)(majors[i] << 5 | b) };

			cbor_reader_init(&r, in, sizeof(in));
			assert_int_equal(cbor_read_head(&r, &h),
					 WIRE_ERR_UNSUPPORTED_ADDITIONAL);
			assert_int_equal(h.additional, b);
		}
	}
}

static void read_head_rejects_argument_past_end(void **state)
{
	static const char *const cut[] = { "", "18", "19ff", "1aff", "1bffffffffffffff" };
	uint8_t in[16];
	struct cbor_reader r;
	struct cbor_head h;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
		n = hex_to_bytes(cut[i], in, sizeof(in));
		cbor_reader_init(&r, in, n);
		assert_int_equal(cbor_read_head(&r, &h), WIRE_ERR_UNEXPECTED_EOF);
		assert_int_equal(r.off, 0);
	}
}

static void read_text_bytes_stays_inside_input(void **state)
{
	uint8_t in[] = { 0x63, 's', 'h' };
	struct cbor_reader r;
	struct cbor_head h;
	const uint8_t *s = NULL;

	(void)state;
	cbor_reader_init(&r, in, sizeof(in));
	assert_int_equal(cbor_read_head(&r, &h), WIRE_OK);
	assert_int_equal(cbor_read_text_bytes(&r, &h, &s), WIRE_ERR_UNEXPECTED_EOF);
	assert_null(s);
	in[0] = 0x62;
	cbor_reader_init(&r, in, sizeof(in));
	assert_int_equal(cbor_read_head(&r, &h), WIRE_OK);
	assert_int_equal(cbor_read_text_bytes(&r, &h, &s), WIRE_OK);
	assert_ptr_equal(s, in + 1);
	assert_int_equal(cbor_reader_left(&r), 0);
}

static void read_text_rejects_huge_declared_length(void **state)
{
	uint8_t in[] = { 0x7b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 'x' };
	struct cbor_reader r;
	struct cbor_head h;
	const uint8_t *s;

	(void)state;
	cbor_reader_init(&r, in, sizeof(in));
	assert_int_equal(cbor_read_head(&r, &h), WIRE_OK);
	assert_int_equal(cbor_read_text_bytes(&r, &h, &s), WIRE_ERR_UNEXPECTED_EOF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(encode_head_writes_shortest_head_at_every_boundary),
		cmocka_unit_test(read_head_decodes_every_boundary),
		cmocka_unit_test(read_head_accepts_every_width_for_small_values),
		cmocka_unit_test(encode_head_carries_the_major_type),
		cmocka_unit_test(read_head_rejects_majors_outside_subset),
		cmocka_unit_test(read_head_rejects_additional_28_to_31),
		cmocka_unit_test(read_head_rejects_argument_past_end),
		cmocka_unit_test(read_text_bytes_stays_inside_input),
		cmocka_unit_test(read_text_rejects_huge_declared_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
