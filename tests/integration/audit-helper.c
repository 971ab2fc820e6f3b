/*
 * audit-helper - a process with a chosen comm that does what the audit
 * probe tests look for, then prints what it did on one line:
 *
 *   audit-helper COMM connect   connect(2) to a bound but not listening
 *                               loopback port (refused), then to a
 *                               listening one (accepted)
 *   audit-helper COMM denied    drop to uid/gid 65534, then sethostname(2)
 *                               (refused with EPERM)
 *
 * Output: "pid=N" plus the outcome of each attempt; exit 0 only when every
 * attempt ended as described, so a test never reads frames for something
 * that did not happen.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define NOBODY 65534

static int loopback_socket(int do_listen, struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)addr, sizeof(*addr)) < 0 ||
	    (do_listen && listen(fd, 4) < 0) ||
	    getsockname(fd, (struct sockaddr *)addr, &len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int connect_to(const struct sockaddr_in *addr)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	int rc = connect(fd, (const struct sockaddr *)addr, sizeof(*addr));
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

static int do_connect(void)
{
	struct sockaddr_in closed, open;
	/* Bound, never listening: nobody else can take the port meanwhile. */
	int cfd = loopback_socket(0, &closed);
	int lfd = loopback_socket(1, &open);

	if (cfd < 0 || lfd < 0) {
		perror("audit-helper: socket");
		return 1;
	}
	int r1 = connect_to(&closed);
	int e1 = errno;
	int r2 = connect_to(&open);
	int e2 = errno;
	printf("pid=%d closed=%s open=%s\n", (int)getpid(),
	       r1 == 0 ? "connected" : strerror(e1),
	       r2 == 0 ? "connected" : strerror(e2));
	return (r1 < 0 && e1 == ECONNREFUSED && r2 == 0) ? 0 : 1;
}

static int do_denied(void)
{
	if (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0) {
		perror("audit-helper: dropping privileges");
		return 1;
	}
	int r = sethostname("cellos-denied", strlen("cellos-denied"));
	int e = errno;
	printf("pid=%d sethostname=%s\n", (int)getpid(), r == 0 ? "allowed" : strerror(e));
	return (r < 0 && e == EPERM) ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: audit-helper COMM connect|denied\n");
		return 64;
	}
	if (prctl(PR_SET_NAME, argv[1], 0, 0, 0) < 0) {
		perror("audit-helper: prctl");
		return 1;
	}
	if (strcmp(argv[2], "connect") == 0)
		return do_connect();
	if (strcmp(argv[2], "denied") == 0)
		return do_denied();
	fprintf(stderr, "audit-helper: unknown action %s\n", argv[2]);
	return 64;
}
