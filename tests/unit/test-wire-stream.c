/*
 * test-wire-stream.c - the stream decoder (stream.c).
 */
#include "wire-test.h"

#define MAX_EVENTS 16

/* What a stream run produced: statuses, events and error details. */
struct run {
	size_t n;
	enum wire_stream_status st[MAX_EVENTS];
	struct wire_event ev[MAX_EVENTS];
	struct wire_error_detail d[MAX_EVENTS];
	enum wire_error finish;
	uint64_t end_offset;
};

/* Feed data in pieces cut at the given positions (ascending, within len). */
static void run_stream(const uint8_t *data, size_t len, const size_t *cuts,
		       size_t ncuts, struct run *out)
{
	struct wire_stream *s = malloc(sizeof(*s));
	size_t piece, start = 0, end, consumed;
	struct wire_error_detail d;

	assert_non_null(s);
	memset(out, 0, sizeof(*out));
	wire_stream_init(s);
	for (piece = 0; piece <= ncuts; piece++) {
		end = piece < ncuts ? cuts[piece] : len;
		while (start < end) {
			struct wire_event ev;
			enum wire_stream_status st;

			memset(&d, 0, sizeof(d));
			st = wire_stream_feed(s, data + start, end - start,
					      &consumed, &ev, &d);
			assert_true(consumed <= end - start);
			start += consumed;
			if (st == WIRE_STREAM_NEED_MORE) {
				assert_int_equal(start, end);
				break;
			}
			assert_true(out->n < MAX_EVENTS);
			out->st[out->n] = st;
			if (st == WIRE_STREAM_FRAME)
				out->ev[out->n] = ev;
			else
				out->d[out->n] = d;
			out->n++;
			if (st == WIRE_STREAM_FATAL)
				goto done;
		}
	}
done:
	out->finish = wire_stream_finish(s, NULL);
	out->end_offset = wire_stream_offset(s);
	free(s);
}

static void assert_runs_equal(const struct run *a, const struct run *b)
{
	size_t i;

	assert_int_equal(a->n, b->n);
	assert_int_equal(a->finish, b->finish);
	assert_true(a->end_offset == b->end_offset);
	for (i = 0; i < a->n; i++) {
		assert_int_equal(a->st[i], b->st[i]);
		if (a->st[i] == WIRE_STREAM_FRAME) {
			assert_int_equal(a->ev[i].probe, b->ev[i].probe);
			assert_int_equal(a->ev[i].pid, b->ev[i].pid);
			assert_int_equal(a->ev[i].comm_len, b->ev[i].comm_len);
			assert_memory_equal(a->ev[i].comm, b->ev[i].comm,
					    a->ev[i].comm_len + 1u);
			assert_true(a->ev[i].monotonic_ns == b->ev[i].monotonic_ns);
		} else {
			assert_int_equal(a->d[i].code, b->d[i].code);
			assert_int_equal(a->d[i].field, b->d[i].field);
			assert_true(a->d[i].offset == b->d[i].offset);
		}
	}
}

/* All four spec vectors back to back. */
static size_t spec_stream(uint8_t *buf, size_t cap)
{
	size_t i, len = 0;

	for (i = 0; i < SPEC_VECTOR_COUNT; i++)
		len += hex_to_bytes(spec_vectors[i].hex, buf + len, cap - len);
	return len;
}

static void stream_whole_input_gives_spec_frames(void **state)
{
	uint8_t buf[1024];
	size_t len = spec_stream(buf, sizeof(buf)), i;
	struct run r;

	(void)state;
	run_stream(buf, len, NULL, 0, &r);
	assert_int_equal(r.n, SPEC_VECTOR_COUNT);
	for (i = 0; i < SPEC_VECTOR_COUNT; i++) {
		assert_int_equal(r.st[i], WIRE_STREAM_FRAME);
		assert_int_equal(r.ev[i].probe, spec_vectors[i].probe);
		assert_int_equal(r.ev[i].pid, spec_vectors[i].pid);
		assert_string_equal(r.ev[i].comm, spec_vectors[i].comm);
		assert_true(r.ev[i].monotonic_ns == spec_vectors[i].ns);
	}
	assert_int_equal(r.finish, WIRE_OK);
	assert_true(r.end_offset == len);
}

static void stream_split_at_every_position_gives_same_frames(void **state)
{
	uint8_t buf[1024];
	size_t len = spec_stream(buf, sizeof(buf)), cut;
	struct run whole, split;

	(void)state;
	run_stream(buf, len, NULL, 0, &whole);
	for (cut = 0; cut <= len; cut++) {
		run_stream(buf, len, &cut, 1, &split);
		assert_runs_equal(&whole, &split);
	}
}

static void stream_fed_one_byte_at_a_time_gives_same_frames(void **state)
{
	uint8_t buf[1024];
	size_t len = spec_stream(buf, sizeof(buf)), i;
	size_t cuts[1024];
	struct run whole, bytewise;

	(void)state;
	for (i = 0; i < len; i++)
		cuts[i] = i + 1;
	run_stream(buf, len, NULL, 0, &whole);
	run_stream(buf, len, cuts, len, &bytewise);
	assert_runs_equal(&whole, &bytewise);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stream_whole_input_gives_spec_frames),
		cmocka_unit_test(stream_split_at_every_position_gives_same_frames),
		cmocka_unit_test(stream_fed_one_byte_at_a_time_gives_same_frames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
