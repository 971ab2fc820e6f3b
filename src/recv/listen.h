/*
 * listen.h - the receiver's Unix stream socket.
 *
 * Promises: recv_listen_open binds and listens at a path, non-blocking
 * and close-on-exec.  A file already at the path is replaced only when it
 * is a socket and connect() to it fails with ECONNREFUSED (a stale socket
 * left by a dead listener); if anything accepts or queues a connection
 * there, or the file is not a socket, it is left alone and the call fails.
 * recv_listen_close removes the path only if it is still the socket this
 * process bound (same device and inode), so it never deletes a successor's.
 */
#ifndef RECV_LISTEN_H
#define RECV_LISTEN_H

#include <stdbool.h>
#include <sys/types.h>

/* Pending connections the kernel queues before accept. */
#define RECV_LISTEN_BACKLOG 64

struct recv_listener {
	int fd;
	const char *path;
	dev_t dev;
	ino_t ino;
	bool have_ino;
};

/* Returns 0, or a sysexits code after logging why:
 *   EX_UNAVAILABLE  something is listening at the path already
 *   EX_CANTCREAT    the path exists and is not a socket, or socket/bind/
 *                   listen failed (permissions, missing directory, ...)
 *   EX_OSERR        the socket could not be created at all */
int recv_listen_open(struct recv_listener *l, const char *path);

void recv_listen_close(struct recv_listener *l);

#endif
