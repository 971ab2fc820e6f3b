/*
 * libFuzzer target: the stream decoder with random split points.
 *
 * The first byte seeds the split pattern; the rest is the stream.  The
 * stream is decoded twice, once whole and once in random pieces (one byte
 * to a few hundred), and both must report the same sequence of frames and
 * errors at the same offsets, and agree at the end of the stream.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cellos_wire.h"

#define MAX_RESULTS 4096

struct result {
	enum wire_stream_status st;
	enum wire_error code;
	uint64_t offset;
	struct wire_event ev;
};

struct run {
	struct result r[MAX_RESULTS];
	size_t n;
	enum wire_error end;
};

static struct wire_stream stream;
static struct run whole, pieces;

static void record(struct run *run, enum wire_stream_status st,
		   const struct wire_event *ev,
		   const struct wire_error_detail *d)
{
	struct result *r;

	if (run->n == MAX_RESULTS)
		return;
	r = &run->r[run->n++];
	memset(r, 0, sizeof(*r));
	r->st = st;
	if (st == WIRE_STREAM_FRAME) {
		r->ev = *ev;
	} else {
		r->code = d->code;
		r->offset = d->offset;
	}
}

/* Feed one chunk, collecting every result. Returns false after FATAL. */
static int feed(struct run *run, const uint8_t *p, size_t len)
{
	while (len > 0) {
		struct wire_event ev;
		struct wire_error_detail d;
		size_t used = 0;
		enum wire_stream_status st;

		st = wire_stream_feed(&stream, p, len, &used, &ev, &d);
		if (used > len)
			abort();
		p += used;
		len -= used;
		if (st == WIRE_STREAM_NEED_MORE) {
			if (len != 0)
				abort();
			break;
		}
		record(run, st, &ev, &d);
		if (st == WIRE_STREAM_FATAL)
			return 0;
		if (used == 0)
			abort(); /* a report must make progress */
	}
	return 1;
}

static void decode(struct run *run, const uint8_t *data, size_t size,
		   uint32_t seed)
{
	size_t at = 0;
	int alive = 1;

	run->n = 0;
	wire_stream_init(&stream);
	while (at < size && alive) {
		size_t chunk = size - at;

		if (seed != 0) {
			seed = seed * 1103515245u + 12345u;
			chunk = 1 + (seed >> 16) % 300;
			if (chunk > size - at)
				chunk = size - at;
		}
		/* An exact-size copy so ASan sees any overread of the chunk. */
		uint8_t *piece = malloc(chunk);
		if (piece == NULL)
			abort();
		memcpy(piece, data + at, chunk);
		alive = feed(run, piece, chunk);
		free(piece);
		at += chunk;
	}
	run->end = alive ? wire_stream_finish(&stream, NULL) : WIRE_ERR_COUNT;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t seed;

	if (size < 1)
		return 0;
	seed = (uint32_t)data[0] | 1u;
	data++;
	size--;
	decode(&whole, data, size, 0);
	decode(&pieces, data, size, seed);
	if (whole.n != pieces.n || whole.end != pieces.end)
		abort();
	for (size_t i = 0; i < whole.n; i++) {
		const struct result *a = &whole.r[i], *b = &pieces.r[i];

		if (a->st != b->st || a->code != b->code ||
		    a->offset != b->offset)
			abort();
		if (a->st == WIRE_STREAM_FRAME &&
		    (a->ev.probe != b->ev.probe || a->ev.pid != b->ev.pid ||
		     a->ev.monotonic_ns != b->ev.monotonic_ns ||
		     a->ev.comm_len != b->ev.comm_len ||
		     memcmp(a->ev.comm, b->ev.comm, a->ev.comm_len) != 0))
			abort();
	}
	return 0;
}
