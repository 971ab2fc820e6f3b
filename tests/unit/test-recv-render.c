/* test-recv-render.c - the receiver's JSON lines (render.c). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cellos_wire.h"
#include "recv/render.h"

#define STAMP "2026-11-28T10:39:28.123456789Z"

static char line[RECV_LINE_MAX_BYTES];

static struct wire_event spawned(const char *comm)
{
	struct wire_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.content_version = WIRE_CONTENT_VERSION;
	ev.probe = WIRE_PROBE_PROCESS_SPAWNED;
	ev.pid = 42;
	ev.comm_len = (uint8_t)strlen(comm);
	memcpy(ev.comm, comm, ev.comm_len + 1);
	ev.monotonic_ns = 1000000000;
	return ev;
}

static void frame_line_has_stamp_connection_and_wire_fields(void **state)
{
	struct wire_event ev = spawned("sh");
	const char *want =
		"{\"host_received_at\":\"" STAMP "\",\"connection\":3,"
		"\"content_version\":256,\"probe_source\":\"process.spawned\","
		"\"guest_pid\":42,\"guest_comm\":\"sh\","
		"\"guest_monotonic_ns\":1000000000}\n";
	(void)state;
	size_t n = recv_render_frame(line, sizeof(line), STAMP, 3, &ev, "", 0);
	assert_int_equal(n, strlen(want));
	assert_string_equal(line, want);
}

static void suffix_escapes_ids_and_ends_frame_lines(void **state)
{
	char suffix[RECV_SUFFIX_BYTES];
	struct wire_event ev = spawned("a");
	(void)state;
	size_t s = recv_render_suffix(suffix, sizeof(suffix), "c\"1\\", "r\x01");
	assert_string_equal(suffix, ",\"cell_id\":\"c\\\"1\\\\\",\"run_id\":\"r\\u0001\"");
	assert_int_equal(s, strlen(suffix));
	size_t n = recv_render_frame(line, sizeof(line), STAMP, 0, &ev, suffix, s);
	assert_true(n > 0);
	const char *tail = ",\"guest_monotonic_ns\":1000000000,\"cell_id\":\"c\\\"1\\\\\",\"run_id\":\"r\\u0001\"}\n";
	assert_string_equal(line + n - strlen(tail), tail);
}

static void suffix_with_no_ids_is_empty(void **state)
{
	char suffix[RECV_SUFFIX_BYTES];
	(void)state;
	assert_int_equal(recv_render_suffix(suffix, sizeof(suffix), NULL, NULL), 0);
	assert_string_equal(suffix, "");
	assert_int_equal(recv_render_suffix(suffix, sizeof(suffix), NULL, "r"),
			 strlen(",\"run_id\":\"r\""));
}

static void longest_ids_fit_the_suffix(void **state)
{
	char id[RECV_ID_MAX_BYTES + 1];
	char suffix[RECV_SUFFIX_BYTES];
	(void)state;
	memset(id, '\x1f', RECV_ID_MAX_BYTES); /* each escapes to 6 bytes */
	id[RECV_ID_MAX_BYTES] = '\0';
	size_t s = recv_render_suffix(suffix, sizeof(suffix), id, id);
	assert_true(s != SIZE_MAX);
	assert_int_equal(s, 2 * RECV_ID_MAX_BYTES * 6 + strlen(",\"cell_id\":\"\",\"run_id\":\"\""));
}

static void longest_frame_line_fits_the_line_bound(void **state)
{
	char id[RECV_ID_MAX_BYTES + 1];
	char suffix[RECV_SUFFIX_BYTES];
	char comm[WIRE_COMM_MAX_CHARS + 1];
	(void)state;
	memset(id, '"', RECV_ID_MAX_BYTES);
	id[RECV_ID_MAX_BYTES] = '\0';
	memset(comm, '\x01', WIRE_COMM_MAX_CHARS);
	comm[WIRE_COMM_MAX_CHARS] = '\0';
	struct wire_event ev = spawned(comm);
	ev.pid = UINT32_MAX;
	ev.monotonic_ns = UINT64_MAX;
	size_t s = recv_render_suffix(suffix, sizeof(suffix), id, id);
	assert_true(s != SIZE_MAX);
	assert_true(recv_render_frame(line, sizeof(line), STAMP, UINT64_MAX,
				      &ev, suffix, s) > 0);
}

static void error_line_names_error_detail_and_offset(void **state)
{
	struct wire_error_detail d;
	(void)state;
	memset(&d, 0, sizeof(d));
	d.code = WIRE_ERR_UNKNOWN_PROBE_SOURCE;
	d.field = WIRE_FIELD_PROBE_SOURCE;
	d.offset = 1234;
	d.major = WIRE_DETAIL_NONE;
	d.additional = WIRE_DETAIL_NONE;
	size_t n = recv_render_error(line, sizeof(line), STAMP, 2, &d);
	assert_true(n > 0);
	const char *head = "{\"host_received_at\":\"" STAMP "\",\"connection\":2,"
			   "\"error\":\"UnknownProbeSource\",\"detail\":\"";
	assert_memory_equal(line, head, strlen(head));
	const char *tail = "\",\"offset\":1234}\n";
	assert_int_equal(n, strlen(line));
	assert_string_equal(line + n - strlen(tail), tail);
	/* the detail is the library's text, whole */
	char detail[RECV_DETAIL_BYTES];
	wire_error_format(&d, detail, sizeof(detail));
	assert_non_null(strstr(line, detail));
}

static void silence_line_has_event_and_seconds(void **state)
{
	(void)state;
	size_t n = recv_render_silence(line, sizeof(line), STAMP, 7, 10);
	const char *want = "{\"host_received_at\":\"" STAMP "\",\"connection\":7,"
			   "\"event\":\"agent_silenced\",\"silent_for_s\":10}\n";
	assert_int_equal(n, strlen(want));
	assert_string_equal(line, want);
}

static void too_small_buffers_fail_without_overrun(void **state)
{
	struct wire_event ev = spawned("sh");
	char small[64];
	(void)state;
	for (size_t cap = 0; cap < sizeof(small); cap++) {
		memset(small, 'Z', sizeof(small));
		assert_int_equal(recv_render_frame(small, cap, STAMP, 1, &ev, "", 0), 0);
		assert_int_equal(recv_render_silence(small, cap > 40 ? 40 : cap, STAMP, 1, 1), 0);
		for (size_t i = cap; i < sizeof(small); i++)
			assert_int_equal(small[i], 'Z');
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(frame_line_has_stamp_connection_and_wire_fields),
		cmocka_unit_test(suffix_escapes_ids_and_ends_frame_lines),
		cmocka_unit_test(suffix_with_no_ids_is_empty),
		cmocka_unit_test(longest_ids_fit_the_suffix),
		cmocka_unit_test(longest_frame_line_fits_the_line_bound),
		cmocka_unit_test(error_line_names_error_detail_and_offset),
		cmocka_unit_test(silence_line_has_event_and_seconds),
		cmocka_unit_test(too_small_buffers_fail_without_overrun),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
