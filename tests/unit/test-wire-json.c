/*
 * test-wire-json.c - JSON rendering of events and strings (json.c).
 *
 * Expected strings are written by hand from RFC 8259 section 7; a small
 * independent unescaper written here checks that what comes out is a
 * valid JSON string body that means the input.
 */
#include "wire-test.h"

/* Escape into an exact-size heap buffer (so an overrun is caught). */
static size_t escape(const char *s, size_t len, char *out, size_t cap)
{
	char *buf = malloc(cap > 0 ? cap : 1);
	size_t n;

	assert_non_null(buf);
	n = wire_json_escape(s, len, buf, cap);
	if (n != SIZE_MAX) {
		assert_true(n < cap);
		assert_int_equal(buf[n], '\0');
		memcpy(out, buf, n + 1);
	}
	free(buf);
	return n;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* RFC 8259 string body -> UTF-8.  Returns the length, or -1 when the body
 * is not valid JSON (raw control character, raw quote, bad escape).
 * Enough for what the library emits: \uXXXX below U+10000. */
static long json_unescape(const char *in, char *out)
{
	long n = 0;
	int i, v;
	unsigned cp;

	while (*in != '\0') {
		unsigned char c = (unsigned char)*in++;

		if (c < 0x20 || c == '"')
			return -1;
		if (c != '\\') {
			out[n++] = (char)c;
			continue;
		}
		c = (unsigned char)*in++;
		switch (c) {
		case '"': out[n++] = '"'; break;
		case '\\': out[n++] = '\\'; break;
		case '/': out[n++] = '/'; break;
		case 'b': out[n++] = '\b'; break;
		case 'f': out[n++] = '\f'; break;
		case 'n': out[n++] = '\n'; break;
		case 'r': out[n++] = '\r'; break;
		case 't': out[n++] = '\t'; break;
		case 'u':
			cp = 0;
			for (i = 0; i < 4; i++) {
				if ((v = hexval(*in++)) < 0)
					return -1;
				cp = cp << 4 | (unsigned)v;
			}
			if (cp >= 0xd800 && cp <= 0xdfff)
				return -1; /* never emitted */
			if (cp < 0x80) {
				out[n++] = (char)cp;
			} else if (cp < 0x800) {
				out[n++] = (char)(0xc0 | cp >> 6);
				out[n++] = (char)(0x80 | (cp & 0x3f));
			} else {
				out[n++] = (char)(0xe0 | cp >> 12);
				out[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
				out[n++] = (char)(0x80 | (cp & 0x3f));
			}
			break;
		default:
			return -1;
		}
	}
	return n;
}

static void expect_escape(const char *in, size_t len, const char *want)
{
	char out[512], back[512];
	size_t n = escape(in, len, out, sizeof(out));

	assert_int_equal(n, strlen(want));
	assert_string_equal(out, want);
	assert_int_equal(json_unescape(out, back), (long)len);
	assert_memory_equal(back, in, len);
}

static void escape_quotes_and_backslash(void **state)
{
	(void)state;
	expect_escape("a\"b\\c", 5, "a\\\"b\\\\c");
	expect_escape("\"", 1, "\\\"");
	expect_escape("/", 1, "/"); /* solidus needs no escape */
}

static void escape_control_characters_as_u00xx(void **state)
{
	(void)state;
	expect_escape("\x01\n\t\x1f", 4, "\\u0001\\u000a\\u0009\\u001f");
	expect_escape("a\0b", 3, "a\\u0000b");
	expect_escape("\x7f", 1, "\\u007f");
	expect_escape(" ~", 2, " ~"); /* the printable edges stay raw */
}

static void escape_passes_valid_utf8_through(void **state)
{
	(void)state;
	expect_escape("\xef\xbf\xbd", 3, "\xef\xbf\xbd"); /* U+FFFD */
	expect_escape("\xc3\xa9t\xc3\xa9", 5, "\xc3\xa9t\xc3\xa9");
	expect_escape("\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80");
	expect_escape("", 0, "");
}

static void escape_turns_invalid_bytes_into_ufffd(void **state)
{
	char out[64], back[64];

	(void)state;
	assert_int_equal(escape("a\xff", 2, out, sizeof(out)), 7);
	assert_string_equal(out, "a\\ufffd");
	assert_int_equal(json_unescape(out, back), 4);
	assert_memory_equal(back, "a\xef\xbf\xbd", 4);
	assert_int_equal(escape("\xe2\x82", 2, out, sizeof(out)), 12);
	assert_string_equal(out, "\\ufffd\\ufffd");
}

static void escape_reports_overflow_without_overrun(void **state)
{
	char out[64];
	size_t cap;

	(void)state;
	/* "a\"" escapes to 3 bytes, plus the NUL: 4 */
	for (cap = 0; cap < 4; cap++)
		assert_true(escape("a\"", 2, out, cap) == SIZE_MAX);
	assert_int_equal(escape("a\"", 2, out, 4), 3);
	assert_string_equal(out, "a\\\"");
	/* a 6-byte escape must fit whole */
	for (cap = 0; cap < 7; cap++)
		assert_true(escape("\x01", 1, out, cap) == SIZE_MAX);
	assert_int_equal(escape("\x01", 1, out, 7), 6);
}

static void event_to_json_renders_spec_vector_1(void **state)
{
	struct wire_event ev = make_event(WIRE_PROBE_PROCESS_SPAWNED, 42, "sh",
					  1000000000ULL);
	const char *want = "\"content_version\":256,"
			   "\"probe_source\":\"process.spawned\","
			   "\"guest_pid\":42,\"guest_comm\":\"sh\","
			   "\"guest_monotonic_ns\":1000000000";
	char buf[WIRE_JSON_MAX_BYTES];

	(void)state;
	assert_int_equal(wire_event_to_json(&ev, buf, sizeof(buf)), strlen(want));
	assert_string_equal(buf, want);
}

static void event_to_json_escapes_comm(void **state)
{
	struct wire_event ev = make_event(WIRE_PROBE_PROCESS_EXITED, 4294967295U,
					  "q\"\\\x1b", 18446744073709551615ULL);
	const char *want = "\"content_version\":256,"
			   "\"probe_source\":\"process.exited\","
			   "\"guest_pid\":4294967295,\"guest_comm\":\"q\\\"\\\\\\u001b\","
			   "\"guest_monotonic_ns\":18446744073709551615";
	char buf[WIRE_JSON_MAX_BYTES];

	(void)state;
	assert_int_equal(wire_event_to_json(&ev, buf, sizeof(buf)), strlen(want));
	assert_string_equal(buf, want);
}

static void event_to_json_reports_small_buffer(void **state)
{
	struct wire_event ev = make_event(WIRE_PROBE_FS_INOTIFY_FIRED, 7, "a\tb", 1);
	char full[WIRE_JSON_MAX_BYTES];
	size_t need = wire_event_to_json(&ev, full, sizeof(full)), cap;

	(void)state;
	assert_true(need > 0);
	for (cap = 0; cap <= need; cap++) {
		char *buf = malloc(cap > 0 ? cap : 1);

		assert_int_equal(wire_event_to_json(&ev, buf, cap), 0);
		free(buf);
	}
	{
		char *buf = malloc(need + 1);

		assert_int_equal(wire_event_to_json(&ev, buf, need + 1), need);
		assert_string_equal(buf, full);
		free(buf);
	}
	ev.probe = WIRE_PROBE_COUNT;
	assert_int_equal(wire_event_to_json(&ev, full, sizeof(full)), 0);
}

static void event_to_json_worst_case_fits_max_bytes(void **state)
{
	struct wire_event ev = make_event(WIRE_PROBE_NET_CONNECT_ATTEMPTED,
					  UINT32_MAX,
					  "\x01\x02\x03\x04\x05\x06\x07\x08"
					  "\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10",
					  UINT64_MAX);
	char buf[WIRE_JSON_MAX_BYTES];

	(void)state;
	ev.content_version = UINT16_MAX;
	assert_true(wire_event_to_json(&ev, buf, sizeof(buf)) > 0);
}

static void escaped_random_comms_unescape_to_themselves(void **state)
{
	struct prng p = { 0x15a7 };
	char out[512], back[512];
	unsigned long i;

	(void)state;
	for (i = 0; i < 10000; i++) {
		struct wire_event ev;
		uint8_t raw[24];
		size_t k, n = (size_t)prng_below(&p, sizeof(raw) + 1);

		for (k = 0; k < n; k++)
			raw[k] = (uint8_t)prng_next(&p);
		wire_event_set_comm(&ev, raw, n);
		assert_true(escape(ev.comm, ev.comm_len, out, sizeof(out)) != SIZE_MAX);
		assert_int_equal(json_unescape(out, back), ev.comm_len);
		assert_memory_equal(back, ev.comm, ev.comm_len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escape_quotes_and_backslash),
		cmocka_unit_test(escape_control_characters_as_u00xx),
		cmocka_unit_test(escape_passes_valid_utf8_through),
		cmocka_unit_test(escape_turns_invalid_bytes_into_ufffd),
		cmocka_unit_test(escape_reports_overflow_without_overrun),
		cmocka_unit_test(event_to_json_renders_spec_vector_1),
		cmocka_unit_test(event_to_json_escapes_comm),
		cmocka_unit_test(event_to_json_reports_small_buffer),
		cmocka_unit_test(event_to_json_worst_case_fits_max_bytes),
		cmocka_unit_test(escaped_random_comms_unescape_to_themselves),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
