/*
 * test-agent-pump.c - pump_emit (src/agent/pump.c): timestamp clamping, comm
 * sanitizing, the frame and JSON records, drop counting.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "agent/pump.h"
#include "agent/stats.h"
#include "cellos_wire.h"

#define MAX_RECS 16

static struct {
	uint8_t rec[MAX_RECS][WIRE_MAX_FRAME_BYTES];
	size_t len[MAX_RECS];
	size_t n;
	bool refuse;
} S;

static bool fake_push(void *ctx, const uint8_t *rec, size_t len)
{
	(void)ctx;
	if (S.refuse)
		return false;
	assert_true(S.n < MAX_RECS);
	assert_true(len <= WIRE_MAX_FRAME_BYTES);
	memcpy(S.rec[S.n], rec, len);
	S.len[S.n++] = len;
	return true;
}

static int setup(void **state)
{
	(void)state;
	memset(&S, 0, sizeof(S));
	stats_reset();
	return 0;
}

static void decode(size_t i, struct wire_event *ev)
{
	size_t consumed = 0;

	assert_true(i < S.n);
	assert_int_equal(wire_decode_frame(S.rec[i], S.len[i], ev, &consumed, NULL), WIRE_OK);
	assert_int_equal(consumed, S.len[i]);
}

static void timestamps_are_clamped_strictly_increasing(void **state)
{
	struct pump p;
	uint64_t in[] = { 100, 100, 50, 200, 199, 1000 };
	uint64_t want[] = { 100, 101, 102, 200, 201, 1000 };

	(void)state;
	pump_init(&p, PUMP_FORMAT_FRAMES, fake_push, NULL);
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		pump_emit(&p, WIRE_PROBE_PROCESS_SPAWNED, 1, "a", 1, in[i]);
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		struct wire_event ev;
		decode(i, &ev);
		assert_int_equal(ev.monotonic_ns, want[i]);
	}
}

static void zero_timestamp_takes_the_clock(void **state)
{
	struct pump p;
	uint64_t before = clock_now_ns();

	(void)state;
	pump_init(&p, PUMP_FORMAT_FRAMES, fake_push, NULL);
	uint64_t a = pump_clamp_ts(&p, 0);
	assert_true(a >= before);
	/* An older stamp after it still goes up. */
	uint64_t b = pump_clamp_ts(&p, 1);
	assert_int_equal(b, a + 1);
}

static void clamp_saturates_at_the_top(void **state)
{
	struct pump p;

	(void)state;
	pump_init(&p, PUMP_FORMAT_FRAMES, fake_push, NULL);
	assert_int_equal(pump_clamp_ts(&p, UINT64_MAX), UINT64_MAX);
	assert_int_equal(pump_clamp_ts(&p, 5), UINT64_MAX);
}

static void comm_is_sanitized_into_a_valid_frame(void **state)
{
	struct pump p;
	struct wire_event ev;
	const char raw[] = "\xff\x01\xc3(abcdefghijklmnopqrstuvwxyz";

	(void)state;
	pump_init(&p, PUMP_FORMAT_FRAMES, fake_push, NULL);
	pump_emit(&p, WIRE_PROBE_PROCESS_EXITED, 77, raw, sizeof(raw) - 1, 5);
	decode(0, &ev);
	assert_int_equal(ev.probe, WIRE_PROBE_PROCESS_EXITED);
	assert_int_equal(ev.pid, 77);
	assert_true(wire_utf8_valid((const uint8_t *)ev.comm, ev.comm_len, NULL));
	assert_int_equal(wire_utf8_chars((const uint8_t *)ev.comm, ev.comm_len), WIRE_COMM_MAX_CHARS);
	/* U+FFFD for the bad bytes, the control byte kept (JSON escapes it) */
	assert_memory_equal(ev.comm, "\xef\xbf\xbd\x01\xef\xbf\xbd(", 8);
	assert_int_equal(stats_get(STAT_PRODUCED), 1);
}

static void json_format_writes_one_object_per_line(void **state)
{
	struct pump p;

	(void)state;
	pump_init(&p, PUMP_FORMAT_JSON, fake_push, NULL);
	pump_emit(&p, WIRE_PROBE_PROCESS_SPAWNED, 42, "sh", 2, 1000000000);
	assert_int_equal(S.n, 1);
	S.rec[0][S.len[0]] = '\0';
	assert_string_equal((char *)S.rec[0],
		"{\"content_version\":256,\"probe_source\":\"process.spawned\","
		"\"guest_pid\":42,\"guest_comm\":\"sh\",\"guest_monotonic_ns\":1000000000}\n");
}

static void refused_push_is_counted_as_queue_full(void **state)
{
	struct pump p;

	(void)state;
	pump_init(&p, PUMP_FORMAT_FRAMES, fake_push, NULL);
	S.refuse = true;
	pump_emit(&p, WIRE_PROBE_PROCESS_SPAWNED, 1, "x", 1, 1);
	pump_emit(&p, WIRE_PROBE_PROCESS_SPAWNED, 1, "x", 1, 2);
	assert_int_equal(stats_get(STAT_PRODUCED), 2);
	assert_int_equal(stats_get(STAT_DROP_QUEUE_FULL), 2);
}

static void probes_left_out_are_not_events(void **state)
{
	struct pump p;
	struct wire_event ev;

	(void)state;
	pump_init(&p, PUMP_FORMAT_FRAMES, fake_push, NULL);
	pump_set_probes(&p, 1u << WIRE_PROBE_NET_CONNECT_ATTEMPTED);
	pump_emit(&p, WIRE_PROBE_PROCESS_SPAWNED, 1, "a", 1, 10);
	pump_emit(&p, WIRE_PROBE_CAPABILITY_DENIED, 2, "b", 1, 20);
	pump_emit(&p, WIRE_PROBE_NET_CONNECT_ATTEMPTED, 3, "c", 1, 30);
	assert_int_equal(S.n, 1);
	decode(0, &ev);
	assert_int_equal(ev.probe, WIRE_PROBE_NET_CONNECT_ATTEMPTED);
	assert_int_equal(ev.pid, 3);
	/* Filtered events are not counted and leave the clock alone. */
	assert_int_equal(stats_get(STAT_PRODUCED), 1);
	assert_int_equal(ev.monotonic_ns, 30);
}

static void counters_line_lists_every_counter(void **state)
{
	char line[512];

	(void)state;
	stats_add(STAT_PRODUCED, 3);
	stats_add(STAT_WRITTEN, 2);
	stats_format(line, sizeof(line));
	assert_non_null(strstr(line, "counters: produced=3 written=2 queued=0 "));
	for (int i = 0; i < STAT_COUNT; i++)
		assert_non_null(strstr(line, stats_name((enum stat_id)i)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(timestamps_are_clamped_strictly_increasing, setup),
		cmocka_unit_test_setup(zero_timestamp_takes_the_clock, setup),
		cmocka_unit_test_setup(clamp_saturates_at_the_top, setup),
		cmocka_unit_test_setup(comm_is_sanitized_into_a_valid_frame, setup),
		cmocka_unit_test_setup(json_format_writes_one_object_per_line, setup),
		cmocka_unit_test_setup(refused_push_is_counted_as_queue_full, setup),
		cmocka_unit_test_setup(probes_left_out_are_not_events, setup),
		cmocka_unit_test_setup(counters_line_lists_every_counter, setup),
	};
	return cmocka_run_group_tests_name("agent-pump", tests, NULL, NULL);
}
