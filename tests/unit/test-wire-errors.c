/*
 * test-wire-errors.c - error names, descriptions and log lines (errors.c).
 */
#include <ctype.h>

#include "wire-test.h"

/* The spec's names (wire-v1.md "Decoder errors"), in enum order. */
static const struct {
	enum wire_error code;
	const char *name;
} spec_names[] = {
	{ WIRE_OK, "Ok" },
	{ WIRE_ERR_SHORT_HEADER, "ShortHeader" },
	{ WIRE_ERR_FRAME_TOO_LARGE, "FrameTooLarge" },
	{ WIRE_ERR_FRAME_TRUNCATED, "FrameTruncated" },
	{ WIRE_ERR_UNEXPECTED_EOF, "UnexpectedEof" },
	{ WIRE_ERR_UNSUPPORTED_MAJOR, "UnsupportedMajor" },
	{ WIRE_ERR_UNSUPPORTED_ADDITIONAL, "UnsupportedAdditional" },
	{ WIRE_ERR_NOT_MAP5, "NotMap5" },
	{ WIRE_ERR_CONTENT_VERSION_MUST_BE_FIRST, "ContentVersionMustBeFirst" },
	{ WIRE_ERR_UNSUPPORTED_CONTENT_VERSION, "UnsupportedContentVersion" },
	{ WIRE_ERR_MISSING_FIELD, "MissingField" },
	{ WIRE_ERR_FIELD_TYPE, "FieldType" },
	{ WIRE_ERR_INTEGER_OVERFLOW, "IntegerOverflow" },
	{ WIRE_ERR_UNKNOWN_PROBE_SOURCE, "UnknownProbeSource" },
	{ WIRE_ERR_INVALID_UTF8, "InvalidUtf8" },
	{ WIRE_ERR_TRAILING_BYTES, "TrailingBytes" },
	{ WIRE_ERR_BUFFER_TOO_SMALL, "BufferTooSmall" },
};

static void every_error_has_its_spec_name(void **state)
{
	size_t i;

	(void)state;
	assert_int_equal(sizeof(spec_names) / sizeof(spec_names[0]), WIRE_ERR_COUNT);
	for (i = 0; i < WIRE_ERR_COUNT; i++)
		assert_string_equal(wire_error_name(spec_names[i].code),
				    spec_names[i].name);
}

static void every_error_has_a_one_line_description(void **state)
{
	int e, f;

	(void)state;
	for (e = 0; e < WIRE_ERR_COUNT; e++) {
		const char *d = wire_error_description((enum wire_error)e);
		size_t n = strlen(d);

		assert_true(n > 5);
		assert_null(strchr(d, '\n'));
		assert_true(islower((unsigned char)d[0]));
		assert_true(d[n - 1] != '.');
		/* and not shared with another error */
		for (f = 0; f < e; f++)
			assert_string_not_equal(d, wire_error_description((enum wire_error)f));
	}
}

static void out_of_range_error_is_unknown(void **state)
{
	(void)state;
	assert_string_equal(wire_error_name(WIRE_ERR_COUNT), "Unknown");
	assert_string_equal(wire_error_name((enum wire_error)-1), "Unknown");
	assert_non_null(wire_error_description(WIRE_ERR_COUNT));
	assert_non_null(wire_error_description((enum wire_error)12345));
}

static struct wire_error_detail detail(enum wire_error code,
				       enum wire_field field, uint64_t offset)
{
	struct wire_error_detail d = {
		.code = code, .field = field, .offset = offset,
		.major = WIRE_DETAIL_NONE, .additional = WIRE_DETAIL_NONE,
	};
	return d;
}

static void format_names_field_type_and_offset(void **state)
{
	struct wire_error_detail d = detail(WIRE_ERR_FIELD_TYPE,
					    WIRE_FIELD_GUEST_PID, 57);
	char buf[256];
	int n;

	(void)state;
	d.major = 3;
	d.additional = 2;
	n = wire_error_format(&d, buf, sizeof(buf));
	assert_string_equal(buf, "guest_pid: major type 3 (text) where 0 (uint) "
				 "is required, at offset 57");
	assert_int_equal(n, strlen(buf));
}

static void format_shows_values(void **state)
{
	struct wire_error_detail d = detail(WIRE_ERR_FRAME_TOO_LARGE,
					    WIRE_FIELD_NONE, 0);
	char buf[256];

	(void)state;
	d.has_value = true;
	d.value = 4097;
	wire_error_format(&d, buf, sizeof(buf));
	assert_string_equal(buf, "body length 4097 exceeds 4096, at offset 0");

	d = detail(WIRE_ERR_UNSUPPORTED_CONTENT_VERSION,
		   WIRE_FIELD_CONTENT_VERSION, 21);
	d.has_value = true;
	d.value = 0x0200;
	wire_error_format(&d, buf, sizeof(buf));
	assert_string_equal(buf, "content_version: version 0x0200 (major 2) "
				 "where major 1 is required, at offset 21");

	d = detail(WIRE_ERR_NOT_MAP5, WIRE_FIELD_NONE, 0);
	d.major = 5;
	d.additional = 4;
	d.has_value = true;
	d.value = 4;
	wire_error_format(&d, buf, sizeof(buf));
	assert_string_equal(buf, "map of 4 pairs where exactly 5 are required, "
				 "at offset 0");
}

static void format_works_for_every_code(void **state)
{
	char buf[256];
	int e;

	(void)state;
	for (e = 0; e < WIRE_ERR_COUNT; e++) {
		struct wire_error_detail d = detail((enum wire_error)e,
						    WIRE_FIELD_GUEST_COMM, 9);

		assert_true(wire_error_format(&d, buf, sizeof(buf)) > 0);
		assert_non_null(strstr(buf, "guest_comm: "));
	}
}

static void format_truncates_and_returns_full_length(void **state)
{
	struct wire_error_detail d = detail(WIRE_ERR_TRAILING_BYTES,
					    WIRE_FIELD_NONE, 103);
	char full[256];
	char *small;
	int n;
	size_t cap;

	(void)state;
	d.has_value = true;
	d.value = 2;
	n = wire_error_format(&d, full, sizeof(full));
	assert_string_equal(full, "2 bytes after the map, at offset 103");
	for (cap = 1; cap <= (size_t)n; cap++) {
		small = malloc(cap); /* exact size */
		assert_int_equal(wire_error_format(&d, small, cap), n);
		assert_int_equal(strlen(small), cap - 1);
		assert_memory_equal(small, full, cap - 1);
		free(small);
	}
	assert_int_equal(wire_error_format(&d, NULL, 0), n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_error_has_its_spec_name),
		cmocka_unit_test(every_error_has_a_one_line_description),
		cmocka_unit_test(out_of_range_error_is_unknown),
		cmocka_unit_test(format_names_field_type_and_offset),
		cmocka_unit_test(format_shows_values),
		cmocka_unit_test(format_works_for_every_code),
		cmocka_unit_test(format_truncates_and_returns_full_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
