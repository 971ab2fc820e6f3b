/* listen.c - see listen.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#include "recv/listen.h"
#include "recv/log.h"

static int make_addr(const char *path, struct sockaddr_un *sa)
{
	size_t len = strlen(path);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (len >= sizeof(sa->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa->sun_path, path, len + 1);
	return 0;
}

static void close_keep_errno(int fd)
{
	int e = errno;
	if (fd >= 0)
		close(fd);
	errno = e;
}

/* Is anyone listening at path?  1 yes, 0 no (ECONNREFUSED: stale), -1 we
 * cannot tell (errno), which the caller treats as "leave it alone". */
static int someone_listens(const struct sockaddr_un *sa)
{
	/* Non-blocking: a listener with a full backlog answers EAGAIN
	 * instead of making us wait, and that still means "alive". */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int r;
	do {
		r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	} while (r < 0 && errno == EINTR);
	int e = errno;
	close(fd);
	if (r == 0)
		return 1;
	if (e == ECONNREFUSED)
		return 0;
	if (e == EAGAIN || e == EINPROGRESS)
		return 1;
	errno = e;
	return -1;
}

static int try_bind(int fd, const struct sockaddr_un *sa)
{
	return bind(fd, (const struct sockaddr *)sa, sizeof(*sa));
}

int recv_listen_open(struct recv_listener *l, const char *path)
{
	struct sockaddr_un sa;
	struct stat st;

	l->fd = -1;
	l->path = path;
	l->vsock = false;
	l->have_ino = false;
	if (make_addr(path, &sa) < 0) {
		recv_err("--listen=%s: %s", path, strerror(errno));
		return EX_CANTCREAT;
	}
	l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0) {
		recv_err("socket(AF_UNIX): %s", strerror(errno));
		return EX_OSERR;
	}

	if (try_bind(l->fd, &sa) < 0) {
		if (errno != EADDRINUSE) {
			recv_err("--listen=%s: bind: %s", path, strerror(errno));
			goto cantcreat;
		}
		if (lstat(path, &st) < 0) {
			recv_err("--listen=%s: bind: address in use, and lstat: %s",
				 path, strerror(errno));
			goto cantcreat;
		}
		if (!S_ISSOCK(st.st_mode)) {
			recv_err("--listen=%s: exists and is not a socket; not replacing it",
				 path);
			goto cantcreat;
		}
		int alive = someone_listens(&sa);
		if (alive == 1) {
			recv_err("--listen=%s: another process is listening there; not replacing it",
				 path);
			close_keep_errno(l->fd);
			l->fd = -1;
			return EX_UNAVAILABLE;
		}
		if (alive < 0) {
			recv_err("--listen=%s: cannot tell whether the socket there is in use (connect: %s); not replacing it",
				 path, strerror(errno));
			goto cantcreat;
		}
		/* Stale: the listener that bound it is gone. */
		if (unlink(path) < 0 && errno != ENOENT) {
			recv_err("--listen=%s: removing the stale socket: %s",
				 path, strerror(errno));
			goto cantcreat;
		}
		recv_info("--listen=%s: replaced a stale socket", path);
		if (try_bind(l->fd, &sa) < 0) {
			recv_err("--listen=%s: bind: %s", path, strerror(errno));
			goto cantcreat;
		}
	}
	if (listen(l->fd, RECV_LISTEN_BACKLOG) < 0) {
		recv_err("--listen=%s: listen: %s", path, strerror(errno));
		unlink(path);
		goto cantcreat;
	}
	if (lstat(path, &st) == 0) {
		l->dev = st.st_dev;
		l->ino = st.st_ino;
		l->have_ino = true;
	}
	return 0;

cantcreat:
	close_keep_errno(l->fd);
	l->fd = -1;
	return EX_CANTCREAT;
}

void recv_listen_close(struct recv_listener *l)
{
	struct stat st;

	if (l->fd < 0)
		return;
	close(l->fd);
	l->fd = -1;
	if (l->have_ino && lstat(l->path, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_dev == l->dev && st.st_ino == l->ino && unlink(l->path) < 0)
		recv_warn("--listen=%s: removing the socket at exit: %s",
			  l->path, strerror(errno));
}

int recv_listen_open_vsock(struct recv_listener *l, const char *name,
			   unsigned int cid, unsigned int port, unsigned buffer)
{
	struct sockaddr_vm sa;

	l->fd = -1;
	l->path = name;
	l->vsock = true;
	l->have_ino = false;
	memset(&sa, 0, sizeof(sa));
	sa.svm_family = AF_VSOCK;
	sa.svm_cid = cid;
	sa.svm_port = port;
	l->fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0) {
		/* EAFNOSUPPORT: the vsock core is not loaded; ENODEV (at
		 * bind) would be no transport for that CID. */
		recv_err("--listen=%s: socket(AF_VSOCK): %s (no vsock in this kernel? "
			 "vhost_vsock or vsock_loopback loads it)", name, strerror(errno));
		return EX_OSERR;
	}
	unsigned long long size = buffer;
	if (buffer != 0 && setsockopt(l->fd, AF_VSOCK, SO_VM_SOCKETS_BUFFER_SIZE,
				      &size, sizeof(size)) < 0) {
		recv_err("--vsock-buffer=%u: %s", buffer, strerror(errno));
		close_keep_errno(l->fd);
		l->fd = -1;
		return EX_CANTCREAT;
	}
	if (bind(l->fd, (const struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		recv_err("--listen=%s: bind: %s%s", name, strerror(e),
			 e == EADDRINUSE ? " (another process is listening on that port)" :
			 e == EADDRNOTAVAIL ? " (the CID is not one of this machine's)" : "");
		close_keep_errno(l->fd);
		l->fd = -1;
		return e == EADDRINUSE ? EX_UNAVAILABLE : EX_CANTCREAT;
	}
	if (listen(l->fd, RECV_LISTEN_BACKLOG) < 0) {
		recv_err("--listen=%s: listen: %s", name, strerror(errno));
		close_keep_errno(l->fd);
		l->fd = -1;
		return EX_CANTCREAT;
	}
	return 0;
}

void recv_listen_peer(const struct sockaddr_storage *sa, socklen_t len,
		      char *buf, size_t cap)
{
	if (cap == 0)
		return;
	buf[0] = '\0';
	if (sa->ss_family == AF_VSOCK && len >= (socklen_t)sizeof(struct sockaddr_vm)) {
		const struct sockaddr_vm *vm = (const struct sockaddr_vm *)sa;
		snprintf(buf, cap, " from vsock cid %u port %u", vm->svm_cid,
			 vm->svm_port);
	}
}
