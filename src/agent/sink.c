/*
 * sink.c - the stream's way out: vsock, Unix socket, character device or
 * stdout (see sink.h).
 *
 * One state machine per sink:
 *
 *   WAIT --timer--> CONNECTING --EPOLLOUT, SO_ERROR 0--> CONNECTED
 *     ^                 |                                   |
 *     +---- failure ----+------- EPIPE / hangup -------------+
 *
 * Every way back to WAIT closes the socket, rewinds a partly written record
 * and arms the timerfd with the next backoff delay.  The stdout sink is
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
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#include "backoff.h"
#include "queue.h"
#include "sink.h"
#include "source.h"

/* iovecs per write: each record is one or two, so this many records go out
 * in one sendmsg. */
#define SINK_IOV_MAX 64
/* Bytes written in one go before yielding to the reactor (a fast reader
 * must not starve the sources while a big backlog drains). */
#define SINK_FLUSH_BUDGET_BYTES ((size_t)256 << 10)
/* Persistent connect failures: one "still failing" line this often. */
#define SINK_FAIL_LOG_INTERVAL_NS (60ULL * 1000000000ULL)
/* Connection churn (established / lost): at most this many lines per
 * window, then a count of what was suppressed. */
#define SINK_CHURN_LOG_WINDOW_NS (60ULL * 1000000000ULL)
#define SINK_CHURN_LOG_BURST 5U
/* stdout that cannot be polled (a regular file) and still said EAGAIN. */
#define SINK_STDOUT_RETRY_NS (10ULL * 1000000ULL)
#define SINK_NS_PER_SEC 1000000000ULL

/* The largest CID and port one can connect to: ~0U is "any". */
#define SINK_VSOCK_MAX ((unsigned long)UINT_MAX - 1)

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
	struct reactor *r;
	struct queue q;
	enum sink_state state;
	int fd;                 /* the socket, the device or 1; -1 when none */
	bool fd_registered;     /* fd is in the reactor */
	bool want_out;          /* EPOLLOUT is requested: the socket was full */
	bool corked;            /* sink_push only queues (sink_cork) */
	int timer_fd;
	bool timer_registered;
	bool timer_armed;
	struct backoff backoff;
	uint64_t rng;

	/* stdout */
	bool stdout_is_socket;
	bool stdout_pollable;   /* epoll accepts fd 1 (not a regular file) */
	int stdout_saved_flags; /* -1: not changed */

	/* rate-limited logging */
	unsigned fail_streak;        /* failed attempts since the last success */
	uint64_t fail_logged_ns;     /* when the last failure line went out */
	uint64_t churn_window_ns;
	unsigned churn_lines;
	unsigned churn_suppressed;
};

/* ---- parsing ---- */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Decimal digits only (no sign, no blanks), at most max.  The number ends
 * at the first char of ends (or at NUL); *end points there. */
static bool parse_decimal(const char *s, unsigned long max, unsigned long *out,
			  const char **end)
{
	unsigned long v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	*end = p;
	return true;
}

#define SINK_ALLOWED "expected vsock:CID:PORT, unix:PATH, chardev:PATH or -"

static int parse_vsock(const char *uri, const char *rest, struct sink_addr *out,
		       char *err, size_t errlen)
{
	unsigned long cid, port;
	const char *end;
	const char *colon = strchr(rest, ':');

	if (!colon) {
		set_err(err, errlen, "'%s': no port; expected vsock:CID:PORT with decimal "
			"CID and PORT in 0..%lu", uri, SINK_VSOCK_MAX);
		return -1;
	}
	if (!parse_decimal(rest, SINK_VSOCK_MAX, &cid, &end) || end != colon) {
		set_err(err, errlen, "'%s': CID '%.*s' is not a decimal number in 0..%lu; "
			"expected vsock:CID:PORT", uri, (int)(colon - rest), rest,
			SINK_VSOCK_MAX);
		return -1;
	}
	if (!parse_decimal(colon + 1, SINK_VSOCK_MAX, &port, &end) || *end != '\0') {
		set_err(err, errlen, "'%s': PORT '%s' is not a decimal number in 0..%lu; "
			"expected vsock:CID:PORT", uri, colon + 1, SINK_VSOCK_MAX);
		return -1;
	}
	memset(out, 0, sizeof(*out));
	out->kind = SINK_VSOCK;
	out->cid = (unsigned int)cid;
	out->port = (unsigned int)port;
	return 0;
}

/* chardev:PATH: absolute, so that it does not depend on the agent's
 * working directory, and short enough for the same buffer as unix:. */
static int parse_chardev(const char *uri, const char *path, struct sink_addr *out,
			 char *err, size_t errlen)
{
	size_t len = strlen(path);

	if (len == 0) {
		set_err(err, errlen, "'%s': empty path; expected chardev:PATH with an "
			"absolute device path of 1..%d bytes", uri, SINK_PATH_BYTES - 1);
		return -1;
	}
	if (path[0] != '/') {
		set_err(err, errlen, "path '%s' is not absolute; expected chardev:/PATH, "
			"e.g. chardev:/dev/vport0p1", path);
		return -1;
	}
	if (len >= SINK_PATH_BYTES) {
		set_err(err, errlen, "'%.40s...': path is %zu bytes; a device path "
			"is at most %d bytes", uri, len, SINK_PATH_BYTES - 1);
		return -1;
	}
	memset(out, 0, sizeof(*out));
	out->kind = SINK_CHARDEV;
	memcpy(out->path, path, len + 1);
	return 0;
}

int sink_parse(const char *uri, struct sink_addr *out, char *err, size_t errlen)
{
	if (!uri) {
		set_err(err, errlen, "no sink given; " SINK_ALLOWED);
		return -1;
	}
	if (strcmp(uri, "-") == 0) {
		memset(out, 0, sizeof(*out));
		out->kind = SINK_STDOUT;
		return 0;
	}
	if (strncmp(uri, "vsock:", 6) == 0)
		return parse_vsock(uri, uri + 6, out, err, errlen);
	if (strncmp(uri, "unix:", 5) == 0) {
		const char *path = uri + 5;
		size_t len = strlen(path);

		if (len == 0) {
			set_err(err, errlen, "'%s': empty path; expected unix:PATH with a "
				"socket path of 1..%d bytes", uri, SINK_PATH_BYTES - 1);
			return -1;
		}
		if (len >= SINK_PATH_BYTES) {
			set_err(err, errlen, "'%.40s...': path is %zu bytes; a Unix socket path "
				"is at most %d bytes", uri, len, SINK_PATH_BYTES - 1);
			return -1;
		}
		memset(out, 0, sizeof(*out));
		out->kind = SINK_UNIX;
		memcpy(out->path, path, len + 1);
		return 0;
	}
	if (strncmp(uri, "chardev:", 8) == 0)
		return parse_chardev(uri, uri + 8, out, err, errlen);
	set_err(err, errlen, "'%s' is not a sink; " SINK_ALLOWED, uri);
	return -1;
}

void sink_describe(const struct sink_addr *a, char *buf, size_t len)
{
	if (len == 0)
		return;
	switch (a->kind) {
	case SINK_VSOCK:
		(void)snprintf(buf, len, "vsock:%u:%u", a->cid, a->port);
		break;
	case SINK_UNIX:
		(void)snprintf(buf, len, "unix:%s", a->path);
		break;
	case SINK_CHARDEV:
		(void)snprintf(buf, len, "chardev:%s", a->path);
		break;
	case SINK_STDOUT:
	default:
		(void)snprintf(buf, len, "standard output");
		break;
	}
}

/* ---- logging ---- */

/* Established / lost lines: a burst per window, then a count. */
static void churn_log(struct sink *s, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void churn_log(struct sink *s, enum log_level level, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	uint64_t now = mono_now_ns();

	if (now - s->churn_window_ns >= SINK_CHURN_LOG_WINDOW_NS) {
		if (s->churn_suppressed)
			agent_log(LOG_WARN, "sink %s: %u connection messages suppressed",
				  s->name, s->churn_suppressed);
		s->churn_window_ns = now;
		s->churn_lines = 0;
		s->churn_suppressed = 0;
	}
	if (s->churn_lines >= SINK_CHURN_LOG_BURST) {
		s->churn_suppressed++;
		return;
	}
	s->churn_lines++;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	agent_log(level, "%s", msg);
}

/* ---- timer ---- */

static void arm_timer(struct sink *s, uint64_t delay_ns)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)(delay_ns / SINK_NS_PER_SEC);
	its.it_value.tv_nsec = (long)(delay_ns % SINK_NS_PER_SEC);
	if (timerfd_settime(s->timer_fd, 0, &its, NULL) < 0) {
		/* Cannot happen with a valid fd and value; if it does the sink
		 * would stall silently, so say so loudly. */
		agent_log(LOG_ERR, "sink %s: cannot arm the reconnect timer: %s",
			  s->name, strerror(errno));
		return;
	}
	s->timer_armed = true;
}

/* ---- connection lifecycle ---- */

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
	uint64_t now = mono_now_ns();

	close_fd(s);
	s->fail_streak++;
	if (s->fail_streak == 1) {
		/* A listener that keeps coming and going would otherwise log
		 * this once per cycle. */
		churn_log(s, LOG_WARN, "sink %s: cannot connect: %s; retrying with backoff "
			  "(up to every %llu s)", s->name, strerror(err),
			  (unsigned long long)(BACKOFF_CAP_NS / SINK_NS_PER_SEC));
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
	churn_log(s, LOG_WARN, "sink %s: connection lost: %s; reconnecting%s", s->name,
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
		churn_log(s, LOG_INFO, "sink %s: connected after %u failed attempt%s; "
			  "%zu records queued", s->name, s->fail_streak,
			  s->fail_streak == 1 ? "" : "s", queue_records(&s->q));
	else
		churn_log(s, LOG_INFO, "sink %s: connected; %zu records queued", s->name,
			  queue_records(&s->q));
	s->fail_streak = 0;
	flush(s);
}

static int sock_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

static void on_socket(void *ctx, uint32_t events)
{
	struct sink *s = ctx;

	if (s->fd < 0)
		return;
	if (s->state == SINK_S_CONNECTING) {
		int err = sock_error(s->fd);

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
		connection_lost(s, sock_error(s->fd));
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

/* A tty (a serial line) must pass the frames' bytes through untouched: no
 * newline translation, no flow-control or signal characters, 8 bits, and
 * no modem lines to wait for. */
static int make_raw(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t) < 0)
		return -1;
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL;
	return tcsetattr(fd, TCSANOW, &t);
}

/* open() is the chardev's connect.  O_NONBLOCK also keeps the open of a
 * serial line from waiting for carrier; O_NOCTTY keeps a tty from becoming
 * the agent's controlling terminal. */
static void open_chardev(struct sink *s)
{
	struct stat st;

	s->fd = open(s->addr.path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (s->fd < 0) {
		/* e.g. ENOENT until the device's driver has created it. */
		connect_failed(s, errno);
		return;
	}
	if (fstat(s->fd, &st) < 0) {
		connect_failed(s, errno);
		return;
	}
	if (!S_ISCHR(st.st_mode)) {
		connect_failed(s, ENODEV);
		return;
	}
	if (isatty(s->fd) && make_raw(s->fd) < 0) {
		int err = errno;

		agent_log(LOG_ERR, "sink %s: cannot set the tty to raw mode: %s", s->name,
			  strerror(err));
		connect_failed(s, err);
		return;
	}
	if (reactor_add(s->r, s->fd, EPOLLOUT, on_chardev, s) == 0) {
		s->fd_registered = true;
		s->state = SINK_S_CONNECTING;
		s->want_out = true;
		return;
	}
	if (errno != EPERM) {
		int err = errno;

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
	union {
		struct sockaddr sa;
		struct sockaddr_un un;
		struct sockaddr_vm vm;
	} addr;
	socklen_t alen;
	int family = s->addr.kind == SINK_VSOCK ? AF_VSOCK : AF_UNIX;
	int rc;

	if (s->addr.kind == SINK_CHARDEV) {
		open_chardev(s);
		return;
	}
	s->fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		/* e.g. EAFNOSUPPORT until a vsock transport is loaded: keep
		 * trying rather than die. */
		connect_failed(s, errno);
		return;
	}
	memset(&addr, 0, sizeof(addr));
	if (family == AF_VSOCK) {
		addr.vm.svm_family = AF_VSOCK;
		addr.vm.svm_cid = s->addr.cid;
		addr.vm.svm_port = s->addr.port;
		alen = sizeof(addr.vm);
	} else {
		addr.un.sun_family = AF_UNIX;
		memcpy(addr.un.sun_path, s->addr.path, sizeof(addr.un.sun_path));
		alen = sizeof(addr.un);
	}
	rc = connect(s->fd, &addr.sa, alen);
	/* An interrupted non-blocking connect carries on in the background,
	 * exactly like EINPROGRESS. */
	if (rc < 0 && errno != EINPROGRESS && errno != EINTR) {
		connect_failed(s, errno);
		return;
	}
	if (reactor_add(s->r, s->fd, rc == 0 ? EPOLLRDHUP : EPOLLOUT | EPOLLRDHUP,
			on_socket, s) < 0) {
		int err = errno;

		agent_log(LOG_ERR, "sink %s: cannot watch the socket: %s", s->name,
			  strerror(err));
		connect_failed(s, err);
		return;
	}
	s->fd_registered = true;
	if (rc == 0) {
		established(s);
	} else {
		s->state = SINK_S_CONNECTING;
		s->want_out = true;
	}
}

static void on_timer(void *ctx, uint32_t events)
{
	struct sink *s = ctx;
	uint64_t expirations;

	if (read(s->timer_fd, &expirations, sizeof(expirations)) < 0 &&
	    errno != EAGAIN && errno != EINTR)
		agent_log(LOG_DEBUG, "sink %s: timerfd read: %s", s->name, strerror(errno));
	s->timer_armed = false;
	if (s->state == SINK_S_WAIT)
		try_connect(s);
	else if (s->state == SINK_S_CONNECTED)
		flush(s);  /* stdout or a device that cannot be polled */
}

static void on_stdout(void *ctx, uint32_t events)
{
	struct sink *s = ctx;

	if (s->state != SINK_S_CONNECTED)
		return;
	if (events & (EPOLLERR | EPOLLHUP)) {
		stdout_gone(s, s->stdout_is_socket ? sock_error(s->fd) : EPIPE);
		return;
	}
	if (events & EPOLLOUT)
		flush(s);
}

static int start_stdout(struct sink *s)
{
	struct stat st;
	struct sigaction sa;
	int fl = fcntl(STDOUT_FILENO, F_GETFL);

	if (fl < 0)
		return -1;
	if (fstat(STDOUT_FILENO, &st) < 0)
		return -1;
	s->stdout_is_socket = S_ISSOCK(st.st_mode);
	if (!(fl & O_NONBLOCK)) {
		if (fcntl(STDOUT_FILENO, F_SETFL, fl | O_NONBLOCK) < 0)
			return -1;
		s->stdout_saved_flags = fl;
	}
	if (!s->stdout_is_socket) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_IGN;
		if (sigemptyset(&sa.sa_mask) < 0 || sigaction(SIGPIPE, &sa, NULL) < 0)
			return -1;
	}
	s->fd = STDOUT_FILENO;
	/* Regular files and /dev/null cannot be polled (EPERM): they are
	 * always writable, and EAGAIN there is retried from the timer. */
	if (reactor_add(s->r, s->fd, 0, on_stdout, s) == 0) {
		s->fd_registered = true;
		s->stdout_pollable = true;
	} else if (errno != EPERM) {
		return -1;
	}
	s->state = SINK_S_CONNECTED;
	return 0;
}

/* ---- public ---- */

struct sink *sink_create(const struct sink_addr *a, size_t queue_bytes,
			 struct reactor *r)
{
	struct sink *s;

	if (!a || queue_bytes < SINK_QUEUE_MIN_BYTES || queue_bytes > SINK_QUEUE_MAX_BYTES) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if (queue_init(&s->q, queue_bytes) < 0) {
		int err = errno;

		free(s);
		errno = err;
		return NULL;
	}
	s->addr = *a;
	s->addr.path[sizeof(s->addr.path) - 1] = '\0';
	sink_describe(&s->addr, s->name, sizeof(s->name));
	s->r = r;
	s->state = SINK_S_NEW;
	s->fd = -1;
	s->timer_fd = -1;
	s->stdout_saved_flags = -1;
	backoff_init(&s->backoff, BACKOFF_BASE_NS, BACKOFF_CAP_NS, BACKOFF_JITTER_PCT);
	/* Agents in VMs booted together share their clocks and pids; the
	 * kernel's entropy is what keeps their reconnects apart.  Early in
	 * boot it may not be ready: then the clock is better than nothing. */
	if (getrandom(&s->rng, sizeof(s->rng), GRND_NONBLOCK) != (ssize_t)sizeof(s->rng))
		s->rng = mono_now_ns() ^ ((uint64_t)getpid() << 32);
	return s;
}

int sink_start(struct sink *s)
{
	if (s->state != SINK_S_NEW) {
		errno = EALREADY;
		return -1;
	}
	s->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->timer_fd < 0)
		return -1;
	if (reactor_add(s->r, s->timer_fd, EPOLLIN, on_timer, s) < 0)
		return -1;
	s->timer_registered = true;
	if (s->addr.kind == SINK_STDOUT) {
		if (start_stdout(s) < 0)
			return -1;
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
	if (s->state == SINK_S_CONNECTED && !s->want_out && !s->timer_armed &&
	    !queue_empty(&s->q))
		flush(s);
}

bool sink_push(struct sink *s, const uint8_t *rec, size_t len)
{
	if (!queue_push(&s->q, rec, len))
		return false;
	if (s->state == SINK_S_CONNECTED && !s->want_out && !s->timer_armed &&
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
	if (s->timer_fd >= 0) {
		if (s->timer_registered && reactor_del(s->r, s->timer_fd) < 0)
			agent_log(LOG_DEBUG, "sink %s: reactor_del: %s", s->name,
				  strerror(errno));
		if (close(s->timer_fd) < 0)
			agent_log(LOG_DEBUG, "sink %s: close: %s", s->name, strerror(errno));
	}
	queue_fini(&s->q);
	free(s);
}
