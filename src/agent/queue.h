/*
 * queue.h - the sink's send queue: a fixed-size byte ring of whole records.
 *
 * What it promises:
 * - Memory is allocated once, in queue_init(); nothing else allocates.
 * - A record (a frame, or a JSON line) is queued whole or not at all:
 *   queue_push() returns false when it does not fit, and the queue is left
 *   exactly as it was (the caller drops the record and counts it).
 * - Records leave in the order they were pushed.  The writer asks for the
 *   unsent bytes as iovecs (queue_peek), reports how many bytes the kernel
 *   took (queue_advance), and after a dead connection moves back to the
 *   start of a record that was only partly written (queue_rewind), so that
 *   record goes out whole on the next connection.
 *
 * Each record is stored behind a small length header; a record may wrap
 * around the end of the buffer, in which case it is peeked as two iovecs.
 * The ring accounts for the headers, so a queue of cap bytes holds at least
 * one record of queue_max_record(cap) bytes.
 */
#ifndef CELLOS_AGENT_QUEUE_H
#define CELLOS_AGENT_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* Bytes of bookkeeping stored in the ring in front of every record. */
#define QUEUE_RECORD_HEADER_BYTES sizeof(uint32_t)

struct queue {
	uint8_t *buf;
	size_t cap;      /* bytes in buf */
	size_t head;     /* offset of the oldest record's header */
	size_t used;     /* bytes held: records plus their headers */
	size_t sent;     /* bytes of the oldest record already written */
	size_t records;  /* whole records held (the oldest counts until done) */
};

/* Allocate a ring of cap bytes.  0, or -1 with errno (EINVAL when cap
 * cannot hold even a one-byte record, ENOMEM). */
int queue_init(struct queue *q, size_t cap);
void queue_fini(struct queue *q);

/* Largest record a queue of cap bytes can ever hold. */
size_t queue_max_record(size_t cap);

/* Append one record of len bytes (1 .. queue_max_record).  false, with the
 * queue unchanged, when it does not fit now. */
bool queue_push(struct queue *q, const void *rec, size_t len);

/* Fill iov (at most max_iov entries) with the unsent bytes, oldest first:
 * the rest of the oldest record, then the following records.  Returns the
 * number of entries used (0 when nothing is queued).  The iovecs point into
 * the ring and stay valid until the next push/advance/rewind. */
size_t queue_peek(const struct queue *q, struct iovec *iov, size_t max_iov);

/* n bytes of what queue_peek offered were written.  Returns how many
 * records were thereby completed (and removed).  n beyond the unsent total
 * is ignored. */
size_t queue_advance(struct queue *q, size_t n);

/* The connection the oldest record was partly written to is gone: send
 * that record again from its first byte. */
void queue_rewind(struct queue *q);

static inline size_t queue_records(const struct queue *q) { return q->records; }
static inline bool queue_empty(const struct queue *q) { return q->records == 0; }
/* Part of the oldest record went out (a rewind would resend it). */
static inline bool queue_partial(const struct queue *q) { return q->sent != 0; }
static inline size_t queue_used(const struct queue *q) { return q->used; }

#endif /* CELLOS_AGENT_QUEUE_H */
