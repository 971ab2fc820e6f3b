/*
 * test-perfcomm.c - the perf side-band record decoder (src/agent/perfcomm.c)
 * on hand-built ring contents: records laid out as the kernel writes them
 * (header, body, sample_id { pid, tid, time }), wrapped around the ring's
 * end, cut short, and interleaved with records it does not decode; and
 * the merge of several CPUs' rings into one time order.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <linux/perf_event.h>

#include "agent/perfcomm.h"

#define RING 256
#define MAX_GOT 16

static struct {
	struct perfcomm_rec rec[MAX_GOT];
	size_t n;
	uint64_t lost_n, lost_time;
	unsigned lost_calls;
	size_t lost_after;      /* records delivered before the last lost */
	uint8_t ring[RING];
	uint64_t head;          /* where the next built record goes */
} W;

static void on_record(void *ctx, const struct perfcomm_rec *r)
{
	(void)ctx;
	assert_true(W.n < MAX_GOT);
	W.rec[W.n++] = *r;
}

static void on_lost(void *ctx, uint64_t n, uint64_t time)
{
	(void)ctx;
	W.lost_n += n;
	W.lost_time = time;
	W.lost_calls++;
	W.lost_after = W.n;
}

static const struct perfcomm_sink SINK = { NULL, on_record, on_lost };

static int setup(void **state)
{
	(void)state;
	memset(&W, 0, sizeof(W));
	return 0;
}

/* Write len bytes at the free-running offset W.head, wrapping. */
static void put(const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		W.ring[(W.head + i) % RING] = b[i];
	W.head += len;
}

static void put_u32(uint32_t v) { put(&v, 4); }
static void put_u64(uint64_t v) { put(&v, 8); }

static void put_header(uint32_t type, uint16_t misc, uint16_t size)
{
	struct perf_event_header h = { .type = type, .misc = misc, .size = size };

	put(&h, sizeof(h));
}

static void put_sample_id(uint32_t pid, uint32_t tid, uint64_t time)
{
	put_u32(pid);
	put_u32(tid);
	put_u64(time);
}

/* A COMM record: the name NUL-padded to a multiple of 8, as the kernel
 * does. */
static void put_comm(uint32_t pid, uint32_t tid, const char *name, bool exec,
		     uint64_t time)
{
	size_t nl = strlen(name) + 1;
	size_t padded = (nl + 7) & ~(size_t)7;
	uint8_t buf[24];

	memset(buf, 0, sizeof(buf));
	memcpy(buf, name, nl);
	put_header(PERF_RECORD_COMM, exec ? PERF_RECORD_MISC_COMM_EXEC : 0,
		   (uint16_t)(8 + 8 + padded + 16));
	put_u32(pid);
	put_u32(tid);
	put(buf, padded);
	put_sample_id(pid, tid, time);
}

static void put_task(uint32_t type, uint32_t pid, uint32_t ppid, uint32_t tid,
		     uint32_t ptid, uint64_t time)
{
	put_header(type, 0, 8 + 24 + 16);
	put_u32(pid);
	put_u32(ppid);
	put_u32(tid);
	put_u32(ptid);
	put_u64(time);
	put_sample_id(pid, tid, time);
}

static uint64_t parse_from(uint64_t tail, uint64_t *malformed)
{
	return perfcomm_parse(W.ring, RING, tail, W.head, &SINK, malformed);
}

static void exec_comm_record_is_decoded_with_its_time(void **state)
{
	uint64_t bad = 0;

	(void)state;
	put_comm(42, 42, "zprog", true, 1000);
	assert_int_equal(parse_from(0, &bad), W.head);
	assert_int_equal(bad, 0);
	assert_int_equal(W.n, 1);
	assert_int_equal(W.rec[0].kind, PERFCOMM_COMM);
	assert_true(W.rec[0].exec);
	assert_int_equal(W.rec[0].pid, 42);
	assert_int_equal(W.rec[0].tid, 42);
	assert_int_equal(W.rec[0].time, 1000);
	assert_int_equal(W.rec[0].name_len, 5);
	assert_memory_equal(W.rec[0].name, "zprog", 5);
}

static void rename_is_not_flagged_exec(void **state)
{
	uint64_t bad = 0;

	(void)state;
	put_comm(7, 9, "worker", false, 5);
	parse_from(0, &bad);
	assert_int_equal(W.n, 1);
	assert_false(W.rec[0].exec);
	assert_int_equal(W.rec[0].tid, 9);
}

static void fifteen_byte_name_is_kept_whole(void **state)
{
	uint64_t bad = 0;

	(void)state;
	put_comm(3, 3, "abcdefghijklmno", true, 5);
	parse_from(0, &bad);
	assert_int_equal(W.rec[0].name_len, 15);
	assert_memory_equal(W.rec[0].name, "abcdefghijklmno", 15);
}

static void fork_and_exit_records_carry_both_pids_and_their_time(void **state)
{
	uint64_t bad = 0;

	(void)state;
	put_task(PERF_RECORD_FORK, 100, 50, 100, 50, 10);
	put_task(PERF_RECORD_EXIT, 100, 50, 101, 100, 20);
	parse_from(0, &bad);
	assert_int_equal(W.n, 2);
	assert_int_equal(W.rec[0].kind, PERFCOMM_FORK);
	assert_int_equal(W.rec[0].pid, 100);
	assert_int_equal(W.rec[0].ppid, 50);
	assert_int_equal(W.rec[0].time, 10);
	assert_int_equal(W.rec[1].kind, PERFCOMM_EXIT);
	assert_int_equal(W.rec[1].tid, 101);
	assert_int_equal(W.rec[1].ptid, 100);
	assert_int_equal(W.rec[1].time, 20);
}

static void record_wrapping_the_ring_end_is_decoded(void **state)
{
	uint64_t bad = 0;

	(void)state;
	/* Start 20 bytes before the end: the record is 48 bytes. */
	W.head = RING * 3 - 20;
	uint64_t tail = W.head;
	put_comm(11, 11, "wrapped", true, 77);
	assert_int_equal(parse_from(tail, &bad), W.head);
	assert_int_equal(bad, 0);
	assert_int_equal(W.n, 1);
	assert_memory_equal(W.rec[0].name, "wrapped", 7);
	assert_int_equal(W.rec[0].time, 77);
}

static void header_wrapping_the_ring_end_is_decoded(void **state)
{
	uint64_t bad = 0;

	(void)state;
	W.head = RING - 4; /* the header itself straddles the end */
	uint64_t tail = W.head;
	put_task(PERF_RECORD_EXIT, 5, 1, 5, 5, 9);
	parse_from(tail, &bad);
	assert_int_equal(bad, 0);
	assert_int_equal(W.n, 1);
	assert_int_equal(W.rec[0].pid, 5);
}

static void lost_record_reports_count_and_time(void **state)
{
	uint64_t bad = 0;

	(void)state;
	put_header(PERF_RECORD_LOST, 0, 8 + 16 + 16);
	put_u64(1);       /* id */
	put_u64(123);     /* lost */
	put_sample_id(0, 0, 4444);
	put_comm(1, 1, "after", true, 5000);
	parse_from(0, &bad);
	assert_int_equal(W.lost_calls, 1);
	assert_int_equal(W.lost_n, 123);
	assert_int_equal(W.lost_time, 4444);
	assert_int_equal(W.n, 1);
}

static void unknown_record_types_are_skipped_by_size(void **state)
{
	uint64_t bad = 0;

	(void)state;
	put_header(PERF_RECORD_THROTTLE, 0, 8 + 24);
	put_u64(1);
	put_u64(2);
	put_u64(3);
	put_comm(2, 2, "next", true, 1);
	parse_from(0, &bad);
	assert_int_equal(bad, 0);
	assert_int_equal(W.n, 1);
	assert_memory_equal(W.rec[0].name, "next", 4);
}

static void zero_size_record_stops_the_walk_and_is_counted(void **state)
{
	uint64_t bad = 0;

	(void)state;
	put_comm(2, 2, "first", true, 1);
	put_header(PERF_RECORD_COMM, 0, 0);
	W.head += 40;
	assert_int_equal(parse_from(0, &bad), W.head);
	assert_int_equal(bad, 1);
	assert_int_equal(W.n, 1);
}

static void record_running_past_head_is_not_decoded(void **state)
{
	uint64_t bad = 0;

	(void)state;
	put_comm(2, 2, "whole", true, 1);
	put_comm(3, 3, "torn", true, 2);
	W.head -= 8; /* the second one is not all there */
	parse_from(0, &bad);
	assert_int_equal(W.n, 1);
	assert_int_equal(bad, 1);
}

static void head_more_than_a_ring_ahead_is_refused(void **state)
{
	uint64_t bad = 0;

	(void)state;
	put_comm(2, 2, "x", true, 1);
	assert_int_equal(perfcomm_parse(W.ring, RING, 0, RING + 8, &SINK, &bad),
			 RING + 8);
	assert_int_equal(bad, 1);
	assert_int_equal(W.n, 0);
}

static void short_comm_record_is_ignored(void **state)
{
	uint64_t bad = 0;

	(void)state;
	put_header(PERF_RECORD_COMM, PERF_RECORD_MISC_COMM_EXEC, 8 + 8 + 8);
	put_u32(1);
	put_u32(1);
	put_u64(0);
	parse_from(0, &bad);
	assert_int_equal(W.n, 0);
	assert_int_equal(bad, 0);
}

/* The ring built so far becomes view v (a copy), and building starts
 * over in an empty ring. */
static uint8_t saved[2][RING];

static void save_ring(struct perfcomm_view *v, int which)
{
	memcpy(saved[which], W.ring, RING);
	memset(v, 0, sizeof(*v));
	v->data = saved[which];
	v->size = RING;
	v->tail = 0;
	v->head = W.head;
	memset(W.ring, 0, RING);
	W.head = 0;
}

static void two_rings_are_handed_over_in_time_order(void **state)
{
	struct perfcomm_view v[2];
	uint64_t bad = 0;

	(void)state;
	/* CPU 0: the parent's fork and the child's exit; CPU 1: the
	 * parent's exec before the fork, a rename between. */
	put_task(PERF_RECORD_FORK, 51, 50, 51, 50, 20);
	put_task(PERF_RECORD_EXIT, 51, 50, 51, 50, 40);
	save_ring(&v[0], 0);
	put_comm(50, 50, "zprog", true, 10);
	put_comm(50, 50, "renamed", false, 30);
	save_ring(&v[1], 1);
	perfcomm_merge(v, 2, &SINK, &bad);
	assert_int_equal(bad, 0);
	assert_int_equal(W.n, 4);
	assert_int_equal(W.rec[0].kind, PERFCOMM_COMM);
	assert_string_equal(W.rec[0].name, "zprog");
	assert_int_equal(W.rec[1].kind, PERFCOMM_FORK);
	assert_int_equal(W.rec[2].kind, PERFCOMM_COMM);
	assert_string_equal(W.rec[2].name, "renamed");
	assert_int_equal(W.rec[3].kind, PERFCOMM_EXIT);
	for (size_t i = 1; i < W.n; i++)
		assert_true(W.rec[i - 1].time <= W.rec[i].time);
	assert_int_equal(v[0].tail, v[0].head);
	assert_int_equal(v[1].tail, v[1].head);
}

static void lost_record_takes_its_place_in_time(void **state)
{
	struct perfcomm_view v[2];
	uint64_t bad = 0;

	(void)state;
	put_header(PERF_RECORD_LOST, 0, 8 + 16 + 16);
	put_u64(1);
	put_u64(7);
	put_sample_id(0, 0, 25);
	save_ring(&v[0], 0);
	put_comm(1, 1, "before", true, 10);
	put_comm(2, 2, "after", true, 30);
	save_ring(&v[1], 1);
	perfcomm_merge(v, 2, &SINK, &bad);
	assert_int_equal(W.n, 2);
	assert_int_equal(W.lost_calls, 1);
	assert_int_equal(W.lost_n, 7);
	assert_int_equal(W.lost_after, 1);
}

static void malformed_ring_does_not_hold_back_the_others(void **state)
{
	struct perfcomm_view v[2];
	uint64_t bad = 0;

	(void)state;
	put_header(PERF_RECORD_COMM, 0, 0);
	put_u64(0);
	save_ring(&v[0], 0);
	put_comm(3, 3, "one", true, 1);
	put_comm(4, 4, "two", true, 2);
	save_ring(&v[1], 1);
	perfcomm_merge(v, 2, &SINK, &bad);
	assert_int_equal(bad, 1);
	assert_int_equal(W.n, 2);
	assert_int_equal(v[0].tail, v[0].head);
	assert_int_equal(v[1].tail, v[1].head);
}

static void cpulist_ranges_and_singles(void **state)
{
	uint8_t m[PERFCOMM_MAX_CPUS];

	(void)state;
	assert_int_equal(perfcomm_parse_cpulist("0-3,5\n", m), 5);
	assert_int_equal(m[0] + m[1] + m[2] + m[3] + m[5], 5);
	assert_int_equal(m[4], 0);
	assert_int_equal(perfcomm_parse_cpulist("0\n", m), 1);
	assert_int_equal(perfcomm_parse_cpulist("", m), -1);
	assert_int_equal(perfcomm_parse_cpulist("3-1", m), -1);
	assert_int_equal(perfcomm_parse_cpulist("0-9999", m), -1);
	assert_int_equal(perfcomm_parse_cpulist("a", m), -1);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(exec_comm_record_is_decoded_with_its_time),
		T(rename_is_not_flagged_exec),
		T(fifteen_byte_name_is_kept_whole),
		T(fork_and_exit_records_carry_both_pids_and_their_time),
		T(record_wrapping_the_ring_end_is_decoded),
		T(header_wrapping_the_ring_end_is_decoded),
		T(lost_record_reports_count_and_time),
		T(unknown_record_types_are_skipped_by_size),
		T(zero_size_record_stops_the_walk_and_is_counted),
		T(record_running_past_head_is_not_decoded),
		T(head_more_than_a_ring_ahead_is_refused),
		T(short_comm_record_is_ignored),
		T(two_rings_are_handed_over_in_time_order),
		T(lost_record_takes_its_place_in_time),
		T(malformed_ring_does_not_hold_back_the_others),
		T(cpulist_ranges_and_singles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
