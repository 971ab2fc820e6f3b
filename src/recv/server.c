/* server.c - see server.h. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "recv/listen.h"
#include "recv/log.h"
#include "recv/server.h"
#include "recv/signals.h"

/* epoll_event.data.u64 = kind << 32 | slot */
enum kind { KIND_LISTEN = 1, KIND_SIGNAL, KIND_CONN, KIND_TIMER };

struct conn {
	int fd;       /* -1: slot free */
	int timer_fd; /* -1: silence window off */
	uint64_t id;
	uint64_t frames; /* whole frames, good or bad */
	uint64_t bytes;
	bool silenced;   /* agent_silenced already reported (once per connection) */
	struct timespec last; /* CLOCK_MONOTONIC: last frame, or the accept */
	struct wire_stream stream;
};

struct server {
	struct recv_ctx *c;
	int epfd;
	int sigfd;
	struct recv_listener listener;
	bool listen_paused; /* out of descriptors: not polling accept */
	unsigned open;
	uint64_t next_id;
	bool refuse_logged;            /* a refusal was logged at least once */
	struct timespec refuse_log_at; /* CLOCK_MONOTONIC of that log */
	uint64_t refused_unlogged;
	struct conn conns[RECV_MAX_CONNECTIONS];
	uint8_t rbuf[RECV_READ_BYTES];
};

/* Stop reasons carried out of the handlers. */
enum step { STEP_GO = 0, STEP_STOP };

static uint64_t tag(enum kind k, unsigned slot)
{
	return ((uint64_t)k << 32) | slot;
}

static void mono_now(struct timespec *ts)
{
	/* Cannot fail with a valid pointer and a supported clock. */
	if (clock_gettime(CLOCK_MONOTONIC, ts) < 0)
		ts->tv_sec = ts->tv_nsec = 0;
}

static int64_t ns_between(const struct timespec *a, const struct timespec *b)
{
	return (int64_t)(b->tv_sec - a->tv_sec) * 1000000000LL +
	       (b->tv_nsec - a->tv_nsec);
}

static int watch(struct server *s, int fd, enum kind k, unsigned slot)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag(k, slot) };
	return epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static int arm_timer(int tfd, int64_t ns)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	if (ns < 1)
		ns = 1; /* zero would disarm it */
	its.it_value.tv_sec = ns / 1000000000LL;
	its.it_value.tv_nsec = ns % 1000000000LL;
	return timerfd_settime(tfd, 0, &its, NULL);
}

static void conn_close(struct server *s, struct conn *k, const char *why)
{
	struct recv_stamp stamp;

	recv_stamp_now(&stamp);
	/* A failed write shows again at the batch's flush, which ends the
	 * run; the connection is closed either way. */
	(void)recv_stream_closed(s->c, k->id, &stamp, why, k->frames, k->bytes);
	/* close() drops the epoll registrations too. */
	if (k->timer_fd >= 0)
		close(k->timer_fd);
	close(k->fd);
	recv_info("connection %" PRIu64 " closed (%s): %" PRIu64
		  " frames, %" PRIu64 " bytes",
		  k->id, why, k->frames, k->bytes);
	k->fd = -1;
	k->timer_fd = -1;
	s->open--;
	if (s->listen_paused && watch(s, s->listener.fd, KIND_LISTEN, 0) == 0) {
		s->listen_paused = false;
		recv_info("accepting connections again");
	}
}

static void log_refused(struct server *s, const char *why)
{
	struct timespec now;

	s->c->stats.refused++;
	s->refused_unlogged++;
	mono_now(&now);
	/* A client retrying in a loop must not flood stderr; the exit
	 * counters still have every refusal. */
	if (s->refuse_logged &&
	    ns_between(&s->refuse_log_at, &now) <
		    RECV_REFUSE_LOG_INTERVAL_S * 1000000000LL)
		return;
	recv_warn("refused %" PRIu64 " connection(s): %s", s->refused_unlogged,
		  why);
	s->refused_unlogged = 0;
	s->refuse_logged = true;
	s->refuse_log_at = now;
}

static struct conn *free_slot(struct server *s, unsigned *slot)
{
	for (unsigned i = 0; i < RECV_MAX_CONNECTIONS; i++) {
		if (s->conns[i].fd < 0) {
			*slot = i;
			return &s->conns[i];
		}
	}
	return NULL;
}

/* Take a new connection into the table, or refuse it.  The fd is always
 * either kept or closed. */
static void conn_add(struct server *s, int fd)
{
	unsigned slot;
	struct conn *k = free_slot(s, &slot);

	if (k == NULL) {
		close(fd);
		log_refused(s, "the table of " RECV_STR(RECV_MAX_CONNECTIONS)
			       " connections (RECV_MAX_CONNECTIONS) is full");
		return;
	}
	k->timer_fd = -1;
	uint64_t window = s->c->opts->silence_window_s;
	if (window > 0) {
		k->timer_fd = timerfd_create(CLOCK_MONOTONIC,
					     TFD_NONBLOCK | TFD_CLOEXEC);
		if (k->timer_fd < 0 ||
		    arm_timer(k->timer_fd, (int64_t)window * 1000000000LL) < 0 ||
		    watch(s, k->timer_fd, KIND_TIMER, slot) < 0) {
			char why[128];
			snprintf(why, sizeof(why), "silence timer: %s",
				 strerror(errno));
			if (k->timer_fd >= 0)
				close(k->timer_fd);
			k->timer_fd = -1;
			close(fd);
			log_refused(s, why);
			return;
		}
	}
	if (watch(s, fd, KIND_CONN, slot) < 0) {
		char why[128];
		snprintf(why, sizeof(why), "epoll_ctl: %s", strerror(errno));
		if (k->timer_fd >= 0)
			close(k->timer_fd);
		k->timer_fd = -1;
		close(fd);
		log_refused(s, why);
		return;
	}
	k->fd = fd;
	k->id = ++s->next_id;
	k->frames = 0;
	k->bytes = 0;
	k->silenced = false;
	mono_now(&k->last);
	wire_stream_init(&k->stream);
	s->open++;
	s->c->stats.connections++;
	recv_info("connection %" PRIu64 " opened", k->id);
	struct recv_stamp stamp;
	recv_stamp_now(&stamp);
	/* As in conn_close: a write error ends the run at the next flush. */
	(void)recv_stream_opened(s->c, k->id, &stamp);
}

static int on_listen(struct server *s)
{
	for (;;) {
		int fd = accept4(s->listener.fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			conn_add(s, fd);
			continue;
		}
		switch (errno) {
		case EAGAIN:
#if EWOULDBLOCK != EAGAIN
		case EWOULDBLOCK:
#endif
			return EX_OK;
		case EINTR:
		case ECONNABORTED:
		case EPROTO:
			continue;
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM:
			/* Level-triggered epoll would spin on the pending
			 * connection: stop polling accept until a connection
			 * closes and gives a descriptor back. */
			if (s->open == 0) {
				recv_err("accept: %s, with no connection open",
					 strerror(errno));
				return EX_OSERR;
			}
			recv_warn("accept: %s; pausing until a connection closes",
				  strerror(errno));
			if (epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->listener.fd,
				      NULL) < 0) {
				recv_err("epoll_ctl: %s", strerror(errno));
				return EX_OSERR;
			}
			s->listen_paused = true;
			return EX_OK;
		default:
			recv_err("accept: %s", strerror(errno));
			return EX_OSERR;
		}
	}
}

/* Returns EX_OK to go on, or (with *stop) the run's exit code. */
static int on_conn(struct server *s, unsigned slot, bool *stop)
{
	struct conn *k = &s->conns[slot];
	struct recv_stamp stamp;
	ssize_t n;

	do {
		n = read(k->fd, s->rbuf, sizeof(s->rbuf));
	} while (n < 0 && errno == EINTR);
	int read_errno = errno;
	recv_stamp_now(&stamp);

	if (n < 0 && (read_errno == EAGAIN || read_errno == EWOULDBLOCK))
		return EX_OK;
	if (n <= 0) {
		const char *why = "end of stream";
		if (n < 0) {
			/* A reset is a peer that went away: same as EOF for
			 * the stream, so a cut frame is still reported. */
			why = strerror(read_errno);
		}
		if (recv_decode_end(s->c, &k->stream, k->id, &stamp) ==
		    RECV_DECODE_IO_ERROR) {
			*stop = true;
			return EX_IOERR;
		}
		conn_close(s, k, why);
		return EX_OK;
	}

	uint64_t frames;
	k->bytes += (uint64_t)n;
	enum recv_decode_result r = recv_decode_feed(
		s->c, &k->stream, k->id, &stamp, s->rbuf, (size_t)n, &frames);
	if (frames > 0) {
		k->frames += frames;
		/* The timer is not re-armed here (one syscall per read);
		 * when it fires it looks at this and re-arms for the rest. */
		mono_now(&k->last);
	}
	switch (r) {
	case RECV_DECODE_MORE:
		return EX_OK;
	case RECV_DECODE_CLOSE:
		conn_close(s, k, "framing error");
		return EX_OK;
	case RECV_DECODE_DONE:
		*stop = true;
		return EX_OK;
	case RECV_DECODE_IO_ERROR:
	default:
		*stop = true;
		return EX_IOERR;
	}
}

static int on_timer(struct server *s, unsigned slot)
{
	struct conn *k = &s->conns[slot];
	uint64_t expirations;
	struct timespec now;

	if (k->fd < 0 || k->timer_fd < 0)
		return EX_OK;
	ssize_t n = read(k->timer_fd, &expirations, sizeof(expirations));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return EX_OK;
	if (n < 0) {
		recv_warn("connection %" PRIu64 ": silence timer: %s", k->id,
			  strerror(errno));
		return EX_OK;
	}
	if (k->silenced)
		return EX_OK;

	int64_t window_ns = (int64_t)s->c->opts->silence_window_s * 1000000000LL;
	mono_now(&now);
	int64_t quiet = ns_between(&k->last, &now);
	if (quiet < window_ns) {
		/* A frame came since the timer was armed: wait for the rest
		 * of the window counted from that frame. */
		if (arm_timer(k->timer_fd, window_ns - quiet) < 0)
			recv_warn("connection %" PRIu64 ": silence timer: %s",
				  k->id, strerror(errno));
		return EX_OK;
	}

	struct recv_stamp stamp;
	recv_stamp_now(&stamp);
	k->silenced = true;
	if (recv_stream_silent(s->c, k->id, &stamp,
			       (uint64_t)quiet / 1000000000ULL) != RECV_DECODE_MORE)
		return EX_IOERR;
	return EX_OK;
}

static int on_signal(struct server *s, bool *stop)
{
	switch (recv_signals_take(s->sigfd, s->c)) {
	case RECV_SIGNAL_NONE:
		return EX_OK;
	case RECV_SIGNAL_STOP:
		*stop = true;
		return EX_OK;
	case RECV_SIGNAL_IO_ERROR:
		*stop = true;
		return EX_IOERR;
	case RECV_SIGNAL_ERROR:
	default:
		*stop = true;
		return EX_OSERR;
	}
}

static int loop(struct server *s)
{
	struct epoll_event evs[RECV_EPOLL_EVENTS];

	for (;;) {
		int n = epoll_wait(s->epfd, evs, RECV_EPOLL_EVENTS, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			recv_err("epoll_wait: %s", strerror(errno));
			return EX_OSERR;
		}
		bool stop = false;
		int rc = EX_OK;
		for (int i = 0; i < n && !stop; i++) {
			enum kind k = (enum kind)(evs[i].data.u64 >> 32);
			unsigned slot = (unsigned)(evs[i].data.u64 & 0xffffffffu);
			if (slot >= RECV_MAX_CONNECTIONS)
				continue;
			switch (k) {
			case KIND_LISTEN:
				if (!s->listen_paused)
					rc = on_listen(s);
				if (rc != EX_OK)
					stop = true;
				break;
			case KIND_SIGNAL:
				rc = on_signal(s, &stop);
				break;
			case KIND_CONN:
				/* An earlier event of this batch may have
				 * closed it (and a new one reused the slot:
				 * then reading is simply harmless). */
				if (s->conns[slot].fd >= 0)
					rc = on_conn(s, slot, &stop);
				break;
			case KIND_TIMER:
				rc = on_timer(s, slot);
				if (rc != EX_OK)
					stop = true;
				break;
			}
		}
		/* Lines leave as soon as the batch that made them is done. */
		if (recv_output_flush(s->c->out) < 0) {
			recv_err("output: %s", strerror(errno));
			return EX_IOERR;
		}
		if (stop)
			return rc;
	}
}

int recv_server_run(struct recv_ctx *c, int sigfd)
{
	struct server *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		recv_err("out of memory for the connection table");
		return EX_OSERR;
	}
	s->c = c;
	s->sigfd = sigfd;
	for (unsigned i = 0; i < RECV_MAX_CONNECTIONS; i++) {
		s->conns[i].fd = -1;
		s->conns[i].timer_fd = -1;
	}

	int rc = recv_listen_open(&s->listener, c->opts->listen_path);
	if (rc != EX_OK) {
		free(s);
		return rc;
	}
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0 || watch(s, s->listener.fd, KIND_LISTEN, 0) < 0 ||
	    watch(s, sigfd, KIND_SIGNAL, 0) < 0) {
		recv_err("epoll: %s", strerror(errno));
		rc = EX_OSERR;
	} else {
		recv_info("listening on %s", c->opts->listen_path);
		rc = loop(s);
	}

	for (unsigned i = 0; i < RECV_MAX_CONNECTIONS; i++)
		if (s->conns[i].fd >= 0)
			conn_close(s, &s->conns[i], "stopping");
	/* conn_close may have resumed polling accept; harmless now. */
	recv_listen_close(&s->listener);
	if (s->epfd >= 0)
		close(s->epfd);
	free(s);
	return rc;
}
