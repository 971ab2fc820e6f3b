/*
 * sink_open.c - opening the sink's transports and handling their events:
 * a vsock or Unix socket (non-blocking connect), a character device
 * (open is its connect) and stdout (see sink.h, sink_impl.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#include "sink_impl.h"

int sink_sock_error(int fd)
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
		int err = sink_sock_error(s->fd);

		if (err == 0 && (events & (EPOLLERR | EPOLLHUP)))
			err = ECONNREFUSED;
		if (err)
			sink_connect_failed(s, err);
		else if (events & (EPOLLOUT | EPOLLRDHUP))
			sink_established(s);
		return;
	}
	if (s->state != SINK_S_CONNECTED)
		return;
	if (events & (EPOLLERR | EPOLLHUP | EPOLLRDHUP)) {
		sink_connection_lost(s, sink_sock_error(s->fd));
		return;
	}
	if (events & EPOLLOUT)
		sink_flush(s);  /* it drops EPOLLOUT once the queue is empty */
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
			sink_connect_failed(s, ENOTCONN);
		else if (s->state == SINK_S_CONNECTED)
			sink_connection_lost(s, 0);
		return;
	}
	if (!(events & EPOLLOUT))
		return;
	if (s->state == SINK_S_CONNECTING)
		sink_established(s);
	else if (s->state == SINK_S_CONNECTED)
		sink_flush(s);  /* it drops EPOLLOUT once the queue is empty */
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
		sink_connect_failed(s, errno);
		return;
	}
	if (fstat(s->fd, &st) < 0) {
		sink_connect_failed(s, errno);
		return;
	}
	if (!S_ISCHR(st.st_mode)) {
		sink_connect_failed(s, ENODEV);
		return;
	}
	if (isatty(s->fd) && make_raw(s->fd) < 0) {
		int err = errno;

		agent_log(LOG_ERR, "sink %s: cannot set the tty to raw mode: %s", s->name,
			  strerror(err));
		sink_connect_failed(s, err);
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
		sink_connect_failed(s, err);
		return;
	}
	/* epoll refuses devices without poll support (/dev/null, /dev/kmsg):
	 * they are always writable. */
	sink_established(s);
}

void sink_try_connect(struct sink *s)
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
		sink_connect_failed(s, errno);
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
		sink_connect_failed(s, errno);
		return;
	}
	if (reactor_add(s->r, s->fd, rc == 0 ? EPOLLRDHUP : EPOLLOUT | EPOLLRDHUP,
			on_socket, s) < 0) {
		int err = errno;

		agent_log(LOG_ERR, "sink %s: cannot watch the socket: %s", s->name,
			  strerror(err));
		sink_connect_failed(s, err);
		return;
	}
	s->fd_registered = true;
	if (rc == 0) {
		sink_established(s);
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
		sink_stdout_gone(s, s->stdout_is_socket ? sink_sock_error(s->fd) : EPIPE);
		return;
	}
	if (events & EPOLLOUT)
		sink_flush(s);
}

int sink_start_stdout(struct sink *s)
{
	struct stat st;
	struct sigaction sa;
	int fl = fcntl(STDOUT_FILENO, F_GETFL);

	if (fl < 0)
		return -errno;
	if (fstat(STDOUT_FILENO, &st) < 0)
		return -errno;
	s->stdout_is_socket = S_ISSOCK(st.st_mode);
	if (!(fl & O_NONBLOCK)) {
		if (fcntl(STDOUT_FILENO, F_SETFL, fl | O_NONBLOCK) < 0)
			return -errno;
		s->stdout_saved_flags = fl;
	}
	if (!s->stdout_is_socket) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_IGN;
		if (sigemptyset(&sa.sa_mask) < 0 || sigaction(SIGPIPE, &sa, NULL) < 0)
			return -errno;
	}
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
