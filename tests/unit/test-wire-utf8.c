/*
 * test-wire-utf8.c - the UTF-8 validator and the comm sanitizer (utf8.c).
 */
#include "wire-test.h"

#define FFFD "\xef\xbf\xbd"

static bool valid(const char *s, size_t len, size_t *bad)
{
	/* Exact-size copy: an overread is a valgrind/ASan error. */
	uint8_t *copy = malloc(len > 0 ? len : 1);
	bool ok;

	assert_non_null(copy);
	memcpy(copy, s, len);
	ok = wire_utf8_valid(copy, len, bad);
	free(copy);
	return ok;
}

static void expect_invalid_at(const char *s, size_t len, size_t at)
{
	size_t bad = 999;

	assert_false(valid(s, len, &bad));
	assert_int_equal(bad, at);
}

static void validator_accepts_every_sequence_length(void **state)
{
	(void)state;
	assert_true(valid("", 0, NULL));
	assert_true(valid("sh", 2, NULL));
	assert_true(valid("\x00", 1, NULL));          /* U+0000 is a character */
	assert_true(valid("\x7f", 1, NULL));
	assert_true(valid("\xc2\x80", 2, NULL));      /* U+0080 */
	assert_true(valid("\xdf\xbf", 2, NULL));      /* U+07FF */
	assert_true(valid("\xe0\xa0\x80", 3, NULL));  /* U+0800 */
	assert_true(valid("\xed\x9f\xbf", 3, NULL));  /* U+D7FF */
	assert_true(valid("\xee\x80\x80", 3, NULL));  /* U+E000 */
	assert_true(valid(FFFD, 3, NULL));
	assert_true(valid("\xf0\x90\x80\x80", 4, NULL)); /* U+10000 */
	assert_true(valid("\xf4\x8f\xbf\xbf", 4, NULL)); /* U+10FFFF */
	assert_true(valid("\xc3\xa9t\xc3\xa9", 5, NULL));
}

static void validator_rejects_overlong_forms(void **state)
{
	(void)state;
	expect_invalid_at("\xc0\x80", 2, 0);
	expect_invalid_at("a\xc1\xbf", 3, 1);
	expect_invalid_at("\xe0\x9f\xbf", 3, 0);
	expect_invalid_at("ab\xf0\x8f\xbf\xbf", 6, 2);
}

static void validator_rejects_surrogates(void **state)
{
	(void)state;
	expect_invalid_at("\xed\xa0\x80", 3, 0); /* U+D800 */
	expect_invalid_at("x\xed\xbf\xbf", 4, 1); /* U+DFFF */
}

static void validator_rejects_above_10ffff(void **state)
{
	(void)state;
	expect_invalid_at("\xf4\x90\x80\x80", 4, 0);
	expect_invalid_at("\xf5\x80\x80\x80", 4, 0);
	expect_invalid_at("\xff", 1, 0);
}

static void validator_rejects_truncated_sequences(void **state)
{
	(void)state;
	expect_invalid_at("\xc3", 1, 0);
	expect_invalid_at("ok\xe2\x82", 4, 2);
	expect_invalid_at("\xf0\x9f\x98", 3, 0);
	expect_invalid_at("\xe2\x82z", 3, 0);
	expect_invalid_at("\x80", 1, 0); /* lone continuation */
}

static void utf8_chars_counts_code_points(void **state)
{
	(void)state;
	assert_int_equal(wire_utf8_chars((const uint8_t *)"", 0), 0);
	assert_int_equal(wire_utf8_chars((const uint8_t *)"\xc3\xa9t\xc3\xa9", 5), 3);
	assert_int_equal(wire_utf8_chars((const uint8_t *)"\xf0\x9f\x98\x80z", 5), 2);
}

static size_t sanitize(const char *in, size_t len, char out[WIRE_COMM_MAX_BYTES + 1])
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	size_t n;

	assert_non_null(copy);
	memcpy(copy, in, len);
	memset(out, 'X', WIRE_COMM_MAX_BYTES + 1);
	n = wire_comm_sanitize(copy, len, out);
	free(copy);
	assert_true(n <= WIRE_COMM_MAX_BYTES);
	assert_int_equal(out[n], '\0');
	assert_true(wire_utf8_valid((const uint8_t *)out, n, NULL));
	assert_true(wire_utf8_chars((const uint8_t *)out, n) <= WIRE_COMM_MAX_CHARS);
	return n;
}

static void sanitize_replaces_each_invalid_byte_with_fffd(void **state)
{
	char out[WIRE_COMM_MAX_BYTES + 1];

	(void)state;
	assert_int_equal(sanitize("a\xffz", 3, out), 5);
	assert_string_equal(out, "a" FFFD "z");
	/* an overlong pair is two bad bytes */
	assert_int_equal(sanitize("\xc0\xaf", 2, out), 6);
	assert_string_equal(out, FFFD FFFD);
	/* a surrogate: three bad bytes */
	assert_string_equal((sanitize("\xed\xa0\x80", 3, out), out), FFFD FFFD FFFD);
	/* valid multi-byte text passes through unchanged */
	assert_string_equal((sanitize("\xc3\xa9t\xc3\xa9", 5, out), out),
			    "\xc3\xa9t\xc3\xa9");
}

static void sanitize_keeps_4_byte_char_ending_at_the_cut(void **state)
{
	char out[WIRE_COMM_MAX_BYTES + 1];
	const char *in = "abcdefghijklmno\xf0\x9f\x98\x80" "p";

	(void)state;
	/* 15 ASCII + U+1F600 = 16 characters: the emoji is the 16th, "p"
	 * the 17th and is cut. */
	assert_int_equal(sanitize(in, strlen(in), out), 19);
	assert_string_equal(out, "abcdefghijklmno\xf0\x9f\x98\x80");
}

static void sanitize_drops_4_byte_char_straddling_the_cut(void **state)
{
	char out[WIRE_COMM_MAX_BYTES + 1];
	const char *in = "abcdefghijklmnop\xf0\x9f\x98\x80";

	(void)state;
	/* 16 ASCII then a 4-byte character: it would be the 17th, so none
	 * of its bytes survive. */
	assert_int_equal(sanitize(in, strlen(in), out), 16);
	assert_string_equal(out, "abcdefghijklmnop");
}

static void sanitize_replaces_4_byte_char_cut_by_the_kernel(void **state)
{
	char out[WIRE_COMM_MAX_BYTES + 1];
	/* The kernel cuts comm at 15 bytes, here inside U+1F600: its first
	 * two bytes are a truncated sequence, each byte becomes U+FFFD. */
	const char *in = "abcdefghijklm\xf0\x9f";

	(void)state;
	assert_int_equal(sanitize(in, 15, out), 13 + 6);
	assert_string_equal(out, "abcdefghijklm" FFFD FFFD);
}

static void sanitize_keeps_15_bytes_of_ascii(void **state)
{
	char out[WIRE_COMM_MAX_BYTES + 1];

	(void)state;
	assert_int_equal(sanitize("cellos-telemetr", 15, out), 15);
	assert_string_equal(out, "cellos-telemetr");
}

static void sanitize_cuts_at_16_characters(void **state)
{
	char out[WIRE_COMM_MAX_BYTES + 1];
	char in[40];

	(void)state;
	memset(in, 0xff, sizeof(in));
	/* 40 invalid bytes -> 16 replacement characters, 48 bytes */
	assert_int_equal(sanitize(in, sizeof(in), out), 48);
	assert_int_equal(wire_utf8_chars((const uint8_t *)out, 48), 16);
}

static void sanitize_of_empty_comm_is_empty(void **state)
{
	char out[WIRE_COMM_MAX_BYTES + 1];

	(void)state;
	assert_int_equal(sanitize("", 0, out), 0);
	assert_string_equal(out, "");
	assert_int_equal(wire_comm_sanitize(NULL, 0, out), 0);
	assert_string_equal(out, "");
}

static void sanitize_stops_at_nul(void **state)
{
	char out[WIRE_COMM_MAX_BYTES + 1];

	(void)state;
	/* a kernel comm buffer: NUL-padded to 16 bytes */
	assert_int_equal(sanitize("sh\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16, out), 2);
	assert_string_equal(out, "sh");
}

static void set_comm_fills_event(void **state)
{
	struct wire_event ev;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	wire_event_set_comm(&ev, "a\x80", 2);
	assert_int_equal(ev.comm_len, 4);
	assert_string_equal(ev.comm, "a" FFFD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(validator_accepts_every_sequence_length),
		cmocka_unit_test(validator_rejects_overlong_forms),
		cmocka_unit_test(validator_rejects_surrogates),
		cmocka_unit_test(validator_rejects_above_10ffff),
		cmocka_unit_test(validator_rejects_truncated_sequences),
		cmocka_unit_test(utf8_chars_counts_code_points),
		cmocka_unit_test(sanitize_replaces_each_invalid_byte_with_fffd),
		cmocka_unit_test(sanitize_keeps_4_byte_char_ending_at_the_cut),
		cmocka_unit_test(sanitize_drops_4_byte_char_straddling_the_cut),
		cmocka_unit_test(sanitize_replaces_4_byte_char_cut_by_the_kernel),
		cmocka_unit_test(sanitize_keeps_15_bytes_of_ascii),
		cmocka_unit_test(sanitize_cuts_at_16_characters),
		cmocka_unit_test(sanitize_of_empty_comm_is_empty),
		cmocka_unit_test(sanitize_stops_at_nul),
		cmocka_unit_test(set_comm_fills_event),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
