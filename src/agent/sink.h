/*
 * sink.h - where the stream goes: a vsock or Unix stream socket, a
 * character device, or stdout.
 *
 * What it promises:
 * - Nothing blocks.  Connects are non-blocking and complete through the
 *   reactor (EPOLLOUT + SO_ERROR); writes are non-blocking; a peer that
 *   is slow makes records wait in the queue, never the caller.
 * - Memory is allocated once, in sink_create(): the queue is a fixed-size
 *   ring of whole records (see queue.h).  A record that does not fit is
 *   refused (sink_push returns false) and the caller counts the drop.
 * - The sink never gives up: a listener that is absent, refuses, closes or
 *   restarts is retried with capped exponential backoff plus jitter
 *   (backoff.h), from a timerfd in the reactor; queued records survive, and
 *   a record cut off by a dead connection is sent again whole on the next
 *   one.  Writes use MSG_NOSIGNAL, so a dead peer is EPIPE, not SIGPIPE.
 *   Connection trouble is logged rate-limited: the first failure, then at
 *   most one "still failing" line a minute.
 * - The stdout sink ("-") writes to fd 1 made non-blocking (its flags are
 *   restored by sink_destroy).  If stdout goes away (EPIPE, hangup) that is
 *   logged once and records stay queued until the queue is full, so the
 *   drops keep being counted; the agent keeps running.  SIGPIPE is set to
 *   SIG_IGN for the stdout sink, since write(2) to a pipe has no
 *   MSG_NOSIGNAL.
 * - The character-device sink ("chardev:PATH", e.g. a virtio-serial port
 *   /dev/vport0p1, or a serial line) is a stream like the sockets: open()
 *   (O_NONBLOCK, O_NOCTTY) is its connect, and it counts as connected once
 *   the device polls writable.  A tty is set to raw mode first (cfmakeraw,
 *   CLOCAL), so no byte of a frame is translated.  A missing device, a
 *   hangup (a virtio port polls EPOLLHUP while its host side is closed) or
 *   a write error closes it and reopens with backoff, as for sockets.  A
 *   device epoll cannot watch (/dev/null) is written to with plain writes.
 *   The path must name a character device (else ENODEV, retried).
 * - Counters: STAT_WRITTEN per whole record written, STAT_QUEUED (gauge,
 *   records in the queue), STAT_RECONNECTS per connection established.
 *
 * Records are opaque bytes here: the caller hands in whole frames (or
 * whole JSON lines for --format=json).
 */
#ifndef CELLOS_AGENT_SINK_H
#define CELLOS_AGENT_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellos_wire.h"
#include "queue.h"
#include "sink_addr.h"

struct reactor;
struct sink;

/* --queue-bytes: default, and the range the CLI accepts.  The minimum
 * holds one largest frame with its queue header.  The default, 256 KiB,
 * holds about 2,200 process frames (116 bytes + header), i.e. 1.7 s of a
 * 650-spawn/s storm (two frames per spawn) or minutes of an ordinary
 * guest while the host listener is away.  It is made resident at start
 * (memory stays flat however deep a backlog gets), so it is the agent's
 * largest fixed cost; long host outages under a storm are what
 * --queue-bytes is for. */
#define SINK_QUEUE_DEFAULT_BYTES ((size_t)256 << 10)
#define SINK_QUEUE_MIN_BYTES ((size_t)WIRE_MAX_FRAME_BYTES + QUEUE_RECORD_HEADER_BYTES)
#define SINK_QUEUE_MAX_BYTES ((size_t)1 << 30)

/* Allocate the sink and its queue of queue_bytes (SINK_QUEUE_MIN_BYTES ..
 * SINK_QUEUE_MAX_BYTES) into *out.  Opens nothing yet.  0, or a negative
 * errno value (-EINVAL for a size out of range, -ENOMEM). */
int sink_create(struct sink **out, const struct sink_addr *a,
		size_t queue_bytes, struct reactor *r);

/* Register with the reactor and make the first connect attempt (or make
 * stdout non-blocking); never blocks.  A listener that is absent is not an
 * error (it is retried).  0, or a negative errno value only for fatal
 * setup errors: no timerfd, the reactor refuses the timer, stdout is not
 * open. */
int sink_start(struct sink *s);

/* Queue one whole record and, when connected and the socket is not known
 * to be full, write at once.  false: it does not fit, the caller drops it
 * and counts STAT_DROP_QUEUE_FULL. */
bool sink_push(struct sink *s, const uint8_t *rec, size_t len);

/* Cork: while corked, sink_push only queues; sink_uncork writes what
 * accumulated in as few writes as the socket takes.  The agent corks the
 * sink around each batch of reactor events, so a burst of events costs
 * one write, not one per record.  Writes the sink makes on its own
 * (EPOLLOUT, its timer) are not affected. */
void sink_cork(struct sink *s);
void sink_uncork(struct sink *s);

/* Records still queued (the partly written one included). */
size_t sink_queued(const struct sink *s);

/* A connection is established (stdout: still writable). */
bool sink_connected(const struct sink *s);

/* Nothing more will be written: the queue is empty, or the stdout sink is
 * gone for good.  SIGTERM's drain loops until this or --drain-ms. */
bool sink_idle(const struct sink *s);

/* Close everything, restore stdout's flags, free.  NULL is fine. */
void sink_destroy(struct sink *s);

#endif /* CELLOS_AGENT_SINK_H */
