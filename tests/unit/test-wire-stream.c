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


/* A stream mixing good frames with frame-level errors (the stream goes
 * on after each): empty body, trailing byte, unknown probe. */
static size_t mixed_stream(uint8_t *buf, size_t cap, size_t *bad_body_at)
{
	size_t len = 0, l;

	len += hex_to_bytes(spec_vectors[0].hex, buf + len, cap - len);
	len += hex_to_bytes("00000000", buf + len, cap - len); /* empty body */
	/* vector 2 with one trailing byte: bump the length, append 00 */
	l = hex_to_bytes(spec_vectors[2].hex, buf + len, cap - len);
	buf[len] = (uint8_t)(buf[len] + 1);
	*bad_body_at = len + l; /* the trailing byte's stream offset */
	buf[len + l] = 0;
	len += l + 1;
	len += hex_to_bytes(spec_vectors[3].hex, buf + len, cap - len);
	return len;
}

static void stream_frame_errors_do_not_stop_the_stream(void **state)
{
	uint8_t buf[1024];
	size_t trailing_at, len = mixed_stream(buf, sizeof(buf), &trailing_at);
	size_t v0 = strlen(spec_vectors[0].hex) / 2;
	struct run r;

	(void)state;
	run_stream(buf, len, NULL, 0, &r);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.st[0], WIRE_STREAM_FRAME);
	assert_int_equal(r.st[1], WIRE_STREAM_FRAME_ERROR);
	assert_int_equal(r.d[1].code, WIRE_ERR_UNEXPECTED_EOF);
	assert_true(r.d[1].offset == v0 + 4); /* where the body would start */
	assert_int_equal(r.st[2], WIRE_STREAM_FRAME_ERROR);
	assert_int_equal(r.d[2].code, WIRE_ERR_TRAILING_BYTES);
	assert_true(r.d[2].offset == trailing_at);
	assert_int_equal(r.st[3], WIRE_STREAM_FRAME);
	assert_int_equal(r.ev[3].pid, 65536);
	assert_int_equal(r.finish, WIRE_OK);
	assert_true(r.end_offset == len);
}

static void stream_with_errors_split_anywhere_gives_same_results(void **state)
{
	uint8_t buf[1024];
	size_t trailing_at, len = mixed_stream(buf, sizeof(buf), &trailing_at);
	size_t cut, cuts[2], i;
	size_t bytewise[1024];
	struct run whole, split;

	(void)state;
	run_stream(buf, len, NULL, 0, &whole);
	for (cut = 0; cut <= len; cut++) {
		run_stream(buf, len, &cut, 1, &split);
		assert_runs_equal(&whole, &split);
		/* and a second cut a prime stride further on */
		cuts[0] = cut;
		cuts[1] = cut + 37 <= len ? cut + 37 : len;
		run_stream(buf, len, cuts, 2, &split);
		assert_runs_equal(&whole, &split);
	}
	for (i = 0; i < len; i++)
		bytewise[i] = i + 1;
	run_stream(buf, len, bytewise, len, &split);
	assert_runs_equal(&whole, &split);
}

static void stream_oversize_frame_is_fatal_without_reading_body(void **state)
{
	/* header 4097, then some body bytes that must stay unread */
	uint8_t in[64] = { 0x01, 0x10, 0x00, 0x00 };
	struct wire_stream *s = malloc(sizeof(*s));
	struct wire_error_detail d;
	struct wire_event ev;
	size_t consumed;

	(void)state;
	wire_stream_init(s);
	assert_int_equal(wire_stream_feed(s, in, sizeof(in), &consumed, &ev, &d),
			 WIRE_STREAM_FATAL);
	assert_int_equal(consumed, 4);
	assert_int_equal(d.code, WIRE_ERR_FRAME_TOO_LARGE);
	assert_int_equal(d.value, 4097);
	assert_int_equal(d.offset, 0);
	/* Dead for good, and consumes nothing more. */
	assert_int_equal(wire_stream_feed(s, in + 4, 10, &consumed, &ev, &d),
			 WIRE_STREAM_FATAL);
	assert_int_equal(consumed, 0);
	assert_int_equal(d.code, WIRE_ERR_FRAME_TOO_LARGE);
	assert_int_equal(wire_stream_finish(s, &d), WIRE_ERR_FRAME_TOO_LARGE);
	free(s);
}

static void stream_oversize_header_split_is_fatal_at_its_offset(void **state)
{
	uint8_t buf[1024];
	size_t len = hex_to_bytes(spec_vectors[1].hex, buf, sizeof(buf)), i;
	struct wire_stream *s = malloc(sizeof(*s));
	struct wire_error_detail d;
	struct wire_event ev;
	size_t consumed;

	(void)state;
	/* 0xffffffff after one good frame, fed byte by byte */
	memset(buf + len, 0xff, 4);
	wire_stream_init(s);
	assert_int_equal(wire_stream_feed(s, buf, len, &consumed, &ev, &d),
			 WIRE_STREAM_FRAME);
	for (i = 0; i < 3; i++)
		assert_int_equal(wire_stream_feed(s, buf + len + i, 1, &consumed,
						  &ev, &d),
				 WIRE_STREAM_NEED_MORE);
	assert_int_equal(wire_stream_feed(s, buf + len + 3, 1, &consumed, &ev, &d),
			 WIRE_STREAM_FATAL);
	assert_true(d.offset == len);
	assert_true(d.value == 0xffffffffULL);
	free(s);
}

static void stream_finish_inside_header_is_short_header(void **state)
{
	uint8_t buf[1024];
	size_t len = hex_to_bytes(spec_vectors[0].hex, buf, sizeof(buf)), cut;
	struct run r;

	(void)state;
	for (cut = 1; cut < 4; cut++) {
		memcpy(buf + len, buf, cut);
		run_stream(buf, len + cut, NULL, 0, &r);
		assert_int_equal(r.n, 1);
		assert_int_equal(r.finish, WIRE_ERR_SHORT_HEADER);
	}
}

static void stream_finish_inside_body_is_frame_truncated(void **state)
{
	uint8_t buf[1024];
	size_t len = hex_to_bytes(spec_vectors[0].hex, buf, sizeof(buf)), cut;
	struct wire_stream *s = malloc(sizeof(*s));
	struct wire_error_detail d;
	struct wire_event ev;
	size_t consumed;

	(void)state;
	for (cut = 4; cut < len; cut++) {
		wire_stream_init(s);
		assert_int_equal(wire_stream_feed(s, buf, cut, &consumed, &ev, &d),
				 WIRE_STREAM_NEED_MORE);
		assert_int_equal(consumed, cut);
		assert_true(wire_stream_offset(s) == cut);
		assert_int_equal(wire_stream_finish(s, &d), WIRE_ERR_FRAME_TRUNCATED);
		assert_int_equal(d.value, 99);
		assert_int_equal(d.offset, 0);
	}
	free(s);
}

/* ---- property: random and mutated bytes ---- */

static const enum wire_error frame_errors[] = {
	WIRE_ERR_SHORT_HEADER, WIRE_ERR_FRAME_TOO_LARGE, WIRE_ERR_FRAME_TRUNCATED,
};

static bool is_decoder_error(enum wire_error e)
{
	return e > WIRE_OK && e < WIRE_ERR_COUNT && e != WIRE_ERR_BUFFER_TOO_SMALL;
}

static void random_comm(struct prng *p, struct wire_event *ev)
{
	uint8_t raw[24];
	size_t i, n = (size_t)prng_below(p, sizeof(raw) + 1);

	for (i = 0; i < n; i++)
		raw[i] = prng_below(p, 4) == 0 ? (uint8_t)prng_next(p)
					       : (uint8_t)('a' + prng_below(p, 26));
	wire_event_set_comm(ev, raw, n);
}

/* One fuzz input: random bytes, or a valid frame with a few mutations. */
static size_t fuzz_input(struct prng *p, uint8_t *out, size_t cap)
{
	size_t len, i, k, at;

	if (prng_below(p, 4) == 0) {
		len = (size_t)prng_below(p, 160);
		for (i = 0; i < len; i++)
			out[i] = (uint8_t)prng_next(p);
		/* often a plausible header, so the body gets walked */
		if (len >= 4 && prng_below(p, 2) == 0) {
			out[0] = (uint8_t)(len - 4);
			out[1] = out[2] = out[3] = 0;
		}
		return len;
	}
	{
		struct wire_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.probe = (enum wire_probe)prng_below(p, WIRE_PROBE_COUNT);
		ev.pid = (uint32_t)prng_next(p) >> prng_below(p, 32);
		ev.monotonic_ns = prng_next(p) >> prng_below(p, 64);
		random_comm(p, &ev);
		assert_int_equal(wire_encode_frame(&ev, out, cap, &len), WIRE_OK);
	}
	k = 1 + (size_t)prng_below(p, 4);
	while (k-- > 0) {
		at = len > 0 ? (size_t)prng_below(p, len) : 0;
		switch (prng_below(p, 6)) {
		case 0: /* flip a bit */
			if (len > 0)
				out[at] ^= (uint8_t)(1u << prng_below(p, 8));
			break;
		case 1: /* random byte */
			if (len > 0)
				out[at] = (uint8_t)prng_next(p);
			break;
		case 2: /* insert a byte, header follows */
			if (len < cap) {
				memmove(out + at + 1, out + at, len - at);
				out[at] = (uint8_t)prng_next(p);
				len++;
				if (prng_below(p, 2) == 0 && len >= 4)
					out[0] = (uint8_t)(out[0] + 1);
			}
			break;
		case 3: /* delete a byte */
			if (len > 0) {
				memmove(out + at, out + at + 1, len - at - 1);
				len--;
				if (prng_below(p, 2) == 0 && len >= 4)
					out[0] = (uint8_t)(out[0] - 1);
			}
			break;
		case 4: /* truncate */
			len = at;
			break;
		default: /* interesting byte: heads with every additional info */
			if (len > 0)
				out[at] = (uint8_t)(prng_below(p, 8) << 5 |
						    (24 + prng_below(p, 8)));
			break;
		}
	}
	return len;
}

/* Feed an exact-size input to the frame decoder and to the stream decoder
 * (split at a random point) and check they agree on the first frame. */
static void check_one_input(struct prng *p, struct wire_stream *s,
			    const uint8_t *in, size_t len,
			    unsigned long seen[WIRE_ERR_COUNT])
{
	struct wire_event fev, sev;
	struct wire_error_detail fd, sd;
	size_t fconsumed, consumed, pos = 0, cut;
	enum wire_error ferr;
	enum wire_stream_status st = WIRE_STREAM_NEED_MORE;
	bool first = true;
	char line[256];

	ferr = wire_decode_frame(in, len, &fev, &fconsumed, &fd);
	assert_true(ferr == WIRE_OK || is_decoder_error(ferr));
	seen[ferr]++;
	assert_true(fconsumed <= len);
	if (ferr != WIRE_OK) {
		assert_int_equal(fd.code, ferr);
		assert_true(fd.offset <= len);
		assert_string_not_equal(wire_error_name(ferr), "Unknown");
		/* snprintf dominates the run time under valgrind: sample */
		if (prng_below(p, 8) == 0)
			assert_true(wire_error_format(&fd, line, sizeof(line)) > 0);
	} else {
		assert_true(wire_utf8_valid((const uint8_t *)fev.comm,
					    fev.comm_len, NULL));
		assert_int_equal(fev.comm[fev.comm_len], '\0');
	}

	wire_stream_init(s);
	cut = len > 0 ? (size_t)prng_below(p, len + 1) : 0;
	while (pos < len) {
		size_t end = pos < cut ? cut : len;

		st = wire_stream_feed(s, in + pos, end - pos, &consumed, &sev, &sd);
		assert_true(consumed <= end - pos);
		pos += consumed;
		if (st == WIRE_STREAM_NEED_MORE) {
			assert_int_equal(pos, end);
			continue;
		}
		if (st == WIRE_STREAM_FATAL) {
			assert_int_equal(sd.code, WIRE_ERR_FRAME_TOO_LARGE);
			break;
		}
		if (st == WIRE_STREAM_FRAME_ERROR)
			assert_true(is_decoder_error(sd.code));
		if (first) {
			/* The first whole frame: exactly what decode_frame said. */
			if (st == WIRE_STREAM_FRAME) {
				assert_int_equal(ferr, WIRE_OK);
				assert_int_equal(sev.pid, fev.pid);
				assert_true(sev.monotonic_ns == fev.monotonic_ns);
				assert_int_equal(sev.comm_len, fev.comm_len);
			} else {
				assert_int_equal(sd.code, ferr);
				assert_true(sd.offset == fd.offset);
			}
			assert_int_equal(pos, fconsumed);
			first = false;
		}
	}
	if (first) {
		/* No whole frame came out: the frame decoder saw a framing
		 * problem too, and finish names it. */
		size_t i;
		bool framing = false;

		for (i = 0; i < sizeof(frame_errors) / sizeof(frame_errors[0]); i++)
			framing = framing || ferr == frame_errors[i];
		assert_true(framing);
		if (ferr == WIRE_ERR_FRAME_TOO_LARGE)
			assert_int_equal(st, WIRE_STREAM_FATAL);
		else if (len > 0)
			assert_int_equal(wire_stream_finish(s, NULL), ferr);
	}
}

static void random_and_mutated_bytes_give_ok_or_named_error(void **state)
{
	struct prng p = { 0xf022 };
	unsigned long i, n = scaled(1000000);
	struct wire_stream *s = malloc(sizeof(*s));
	uint8_t scratch[WIRE_MAX_FRAME_BYTES];
	unsigned long seen[WIRE_ERR_COUNT] = { 0 };
	int e;

	(void)state;
	assert_non_null(s);
	for (i = 0; i < n; i++) {
		size_t len = fuzz_input(&p, scratch, sizeof(scratch));
		/* Exact size, so valgrind and ASan catch any overread. */
		uint8_t *in = malloc(len > 0 ? len : 1);

		assert_non_null(in);
		if (len > 0)
			memcpy(in, scratch, len);
		check_one_input(&p, s, in, len, seen);
		free(in);
	}
	free(s);
	for (e = 0; e < WIRE_ERR_COUNT; e++)
		print_message("%-26s %lu\n", wire_error_name((enum wire_error)e),
			      seen[e]);
	/* The inputs reach every check the decoder has. */
	if (n >= 100000)
		for (e = 0; e < WIRE_ERR_COUNT; e++)
			if (e != WIRE_ERR_BUFFER_TOO_SMALL)
				assert_true(seen[e] > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stream_whole_input_gives_spec_frames),
		cmocka_unit_test(stream_split_at_every_position_gives_same_frames),
		cmocka_unit_test(stream_fed_one_byte_at_a_time_gives_same_frames),
		cmocka_unit_test(stream_frame_errors_do_not_stop_the_stream),
		cmocka_unit_test(stream_with_errors_split_anywhere_gives_same_results),
		cmocka_unit_test(stream_oversize_frame_is_fatal_without_reading_body),
		cmocka_unit_test(stream_oversize_header_split_is_fatal_at_its_offset),
		cmocka_unit_test(stream_finish_inside_header_is_short_header),
		cmocka_unit_test(stream_finish_inside_body_is_frame_truncated),
		cmocka_unit_test(random_and_mutated_bytes_give_ok_or_named_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
