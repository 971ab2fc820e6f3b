/* test-recv-text.c - the text format's lines (text.c).  The expected
 * lines are written out from the column widths text.h promises. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cellos_wire.h"
#include "recv/text.h"

#define CLOCK "10:39:28.123"

static char line[RECV_TEXT_LINE_MAX_BYTES];

static struct wire_event event(enum wire_probe p, uint32_t pid,
			       const char *comm, size_t len)
{
	struct wire_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.content_version = WIRE_CONTENT_VERSION;
	ev.probe = p;
	ev.pid = pid;
	ev.comm_len = (uint8_t)len;
	memcpy(ev.comm, comm, len);
	ev.comm[len] = '\0';
	ev.monotonic_ns = 1;
	return ev;
}

static const char *frame(enum wire_probe p, uint32_t pid, const char *comm,
			 size_t len, bool color)
{
	struct wire_event ev = event(p, pid, comm, len);
	size_t n = recv_text_frame(line, sizeof(line), CLOCK, 3, &ev, color);
	assert_true(n > 0);
	assert_int_equal(n, strlen(line));
	return line;
}

/* Drop ESC [ ... m sequences. */
static void strip_sgr(const char *in, char *out)
{
	while (*in) {
		if (in[0] == '\033' && in[1] == '[') {
			in += 2;
			while (*in && *in != 'm')
				in++;
			if (*in)
				in++;
			continue;
		}
		*out++ = *in++;
	}
	*out = '\0';
}

static void frame_columns_are_clock_conn_event_pid_comm(void **state)
{
	(void)state;
	/* 12 + 1 + 5 + 1 + 7 + 1 + 10 + 1, then the comm */
	assert_string_equal(frame(WIRE_PROBE_PROCESS_SPAWNED, 42, "sh", 2, false),
			    "10:39:28.123     3 spawn           42 sh\n");
	assert_string_equal(frame(WIRE_PROBE_PROCESS_EXITED, 4294967295u, "", 0, false),
			    "10:39:28.123     3 exit    4294967295 \n");
	assert_string_equal(frame(WIRE_PROBE_NET_CONNECT_ATTEMPTED, 0, "curl", 4, false),
			    "10:39:28.123     3 connect          0 curl\n");
}

static void probes_have_short_names(void **state)
{
	(void)state;
	assert_string_equal(recv_text_probe(WIRE_PROBE_PROCESS_SPAWNED), "spawn");
	assert_string_equal(recv_text_probe(WIRE_PROBE_PROCESS_EXITED), "exit");
	assert_string_equal(recv_text_probe(WIRE_PROBE_CAPABILITY_DENIED), "denied");
	assert_string_equal(recv_text_probe(WIRE_PROBE_FS_INOTIFY_FIRED), "fs");
	assert_string_equal(recv_text_probe(WIRE_PROBE_NET_CONNECT_ATTEMPTED), "connect");
	assert_string_equal(recv_text_probe(WIRE_PROBE_COUNT), "?");
}

static void header_names_the_same_columns(void **state)
{
	(void)state;
	assert_true(recv_text_header(line, sizeof(line), false) > 0);
	assert_string_equal(line, "TIME          CONN EVENT          PID COMM/DETAIL\n");
	/* Each title ends where its column ends in a frame line: the
	 * connection at 12 + 1 + 5, the pid at 18 + 1 + 7 + 1 + 10, the comm
	 * starts one further. */
	char hdr[128];
	recv_text_header(hdr, sizeof(hdr), false);
	const char *f = frame(WIRE_PROBE_PROCESS_SPAWNED, 42, "sh", 2, false);
	assert_memory_equal(hdr + 18 - 4, "CONN", 4);
	assert_int_equal(f[18 - 1], '3');
	assert_memory_equal(hdr + 37 - 3, "PID", 3);
	assert_memory_equal(f + 37 - 2, "42", 2);
	assert_memory_equal(hdr + 38, "COMM", 4);
	assert_memory_equal(f + 38, "sh", 2);
}

static void wide_numbers_push_never_cut(void **state)
{
	struct wire_event ev = event(WIRE_PROBE_PROCESS_SPAWNED, 7, "a", 1);
	(void)state;
	recv_text_frame(line, sizeof(line), CLOCK, 1234567, &ev, false);
	assert_string_equal(line, "10:39:28.123 1234567 spawn            7 a\n");
}

struct esc_case {
	const char *in;
	size_t len;
	const char *want;
};

static void comm_is_escaped(void **state)
{
	static const struct esc_case cases[] = {
		{ "plain", 5, "plain" },
		{ "a\\b", 3, "a\\\\b" },
		{ "\033[31mred", 8, "\\x1b[31mred" },
		{ "t\tn\nr\r", 6, "t\\x09n\\x0ar\\x0d" },
		{ "nul\0x", 5, "nul\\x00x" },
		{ "del\x7f", 4, "del\\x7f" },
		{ "\xc2\x85" "c1", 4, "\\u0085c1" },           /* NEL */
		{ "\xe2\x80\xae" "evil", 7, "\\u202eevil" },    /* RLO */
		{ "\xe2\x80\xa8", 3, "\\u2028" },               /* LS */
		{ "\xe2\x81\xa6" "x", 4, "\\u2066x" },          /* LRI */
		{ "\xe2\x80\x8b", 3, "\\u200b" },               /* ZWSP */
		{ "\xef\xbb\xbf", 3, "\\ufeff" },               /* BOM */
		{ "\xd8\x9c", 2, "\\u061c" },                   /* ALM */
		{ "\xc3\xa9t\xc3\xa9", 5, "\xc3\xa9t\xc3\xa9" }, /* kept */
		{ "\xe4\xb8\xad\xf0\x9f\x98\x80", 7, "\xe4\xb8\xad\xf0\x9f\x98\x80" },
		{ "\xef\xbf\xbd", 3, "\xef\xbf\xbd" },          /* U+FFFD kept */
		/* not UTF-8: each byte on its own */
		{ "\xff" "a", 2, "\\xffa" },
		{ "\xe2\x80", 2, "\\xe2\\x80" },
		{ "\xc0\xaf", 2, "\\xc0\\xaf" },
		{ "\xed\xa0\x80", 3, "\\xed\\xa0\\x80" },
	};
	char out[RECV_TEXT_COMM_BYTES];
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = recv_text_escape(cases[i].in, cases[i].len, out, sizeof(out));
		if (n == SIZE_MAX || strcmp(out, cases[i].want) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, out, cases[i].want);
		assert_int_equal(n, strlen(cases[i].want));
	}
}

static void frame_comm_is_escaped_by_its_length(void **state)
{
	(void)state;
	assert_string_equal(frame(WIRE_PROBE_PROCESS_SPAWNED, 1, "a\0\033", 3, false),
			    "10:39:28.123     3 spawn            1 a\\x00\\x1b\n");
}

static void worst_comm_fits_the_bounds(void **state)
{
	char comm[WIRE_COMM_MAX_BYTES];
	char out[RECV_TEXT_COMM_BYTES];
	(void)state;
	memset(comm, 0x01, sizeof(comm));
	assert_int_equal(recv_text_escape(comm, sizeof(comm), out, sizeof(out)),
			 RECV_TEXT_COMM_BYTES - 1);
	/* one byte short: refused, not cut */
	assert_true(recv_text_escape(comm, sizeof(comm), out, sizeof(out) - 1) == SIZE_MAX);
	struct wire_event ev = event(WIRE_PROBE_CAPABILITY_DENIED, 4294967295u,
				     comm, sizeof(comm));
	assert_true(recv_text_frame(line, sizeof(line), CLOCK, UINT64_MAX, &ev, true) > 0);
}

static void small_buffers_give_zero(void **state)
{
	struct wire_event ev = event(WIRE_PROBE_PROCESS_SPAWNED, 42, "sh", 2);
	const char *want = "10:39:28.123     3 spawn           42 sh\n";
	(void)state;
	assert_int_equal(recv_text_frame(line, strlen(want) - 1, CLOCK, 3, &ev, false), 0);
	/* exactly the line, without room for the NUL: still whole */
	assert_int_equal(recv_text_frame(line, strlen(want), CLOCK, 3, &ev, false),
			 strlen(want));
	assert_memory_equal(line, want, strlen(want));
}

static void color_wraps_words_and_keeps_columns(void **state)
{
	char plain[RECV_TEXT_LINE_MAX_BYTES], stripped[RECV_TEXT_LINE_MAX_BYTES];
	(void)state;
	for (int p = 0; p < WIRE_PROBE_COUNT; p++) {
		strcpy(plain, frame((enum wire_probe)p, 9, "x", 1, false));
		frame((enum wire_probe)p, 9, "x", 1, true);
		assert_non_null(strstr(line, "\033["));
		strip_sgr(line, stripped);
		assert_string_equal(stripped, plain);
	}
	/* a comm's own escape sequence is shown, never passed through */
	frame(WIRE_PROBE_PROCESS_SPAWNED, 9, "\033[2J", 4, true);
	assert_null(strstr(line, "\033[2J"));
	assert_non_null(strstr(line, "\\x1b[2J"));
}

static void error_silence_and_connection_lines(void **state)
{
	struct wire_error_detail d;
	char detail[256];
	char want[512];
	(void)state;

	memset(&d, 0, sizeof(d));
	d.code = WIRE_ERR_UNKNOWN_PROBE_SOURCE;
	d.field = WIRE_FIELD_PROBE_SOURCE;
	d.offset = 339;
	d.major = d.additional = WIRE_DETAIL_NONE;
	d.has_value = true;
	d.value = 4;
	wire_error_format(&d, detail, sizeof(detail));
	assert_non_null(strstr(detail, "339")); /* the offset is in the detail */
	snprintf(want, sizeof(want),
		 "10:39:28.123     3 error            - UnknownProbeSource: %s\n",
		 detail);
	assert_true(recv_text_error(line, sizeof(line), CLOCK, 3, &d, false) > 0);
	assert_string_equal(line, want);

	assert_true(recv_text_silence(line, sizeof(line), CLOCK, 3, 10, false) > 0);
	assert_string_equal(line, "10:39:28.123     3 silent           - no frame for 10 s\n");
	assert_true(recv_text_conn_open(line, sizeof(line), CLOCK, 3, false) > 0);
	assert_string_equal(line, "10:39:28.123     3 open             - connection opened\n");
	assert_true(recv_text_conn_close(line, sizeof(line), CLOCK, 3, "end of stream",
					 1, 1, false) > 0);
	assert_string_equal(line, "10:39:28.123     3 close            - connection closed (end of stream): 1 frame, 1 byte\n");
	assert_true(recv_text_conn_close(line, sizeof(line), CLOCK, 3, "a\nb", 2, 300,
					 false) > 0);
	assert_string_equal(line, "10:39:28.123     3 close            - connection closed (a\\x0ab): 2 frames, 300 bytes\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(frame_columns_are_clock_conn_event_pid_comm),
		cmocka_unit_test(probes_have_short_names),
		cmocka_unit_test(header_names_the_same_columns),
		cmocka_unit_test(wide_numbers_push_never_cut),
		cmocka_unit_test(comm_is_escaped),
		cmocka_unit_test(frame_comm_is_escaped_by_its_length),
		cmocka_unit_test(worst_comm_fits_the_bounds),
		cmocka_unit_test(small_buffers_give_zero),
		cmocka_unit_test(color_wraps_words_and_keeps_columns),
		cmocka_unit_test(error_silence_and_connection_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
