/*
 * listen.h - the receiver's listening socket: Unix stream, or AF_VSOCK.
 *
 * Promises: recv_listen_open binds and listens at a path, non-blocking
 * and close-on-exec.  A file already at the path is replaced only when it
 * is a socket and connect() to it fails with ECONNREFUSED (a stale socket
 * left by a dead listener); if anything accepts or queues a connection
 * there, or the file is not a socket, it is left alone and the call fails.
 * recv_listen_close removes the path only if it is still the socket this
 * process bound (same device and inode), so it never deletes a successor's.
 *
 * recv_listen_open_vsock binds an AF_VSOCK stream socket at CID:PORT (for
 * hosts whose VMM hands guest connections over as AF_VSOCK: vhost-vsock
 * under QEMU or cloud-hypervisor, Kata; Firecracker uses the Unix form).
 * A port is released by the kernel when its socket closes: there is no
 * stale file to replace or remove.  recv_listen_peer describes an accepted
 * connection's peer address for the connection-opened log line.
 */
#ifndef RECV_LISTEN_H
#define RECV_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Pending connections the kernel queues before accept. */
#define RECV_LISTEN_BACKLOG 64

struct recv_listener {
	int fd;
	const char *path;   /* the --listen value, for messages */
	bool vsock;
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

/* The same codes, for AF_VSOCK: EX_UNAVAILABLE when the port is taken,
 * EX_OSERR when the kernel has no vsock (no transport module loaded).
 * buffer, unless 0, is each accepted connection's receive buffer
 * (SO_VM_SOCKETS_BUFFER_SIZE, inherited from the listener): the credit the
 * guest may send ahead of our reads. */
int recv_listen_open_vsock(struct recv_listener *l, const char *name,
			   unsigned int cid, unsigned int port, unsigned buffer);

void recv_listen_close(struct recv_listener *l);

/* " from vsock cid C port P" for an AF_VSOCK peer, "" otherwise (a Unix
 * peer is unnamed). */
void recv_listen_peer(const struct sockaddr_storage *sa, socklen_t len,
		      char *buf, size_t cap);

#endif
