/*
 * test-agent-queue.c - the sink's ring of whole records (src/agent/queue.c).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "agent/queue.h"

#define HDR QUEUE_RECORD_HEADER_BYTES
#define MAX_IOV 16

/* Record i of a test: length len, bytes derived from i so any mix-up of
 * records or offsets shows. */
static void fill(uint8_t *buf, size_t len, unsigned i)
{
	size_t k;

	for (k = 0; k < len; k++)
		buf[k] = (uint8_t)(i * 31u + k * 7u + 1u);
}

/* Gather what queue_peek offers into out (at most cap bytes). */
static size_t gather(const struct queue *q, uint8_t *out, size_t cap)
{
	struct iovec iov[MAX_IOV];
	size_t n = queue_peek(q, iov, MAX_IOV), i, total = 0;

	for (i = 0; i < n; i++) {
		assert_true(total + iov[i].iov_len <= cap);
		memcpy(out + total, iov[i].iov_base, iov[i].iov_len);
		total += iov[i].iov_len;
	}
	return total;
}

static void init_rejects_capacity_without_room_for_a_record(void **state)
{
	struct queue q;

	assert_int_equal(queue_init(&q, HDR), -1);
	assert_int_equal(queue_init(&q, 0), -1);
	assert_int_equal(queue_init(&q, HDR + 1), 0);
	assert_int_equal(queue_max_record(HDR + 1), 1);
	queue_fini(&q);
}

static void push_then_peek_returns_records_in_order(void **state)
{
	struct queue q;
	uint8_t a[10], b[20], out[64];

	fill(a, sizeof(a), 1);
	fill(b, sizeof(b), 2);
	assert_int_equal(queue_init(&q, 256), 0);
	assert_true(queue_empty(&q));
	assert_true(queue_push(&q, a, sizeof(a)));
	assert_true(queue_push(&q, b, sizeof(b)));
	assert_int_equal(queue_records(&q), 2);
	assert_int_equal(gather(&q, out, sizeof(out)), 30);
	assert_memory_equal(out, a, sizeof(a));
	assert_memory_equal(out + 10, b, sizeof(b));
	assert_int_equal(queue_advance(&q, 30), 2);
	assert_true(queue_empty(&q));
	assert_int_equal(queue_used(&q), 0);
	queue_fini(&q);
}

static void push_rejects_empty_and_oversize_records(void **state)
{
	struct queue q;
	uint8_t big[100];

	fill(big, sizeof(big), 0);
	assert_int_equal(queue_init(&q, 64), 0);
	assert_false(queue_push(&q, big, 0));
	assert_false(queue_push(&q, big, 64 - HDR + 1));
	assert_true(queue_push(&q, big, 64 - HDR));
	assert_int_equal(queue_used(&q), 64);
	queue_fini(&q);
}

static void full_queue_refuses_record_and_keeps_contents_intact(void **state)
{
	struct queue q;
	uint8_t rec[3][40], extra[40], out[200];
	unsigned i;

	assert_int_equal(queue_init(&q, 3 * (40 + HDR) + 10), 0);
	for (i = 0; i < 3; i++) {
		fill(rec[i], 40, i);
		assert_true(queue_push(&q, rec[i], 40));
	}
	fill(extra, sizeof(extra), 9);
	/* 10 bytes left: neither a 40-byte nor a 7-byte record (7 + header
	 * > 10) fits; a 6-byte one would. */
	assert_false(queue_push(&q, extra, 40));
	assert_false(queue_push(&q, extra, 7));
	assert_int_equal(queue_records(&q), 3);
	assert_int_equal(gather(&q, out, sizeof(out)), 120);
	for (i = 0; i < 3; i++)
		assert_memory_equal(out + 40 * i, rec[i], 40);
	assert_true(queue_push(&q, extra, 6));
	assert_int_equal(queue_records(&q), 4);
	queue_fini(&q);
}

static void records_wrap_around_the_end_and_come_out_whole(void **state)
{
	struct queue q;
	uint8_t rec[64], out[256];
	unsigned i, next_out = 0;
	const size_t cap = 100;

	/* Push and drain 13-byte records one by one through a 100-byte ring
	 * many times: every start offset, including splits inside the
	 * header and inside the payload, comes up. */
	assert_int_equal(queue_init(&q, cap), 0);
	for (i = 0; i < 200; i++) {
		fill(rec, 13, i);
		assert_true(queue_push(&q, rec, 13));
		if (queue_records(&q) == 5) {
			size_t got = gather(&q, out, sizeof(out));
			unsigned k;

			assert_int_equal(got, 5 * 13);
			for (k = 0; k < 5; k++) {
				fill(rec, 13, next_out + k);
				assert_memory_equal(out + 13 * k, rec, 13);
			}
			/* Leave one behind so the head keeps moving. */
			assert_int_equal(queue_advance(&q, 4 * 13), 4);
			next_out += 4;
		}
	}
	queue_fini(&q);
}

static void peek_across_the_wrap_gives_two_iovecs_for_the_split_record(void **state)
{
	struct queue q;
	uint8_t a[30], b[30], out[64];
	struct iovec iov[MAX_IOV];
	size_t n;

	assert_int_equal(queue_init(&q, 64), 0);
	fill(a, sizeof(a), 1);
	fill(b, sizeof(b), 2);
	assert_true(queue_push(&q, a, sizeof(a)));   /* bytes 0..33 */
	assert_true(queue_push(&q, b, 10));          /* bytes 34..47 */
	assert_int_equal(queue_advance(&q, 30), 1);  /* a gone; head at 34 */
	/* b (30 bytes) goes in at 48: header 48..51, payload 52..63 + 0..17 */
	assert_true(queue_push(&q, b, sizeof(b)));
	n = queue_peek(&q, iov, MAX_IOV);
	assert_int_equal(n, 3);
	assert_int_equal(iov[0].iov_len, 10);
	assert_int_equal(iov[1].iov_len, 12);
	assert_int_equal(iov[2].iov_len, 18);
	assert_ptr_equal(iov[2].iov_base, q.buf);
	assert_int_equal(gather(&q, out, sizeof(out)), 40);
	assert_memory_equal(out, b, 10);
	assert_memory_equal(out + 10, b, 30);
	/* With room for only two iovecs the split record is offered in part;
	 * writing that part leaves the rest for the next peek. */
	n = queue_peek(&q, iov, 2);
	assert_int_equal(n, 2);
	assert_int_equal(queue_advance(&q, 22), 1);
	assert_int_equal(gather(&q, out, sizeof(out)), 18);
	assert_memory_equal(out, b + 12, 18);
	queue_fini(&q);
}

static void header_split_by_the_wrap_is_read_back_correctly(void **state)
{
	struct queue q;
	uint8_t a[20], b[9], out[32];

	/* cap 30: a takes 0..23, advance, then b's header starts at 24 and
	 * wraps only if the ring does not reset: keep one byte record alive. */
	assert_int_equal(queue_init(&q, 30), 0);
	fill(a, sizeof(a), 3);
	fill(b, sizeof(b), 4);
	assert_true(queue_push(&q, a, 1));          /* 0..4 */
	assert_true(queue_push(&q, a, 20));         /* 5..28 */
	assert_int_equal(queue_advance(&q, 1), 1);  /* head 5 */
	assert_true(queue_push(&q, b, 1));          /* 29..33 -> header 29,0,1,2; payload 3 */
	assert_int_equal(queue_advance(&q, 20), 1); /* head 29 */
	assert_int_equal(queue_records(&q), 1);
	assert_int_equal(gather(&q, out, sizeof(out)), 1);
	assert_int_equal(out[0], b[0]);
	assert_true(queue_push(&q, b, 9));
	assert_int_equal(gather(&q, out, sizeof(out)), 10);
	assert_memory_equal(out + 1, b, 9);
	queue_fini(&q);
}

static void partial_write_then_rewind_offers_the_whole_record_again(void **state)
{
	struct queue q;
	uint8_t a[50], b[50], out[128];

	assert_int_equal(queue_init(&q, 256), 0);
	fill(a, sizeof(a), 5);
	fill(b, sizeof(b), 6);
	assert_true(queue_push(&q, a, sizeof(a)));
	assert_true(queue_push(&q, b, sizeof(b)));
	/* a went out whole, b only 17 bytes, then the connection died. */
	assert_int_equal(queue_advance(&q, 67), 1);
	assert_true(queue_partial(&q));
	assert_int_equal(gather(&q, out, sizeof(out)), 33);
	assert_memory_equal(out, b + 17, 33);
	queue_rewind(&q);
	assert_false(queue_partial(&q));
	assert_int_equal(queue_records(&q), 1);
	assert_int_equal(gather(&q, out, sizeof(out)), 50);
	assert_memory_equal(out, b, 50);
	queue_fini(&q);
}

static void advance_counts_only_completed_records(void **state)
{
	struct queue q;
	uint8_t a[10];
	size_t i;

	assert_int_equal(queue_init(&q, 256), 0);
	fill(a, sizeof(a), 7);
	for (i = 0; i < 3; i++)
		assert_true(queue_push(&q, a, sizeof(a)));
	assert_int_equal(queue_advance(&q, 9), 0);
	assert_int_equal(queue_advance(&q, 1), 1);
	assert_int_equal(queue_advance(&q, 15), 1);
	assert_int_equal(queue_records(&q), 1);
	/* More than is queued: the rest is ignored, the queue empties. */
	assert_int_equal(queue_advance(&q, 1000), 1);
	assert_true(queue_empty(&q));
	assert_int_equal(queue_advance(&q, 5), 0);
	queue_fini(&q);
}

static void space_freed_by_advance_is_reusable(void **state)
{
	struct queue q;
	uint8_t a[60], out[64];

	assert_int_equal(queue_init(&q, 64), 0);
	fill(a, sizeof(a), 8);
	assert_true(queue_push(&q, a, 60));
	assert_false(queue_push(&q, a, 1));
	/* A partly written record still holds its space. */
	assert_int_equal(queue_advance(&q, 59), 0);
	assert_false(queue_push(&q, a, 1));
	assert_int_equal(queue_advance(&q, 1), 1);
	assert_true(queue_push(&q, a, 60));
	assert_int_equal(gather(&q, out, sizeof(out)), 60);
	assert_memory_equal(out, a, 60);
	queue_fini(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(init_rejects_capacity_without_room_for_a_record),
		cmocka_unit_test(push_then_peek_returns_records_in_order),
		cmocka_unit_test(push_rejects_empty_and_oversize_records),
		cmocka_unit_test(full_queue_refuses_record_and_keeps_contents_intact),
		cmocka_unit_test(records_wrap_around_the_end_and_come_out_whole),
		cmocka_unit_test(peek_across_the_wrap_gives_two_iovecs_for_the_split_record),
		cmocka_unit_test(header_split_by_the_wrap_is_read_back_correctly),
		cmocka_unit_test(partial_write_then_rewind_offers_the_whole_record_again),
		cmocka_unit_test(advance_counts_only_completed_records),
		cmocka_unit_test(space_freed_by_advance_is_reusable),
	};

	return cmocka_run_group_tests_name("agent-queue", tests, NULL, NULL);
}
