/*
 * queue.c - the sink's fixed-size ring of whole records (see queue.h).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "mem.h"
#include "queue.h"

int queue_init(struct queue *q, size_t cap)
{
	memset(q, 0, sizeof(*q));
	if (cap <= QUEUE_RECORD_HEADER_BYTES) {
		errno = EINVAL;
		return -1;
	}
	/* Resident before the first event, like every table (mem.h): memory
	 * never grows with the backlog, and the pages are touched after the
	 * ready line, not on the way to it. */
	q->buf = mem_resident(cap, 1);
	if (!q->buf)
		return -1;
	q->cap = cap;
	return 0;
}

void queue_fini(struct queue *q)
{
	mem_free(q->buf);
	memset(q, 0, sizeof(*q));
}

size_t queue_max_record(size_t cap)
{
	size_t max;

	if (cap <= QUEUE_RECORD_HEADER_BYTES)
		return 0;
	max = cap - QUEUE_RECORD_HEADER_BYTES;
	return max > UINT32_MAX ? UINT32_MAX : max;
}

/* Offsets in the ring wrap; every access goes through these two. */
static void ring_write(struct queue *q, size_t off, const void *src, size_t n)
{
	size_t first = q->cap - off;

	if (first > n)
		first = n;
	memcpy(q->buf + off, src, first);
	memcpy(q->buf, (const uint8_t *)src + first, n - first);
}

static void ring_read(const struct queue *q, size_t off, void *dst, size_t n)
{
	size_t first = q->cap - off;

	if (first > n)
		first = n;
	memcpy(dst, q->buf + off, first);
	memcpy((uint8_t *)dst + first, q->buf, n - first);
}

static size_t ring_add(const struct queue *q, size_t off, size_t n)
{
	/* off < cap and n <= cap, so this cannot overflow for sane caps. */
	off += n;
	return off >= q->cap ? off - q->cap : off;
}

static uint32_t record_len(const struct queue *q, size_t off)
{
	uint32_t len;

	ring_read(q, off, &len, sizeof(len));
	return len;
}

bool queue_push(struct queue *q, const void *rec, size_t len)
{
	uint32_t hdr;
	size_t tail;

	if (len == 0 || len > queue_max_record(q->cap))
		return false;
	if (len + QUEUE_RECORD_HEADER_BYTES > q->cap - q->used)
		return false;
	/* An empty ring starts over at 0, so small queues rarely split. */
	if (q->records == 0)
		q->head = 0;
	tail = ring_add(q, q->head, q->used);
	hdr = (uint32_t)len;
	ring_write(q, tail, &hdr, sizeof(hdr));
	ring_write(q, ring_add(q, tail, sizeof(hdr)), rec, len);
	q->used += len + QUEUE_RECORD_HEADER_BYTES;
	q->records++;
	return true;
}

size_t queue_peek(const struct queue *q, struct iovec *iov, size_t max_iov)
{
	size_t n = 0, off = q->head, skip = q->sent, i;

	for (i = 0; i < q->records && n < max_iov; i++) {
		uint32_t len = record_len(q, off);
		size_t start = ring_add(q, off, QUEUE_RECORD_HEADER_BYTES + skip);
		size_t left = len - skip;
		size_t first = q->cap - start;

		if (first > left)
			first = left;
		iov[n].iov_base = q->buf + start;
		iov[n].iov_len = first;
		n++;
		if (first < left) {
			if (n == max_iov)
				break;
			iov[n].iov_base = q->buf;
			iov[n].iov_len = left - first;
			n++;
		}
		off = ring_add(q, off, QUEUE_RECORD_HEADER_BYTES + len);
		skip = 0;
	}
	return n;
}

size_t queue_advance(struct queue *q, size_t n)
{
	size_t done = 0;

	while (n > 0 && q->records > 0) {
		uint32_t len = record_len(q, q->head);
		size_t left = len - q->sent;

		if (n < left) {
			q->sent += n;
			break;
		}
		n -= left;
		q->head = ring_add(q, q->head, QUEUE_RECORD_HEADER_BYTES + len);
		q->used -= QUEUE_RECORD_HEADER_BYTES + len;
		q->sent = 0;
		q->records--;
		done++;
	}
	if (q->records == 0)
		q->head = 0;
	return done;
}

void queue_rewind(struct queue *q)
{
	q->sent = 0;
}
