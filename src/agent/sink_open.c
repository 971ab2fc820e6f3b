/*
 * sink_open.c - opening the sink's transports (see sink_open.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#include "log.h"
#include "sink_open.h"

int sink_sock_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

/* Close fd and return err (negative), keeping errno out of the way. */
static int close_with(int fd, int err)
{
	close(fd);
	return err;
}

int sink_open_socket(const struct sink_addr *a, int *fd)
{
	union {
		struct sockaddr sa;
		struct sockaddr_un un;
		struct sockaddr_vm vm;
	} addr;
	socklen_t alen;
	int family = a->kind == SINK_VSOCK ? AF_VSOCK : AF_UNIX;
	int s, rc;

	/* e.g. EAFNOSUPPORT until a vsock transport is loaded: the caller
	 * keeps trying rather than die. */
	s = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	memset(&addr, 0, sizeof(addr));
	if (family == AF_VSOCK) {
		addr.vm.svm_family = AF_VSOCK;
		addr.vm.svm_cid = a->cid;
		addr.vm.svm_port = a->port;
		alen = sizeof(addr.vm);
	} else {
		addr.un.sun_family = AF_UNIX;
		memcpy(addr.un.sun_path, a->path, sizeof(addr.un.sun_path));
		alen = sizeof(addr.un);
	}
	rc = connect(s, &addr.sa, alen);
	/* An interrupted non-blocking connect carries on in the background,
	 * exactly like EINPROGRESS. */
	if (rc < 0 && errno != EINPROGRESS && errno != EINTR)
		return close_with(s, -errno);
	*fd = s;
	return rc == 0 ? 1 : 0;
}

/* A tty (a serial line) must pass the frames' bytes through untouched: no
 * newline translation, no flow-control or signal characters, 8 bits, and
 * no modem lines to wait for. */
static int make_raw(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t) < 0)
		return -errno;
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL;
	return tcsetattr(fd, TCSANOW, &t) < 0 ? -errno : 0;
}

/* open() is the chardev's connect.  O_NONBLOCK also keeps the open of a
 * serial line from waiting for carrier; O_NOCTTY keeps a tty from becoming
 * the agent's controlling terminal. */
int sink_open_chardev(const char *path, const char *name, int *fd)
{
	struct stat st;
	int d, err;

	/* e.g. ENOENT until the device's driver has created it. */
	d = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (d < 0)
		return -errno;
	if (fstat(d, &st) < 0)
		return close_with(d, -errno);
	if (!S_ISCHR(st.st_mode))
		return close_with(d, -ENODEV);
	if (isatty(d) && (err = make_raw(d)) < 0) {
		agent_log(LOG_ERR, "sink %s: cannot set the tty to raw mode: %s", name,
			  strerror(-err));
		return close_with(d, err);
	}
	*fd = d;
	return 0;
}

int sink_open_stdout(bool *is_socket, int *saved_flags)
{
	struct stat st;
	struct sigaction sa;
	int fl = fcntl(STDOUT_FILENO, F_GETFL);

	*saved_flags = -1;
	if (fl < 0)
		return -errno;
	if (fstat(STDOUT_FILENO, &st) < 0)
		return -errno;
	*is_socket = S_ISSOCK(st.st_mode);
	if (!(fl & O_NONBLOCK)) {
		if (fcntl(STDOUT_FILENO, F_SETFL, fl | O_NONBLOCK) < 0)
			return -errno;
		*saved_flags = fl;
	}
	if (!*is_socket) {
		/* write(2) to a pipe has no MSG_NOSIGNAL. */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_IGN;
		if (sigemptyset(&sa.sa_mask) < 0 || sigaction(SIGPIPE, &sa, NULL) < 0)
			return -errno;
	}
	return 0;
}
