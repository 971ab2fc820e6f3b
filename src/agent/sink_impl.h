/*
 * sink_impl.h - what the files of the sink share (private to
 * src/agent/sink*.c; see sink.h for the promises).
 *
 *   sink.c       the state machine, writing, and the public calls
 *   sink_open.c  opening each transport: a socket's non-blocking connect,
 *                a character device, stdout; and their event handlers
 *
 * One state machine per sink:
 *
 *   WAIT --timer--> CONNECTING --EPOLLOUT, SO_ERROR 0--> CONNECTED
 *     ^                 |                                   |
 *     +---- failure ----+------- EPIPE / hangup -------------+
 *
 * Every way back to WAIT closes the socket, rewinds a partly written record
 * and arms the timer with the next backoff delay.  The stdout sink is
 * CONNECTED from sink_start() on, or DEAD once stdout went away.
 *
 * A character device goes through the same machine: open() is its
 * connect, and it is CONNECTING until the device first polls writable
 * (a virtio-serial port whose host side is closed polls only EPOLLHUP,
 * which is a failed attempt, retried with backoff).
 */
#ifndef CELLOS_AGENT_SINK_IMPL_H
#define CELLOS_AGENT_SINK_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "backoff.h"
#include "queue.h"
#include "sink.h"
#include "source.h"

/* stdout that cannot be polled (a regular file) and still said EAGAIN. */
#define SINK_STDOUT_RETRY_NS (10ULL * 1000000ULL)

enum sink_state {
	SINK_S_NEW,         /* created, not started */
	SINK_S_WAIT,        /* no connection; the reconnect timer is armed */
	SINK_S_CONNECTING,  /* non-blocking connect in flight */
	SINK_S_CONNECTED,   /* writable (stdout: still open) */
	SINK_S_DEAD,        /* stdout went away for good */
};

struct sink {
	struct sink_addr addr;
	char name[SINK_DESCRIBE_BYTES];
	char log_what[SINK_DESCRIBE_BYTES + 8]; /* "sink <name>" */
	struct reactor *r;
	struct queue q;
	enum sink_state state;
	int fd;                 /* the socket, the device or 1; -1 when none */
	bool fd_registered;     /* fd is in the reactor */
	bool want_out;          /* EPOLLOUT is requested: the socket was full */
	bool corked;            /* sink_push only queues (sink_cork) */
	struct clock_timer timer; /* reconnect, or retry a write */
	struct backoff backoff;
	uint64_t rng;

	/* stdout */
	bool stdout_is_socket;
	bool stdout_pollable;   /* epoll accepts fd 1 (not a regular file) */
	int stdout_saved_flags; /* -1: not changed */

	/* rate-limited logging */
	unsigned fail_streak;        /* failed attempts since the last success */
	uint64_t fail_logged_ns;     /* when the last failure line went out */
	struct log_limit churn;      /* established / lost lines */
};

/* sink.c: the transitions the transports report. */
void sink_arm_timer(struct sink *s, uint64_t delay_ns);
void sink_close_fd(struct sink *s);
/* A connect attempt failed (err: a positive errno value of the attempt). */
void sink_connect_failed(struct sink *s, int err);
/* An established connection died (err as above, 0 if unknown). */
void sink_connection_lost(struct sink *s, int err);
void sink_stdout_gone(struct sink *s, int err);
void sink_established(struct sink *s);
/* Write what is queued until the kernel is full, the queue is empty or
 * the budget is used up.  Handles every outcome itself. */
void sink_flush(struct sink *s);

/* sink_open.c */
/* Open the transport and start connecting; every outcome goes through
 * the transitions above. */
void sink_try_connect(struct sink *s);
/* Make stdout the connection.  0 or a negative errno value. */
int sink_start_stdout(struct sink *s);
/* The pending error of a socket, as a positive errno value. */
int sink_sock_error(int fd);

#endif /* CELLOS_AGENT_SINK_IMPL_H */
