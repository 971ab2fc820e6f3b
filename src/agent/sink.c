/*
 * sink.c - the stream's way out: vsock, Unix socket, character device or
 * stdout (see sink.h; opening each transport is in sink_open.c).
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
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "backoff.h"
#include "queue.h"
#include "sink.h"
#include "sink_open.h"
#include "source.h"

/* iovecs per write: each record is one or two, so this many records go out
 * in one sendmsg. */
#define SINK_IOV_MAX 64
/* Bytes written in one go before yielding to the reactor (a fast reader
 * must not starve the sources while a big backlog drains). */
#define SINK_FLUSH_BUDGET_BYTES ((size_t)256 << 10)
/* Persistent connect failures: one "still failing" line this often. */
#define SINK_FAIL_LOG_INTERVAL_NS (60ULL * CLOCK_NS_PER_SEC)
/* Connection churn (established / lost): at most this many lines per
 * window, then a count of what was held back. */
#define SINK_CHURN_LOG_WINDOW_NS (60ULL * CLOCK_NS_PER_SEC)
#define SINK_CHURN_LOG_BURST 5U
/* stdout that cannot be polled (a regular file) and still said EAGAIN. */
#define SINK_STDOUT_RETRY_NS (10ULL * CLOCK_NS_PER_MS)

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

static void arm_timer(struct sink *s, uint64_t delay_ns)
{
	int err = clock_timer_arm_in(&s->timer, delay_ns);

	/* Cannot happen with a valid fd and value; if it does the sink would
	 * stall silently, so say so loudly. */
	if (err < 0)
		agent_log(LOG_ERR, "sink %s: cannot arm the reconnect timer: %s",
			  s->name, strerror(-err));
}

static void close_fd(struct sink *s)
{
	if (s->fd < 0)
		return;
	if (s->fd_registered && reactor_del(s->r, s->fd) < 0)
		agent_log(LOG_DEBUG, "sink %s: reactor_del: %s", s->name, strerror(errno));
	s->fd_registered = false;
	s->want_out = false;
	/* close() on a socket only fails for EINTR/EIO, and the fd is gone
	 * either way on Linux: never retry it. */
	if (close(s->fd) < 0)
		agent_log(LOG_DEBUG, "sink %s: close: %s", s->name, strerror(errno));
	s->fd = -1;
}

static void schedule_reconnect(struct sink *s)
{
	s->state = SINK_S_WAIT;
	arm_timer(s, backoff_next(&s->backoff, &s->rng));
}

/* A connect attempt failed (err is the errno). */
static void connect_failed(struct sink *s, int err)
{
	uint64_t now = clock_now_ns();

	close_fd(s);
	s->fail_streak++;
	if (s->fail_streak == 1) {
		/* A listener that keeps coming and going would otherwise log
		 * this once per cycle. */
		agent_log_limited(&s->churn, clock_now_ns(), LOG_WARN, "sink %s: cannot connect: %s; retrying with backoff "
			  "(up to every %llu s)", s->name, strerror(err),
			  (unsigned long long)(BACKOFF_CAP_NS / CLOCK_NS_PER_SEC));
		s->fail_logged_ns = now;
	} else if (now - s->fail_logged_ns >= SINK_FAIL_LOG_INTERVAL_NS) {
		agent_log(LOG_WARN, "sink %s: still cannot connect after %u attempts: %s; "
			  "%zu records queued", s->name, s->fail_streak, strerror(err),
			  queue_records(&s->q));
		s->fail_logged_ns = now;
	}
	schedule_reconnect(s);
}

/* An established connection died (err is the errno, 0 if unknown). */
static void connection_lost(struct sink *s, int err)
{
	bool partial = queue_partial(&s->q);

	close_fd(s);
	queue_rewind(&s->q);
	agent_log_limited(&s->churn, clock_now_ns(), LOG_WARN, "sink %s: connection lost: %s; reconnecting%s", s->name,
		  err ? strerror(err) : "peer hung up",
		  partial ? " (the partly written record will be sent again whole)" : "");
	schedule_reconnect(s);
}

static void stdout_gone(struct sink *s, int err)
{
	if (s->fd_registered && reactor_del(s->r, s->fd) < 0)
		agent_log(LOG_DEBUG, "sink %s: reactor_del: %s", s->name, strerror(errno));
	s->fd_registered = false;
	s->want_out = false;
	s->state = SINK_S_DEAD;
	agent_log(LOG_ERR, "sink %s: cannot write any more: %s; records are no longer "
		  "sent (they stay queued, then are dropped and counted)", s->name,
		  err ? strerror(err) : "hung up");
}

static int set_want_out(struct sink *s, bool on)
{
	uint32_t ev;

	if (s->want_out == on || !s->fd_registered)
		return 0;
	ev = on ? EPOLLOUT : 0;
	if (s->addr.kind != SINK_STDOUT)
		ev |= EPOLLRDHUP;
	if (reactor_mod(s->r, s->fd, ev) < 0)
		return -1;
	s->want_out = on;
	return 0;
}

static ssize_t write_records(struct sink *s, const struct iovec *iov, size_t n)
{
	struct msghdr mh;

	if (s->addr.kind == SINK_CHARDEV ||
	    (s->addr.kind == SINK_STDOUT && !s->stdout_is_socket))
		return writev(s->fd, iov, (int)n);
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = (struct iovec *)iov;
	mh.msg_iovlen = n;
	return sendmsg(s->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* Write what is queued until the kernel is full, the queue is empty or the
 * budget is used up.  Handles every outcome itself. */
static void flush(struct sink *s)
{
	struct iovec iov[SINK_IOV_MAX];
	size_t budget = SINK_FLUSH_BUDGET_BYTES;

	while (s->state == SINK_S_CONNECTED) {
		size_t n = queue_peek(&s->q, iov, SINK_IOV_MAX);
		ssize_t w;
		size_t done;

		if (n == 0) {
			if (set_want_out(s, false) < 0)
				agent_log(LOG_DEBUG, "sink %s: reactor_mod: %s", s->name,
					  strerror(errno));
			break;
		}
		if (budget == 0) {
			/* More to do: come back through the reactor. */
			if (s->fd_registered) {
				if (set_want_out(s, true) == 0)
					break;
			} else {
				arm_timer(s, 1);
				break;
			}
			/* reactor_mod failed: keep writing rather than stall. */
			budget = SINK_FLUSH_BUDGET_BYTES;
		}
		w = write_records(s, iov, n);
		if (w < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			if (err == EAGAIN || err == EWOULDBLOCK) {
				if (s->fd_registered) {
					if (set_want_out(s, true) < 0) {
						agent_log(LOG_WARN, "sink %s: reactor_mod: %s",
							  s->name, strerror(errno));
						arm_timer(s, SINK_STDOUT_RETRY_NS);
					}
				} else {
					arm_timer(s, SINK_STDOUT_RETRY_NS);
				}
				break;
			}
			if (s->addr.kind == SINK_STDOUT)
				stdout_gone(s, err);
			else
				connection_lost(s, err);
			break;
		}
		done = queue_advance(&s->q, (size_t)w);
		if (done)
			stats_add(STAT_WRITTEN, done);
		budget = (size_t)w >= budget ? 0 : budget - (size_t)w;
	}
	stats_set(STAT_QUEUED, queue_records(&s->q));
}

static void established(struct sink *s)
{
	uint32_t ev = EPOLLRDHUP;

	/* The socket is registered (try_connect); EPOLLOUT is only wanted
	 * again once a write finds the socket full.  (A device that cannot
	 * be polled is not registered: its EAGAIN is retried from the timer.) */
	s->state = SINK_S_CONNECTED;
	if (s->fd_registered && reactor_mod(s->r, s->fd, ev) < 0) {
		connection_lost(s, errno);
		return;
	}
	s->want_out = false;
	stats_add(STAT_RECONNECTS, 1);
	backoff_reset(&s->backoff);
	if (s->fail_streak > 0)
		agent_log_limited(&s->churn, clock_now_ns(), LOG_INFO, "sink %s: connected after %u failed attempt%s; "
			  "%zu records queued", s->name, s->fail_streak,
			  s->fail_streak == 1 ? "" : "s", queue_records(&s->q));
	else
		agent_log_limited(&s->churn, clock_now_ns(), LOG_INFO, "sink %s: connected; %zu records queued", s->name,
			  queue_records(&s->q));
	s->fail_streak = 0;
	flush(s);
}

static void on_socket(void *ctx, uint32_t events)
{
	struct sink *s = ctx;

	if (s->fd < 0)
		return;
	if (s->state == SINK_S_CONNECTING) {
		int err = sink_sock_error(s->fd);

		if (err == 0 && (events & (EPOLLERR | EPOLLHUP)))
			err = ECONNREFUSED;
		if (err)
			connect_failed(s, err);
		else if (events & (EPOLLOUT | EPOLLRDHUP))
			established(s);
		return;
	}
	if (s->state != SINK_S_CONNECTED)
		return;
	if (events & (EPOLLERR | EPOLLHUP | EPOLLRDHUP)) {
		connection_lost(s, sink_sock_error(s->fd));
		return;
	}
	if (events & EPOLLOUT)
		flush(s);  /* it drops EPOLLOUT once the queue is empty */
}

/* A character device reports no error code with its hangup: a
 * virtio-serial port polls EPOLLHUP while nothing on the host has it open,
 * a tty when its line hung up. */
static void on_chardev(void *ctx, uint32_t events)
{
	struct sink *s = ctx;

	if (s->fd < 0)
		return;
	if (events & (EPOLLERR | EPOLLHUP)) {
		if (s->state == SINK_S_CONNECTING)
			connect_failed(s, ENOTCONN);
		else if (s->state == SINK_S_CONNECTED)
			connection_lost(s, 0);
		return;
	}
	if (!(events & EPOLLOUT))
		return;
	if (s->state == SINK_S_CONNECTING)
		established(s);
	else if (s->state == SINK_S_CONNECTED)
		flush(s);  /* it drops EPOLLOUT once the queue is empty */
}

static void connect_chardev(struct sink *s)
{
	int err = sink_open_chardev(s->addr.path, s->name, &s->fd);

	if (err < 0) {
		connect_failed(s, -err);
		return;
	}
	if (reactor_add(s->r, s->fd, EPOLLOUT, on_chardev, s) == 0) {
		s->fd_registered = true;
		s->state = SINK_S_CONNECTING;
		s->want_out = true;
		return;
	}
	if (errno != EPERM) {
		err = errno;
		agent_log(LOG_ERR, "sink %s: cannot watch the device: %s", s->name,
			  strerror(err));
		connect_failed(s, err);
		return;
	}
	/* epoll refuses devices without poll support (/dev/null, /dev/kmsg):
	 * they are always writable. */
	established(s);
}

static void try_connect(struct sink *s)
{
	int rc;

	if (s->addr.kind == SINK_CHARDEV) {
		connect_chardev(s);
		return;
	}
	rc = sink_open_socket(&s->addr, &s->fd);
	if (rc < 0) {
		connect_failed(s, -rc);
		return;
	}
	if (reactor_add(s->r, s->fd, rc == 1 ? EPOLLRDHUP : EPOLLOUT | EPOLLRDHUP,
			on_socket, s) < 0) {
		int err = errno;

		agent_log(LOG_ERR, "sink %s: cannot watch the socket: %s", s->name,
			  strerror(err));
		connect_failed(s, err);
		return;
	}
	s->fd_registered = true;
	if (rc == 1) {
		established(s);
	} else {
		s->state = SINK_S_CONNECTING;
		s->want_out = true;
	}
}

static void on_stdout(void *ctx, uint32_t events)
{
	struct sink *s = ctx;

	if (s->state != SINK_S_CONNECTED)
		return;
	if (events & (EPOLLERR | EPOLLHUP)) {
		stdout_gone(s, s->stdout_is_socket ? sink_sock_error(s->fd) : EPIPE);
		return;
	}
	if (events & EPOLLOUT)
		flush(s);
}

static int start_stdout(struct sink *s)
{
	int err = sink_open_stdout(&s->stdout_is_socket, &s->stdout_saved_flags);

	if (err < 0)
		return err;
	s->fd = STDOUT_FILENO;
	/* Regular files and /dev/null cannot be polled (EPERM): they are
	 * always writable, and EAGAIN there is retried from the timer. */
	if (reactor_add(s->r, s->fd, 0, on_stdout, s) == 0) {
		s->fd_registered = true;
		s->stdout_pollable = true;
	} else if (errno != EPERM) {
		return -errno;
	}
	s->state = SINK_S_CONNECTED;
	return 0;
}

static void on_timer(void *ctx, uint32_t events)
{
	struct sink *s = ctx;

	(void)events;
	clock_timer_ack(&s->timer);
	if (s->state == SINK_S_WAIT)
		try_connect(s);
	else if (s->state == SINK_S_CONNECTED)
		flush(s);  /* stdout or a device that cannot be polled */
}

int sink_create(struct sink **out, const struct sink_addr *a,
		size_t queue_bytes, struct reactor *r)
{
	struct sink *s;
	int err;

	if (!a || queue_bytes < SINK_QUEUE_MIN_BYTES || queue_bytes > SINK_QUEUE_MAX_BYTES)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	if (queue_init(&s->q, queue_bytes) < 0) {
		err = -errno;
		goto fail_free;
	}
	s->addr = *a;
	s->addr.path[sizeof(s->addr.path) - 1] = '\0';
	sink_addr_describe(&s->addr, s->name, sizeof(s->name));
	(void)snprintf(s->log_what, sizeof(s->log_what), "sink %s", s->name);
	s->churn = (struct log_limit)LOG_LIMIT_INIT(s->log_what, SINK_CHURN_LOG_WINDOW_NS,
						    SINK_CHURN_LOG_BURST);
	s->r = r;
	s->state = SINK_S_NEW;
	s->fd = -1;
	clock_timer_init(&s->timer);
	s->stdout_saved_flags = -1;
	backoff_init(&s->backoff, BACKOFF_BASE_NS, BACKOFF_CAP_NS, BACKOFF_JITTER_PCT);
	/* Agents in VMs booted together share their clocks and pids; the
	 * kernel's entropy is what keeps their reconnects apart.  Early in
	 * boot it may not be ready: then the clock is better than nothing. */
	if (getrandom(&s->rng, sizeof(s->rng), GRND_NONBLOCK) != (ssize_t)sizeof(s->rng))
		s->rng = clock_now_ns() ^ ((uint64_t)getpid() << 32);
	*out = s;
	return 0;

fail_free:
	free(s);
	return err;
}

int sink_start(struct sink *s)
{
	int err;

	if (s->state != SINK_S_NEW)
		return -EALREADY;
	err = clock_timer_open(&s->timer, s->r, on_timer, s);
	if (err < 0)
		return err;
	if (s->addr.kind == SINK_STDOUT) {
		err = start_stdout(s);
		if (err < 0)
			return err;
		agent_log(LOG_INFO, "sink %s: writing%s", s->name,
			  s->stdout_pollable ? "" : " (not pollable: plain writes)");
		return 0;
	}
	try_connect(s);
	return 0;
}

void sink_cork(struct sink *s)
{
	s->corked = true;
}

void sink_uncork(struct sink *s)
{
	s->corked = false;
	if (s->state == SINK_S_CONNECTED && !s->want_out && !s->timer.armed &&
	    !queue_empty(&s->q))
		flush(s);
}

bool sink_push(struct sink *s, const uint8_t *rec, size_t len)
{
	if (!queue_push(&s->q, rec, len))
		return false;
	if (s->state == SINK_S_CONNECTED && !s->want_out && !s->timer.armed &&
	    !s->corked)
		flush(s);
	else
		stats_set(STAT_QUEUED, queue_records(&s->q));
	return true;
}

size_t sink_queued(const struct sink *s)
{
	return queue_records(&s->q);
}

bool sink_connected(const struct sink *s)
{
	return s->state == SINK_S_CONNECTED;
}

bool sink_idle(const struct sink *s)
{
	return queue_empty(&s->q) || s->state == SINK_S_DEAD;
}

void sink_destroy(struct sink *s)
{
	if (!s)
		return;
	if (s->addr.kind == SINK_STDOUT) {
		if (s->fd_registered && reactor_del(s->r, s->fd) < 0)
			agent_log(LOG_DEBUG, "sink %s: reactor_del: %s", s->name,
				  strerror(errno));
		if (s->stdout_saved_flags >= 0 &&
		    fcntl(STDOUT_FILENO, F_SETFL, s->stdout_saved_flags) < 0)
			agent_log(LOG_DEBUG, "sink %s: restoring flags: %s", s->name,
				  strerror(errno));
	} else {
		close_fd(s);
	}
	clock_timer_close(&s->timer);
	queue_fini(&s->q);
	free(s);
}
