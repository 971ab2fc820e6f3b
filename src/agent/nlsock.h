/*
 * nlsock.h - one netlink socket (through libmnl) as the agent's sources
 * use it: open and bind, size the receive buffer, read in batches, and
 * believe only the kernel.
 *
 * Promises:
 * - nlsock_open() makes a non-blocking, close-on-exec socket bound to the
 *   given multicast groups with a port id the kernel picks; with batch > 0
 *   it also allocates (and makes resident, mem.h) batch receive buffers of
 *   dgram_bytes each: the only allocation, at start.
 * - nlsock_set_rcvbuf() asks for SO_RCVBUFFORCE (past rmem_max, needs
 *   CAP_NET_ADMIN) and falls back to SO_RCVBUF (capped by the sysctl).
 * - Only datagrams whose sender is the kernel (port id 0, with a whole
 *   sockaddr_nl: msg_namelen checked before nl_pid is read) reach a
 *   caller; the rest are counted in `foreign` and dropped.  Any process
 *   may unicast to a netlink port, so this is what makes a message the
 *   kernel's.  Truncated datagrams are counted in `truncated` and dropped.
 * - ENOBUFS (the kernel dropped datagrams for this socket) is counted in
 *   `overruns` and reported to the caller, and reading continues.
 * Error codes are negative errno values.
 */
#ifndef CELLOS_AGENT_NLSOCK_H
#define CELLOS_AGENT_NLSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct mnl_socket;

struct nlsock {
	struct mnl_socket *nl;  /* for mnl_socket_sendto(); NULL: closed */
	int fd;                 /* -1: closed */
	uint32_t portid;
	unsigned batch;         /* datagrams per recvmmsg */
	size_t dgram_bytes;     /* room for each */
	uint8_t *bufs;          /* batch * dgram_bytes */
	uint64_t overruns;      /* ENOBUFS seen */
	uint64_t foreign;       /* datagrams not from the kernel, dropped */
	uint64_t truncated;     /* datagrams larger than dgram_bytes, dropped */
	int error;              /* the last hard receive error (-errno), or 0 */
};

/* What nlsock_drain() calls.  datagram gets each of the kernel's whole
 * datagrams; before_batch (may be NULL) runs once per recvmmsg that
 * returned something, before its datagrams; overrun (may be NULL) once
 * per ENOBUFS. */
struct nlsock_handlers {
	void (*datagram)(void *ctx, const void *buf, size_t len);
	void (*before_batch)(void *ctx);
	void (*overrun)(void *ctx);
	void *ctx;
};

/* Mark s closed, so nlsock_close() is safe before open. */
void nlsock_init(struct nlsock *s);

/* Open a socket of netlink family bus, bound to groups.  0, or a negative
 * errno value with nothing left open. */
int nlsock_open(struct nlsock *s, int bus, unsigned groups, unsigned batch,
		size_t dgram_bytes);

/* Size the receive buffer (bytes > 0).  0, or a negative errno value
 * (the socket keeps its default). */
int nlsock_set_rcvbuf(struct nlsock *s, int bytes);

/* Read everything queued now, batch by batch, into the handlers.  Returns
 * the datagrams read (the dropped ones included); a hard error ends the
 * drain and is left in s->error. */
size_t nlsock_drain(struct nlsock *s, const struct nlsock_handlers *h);

/* Read one datagram from the kernel into buf: 1 with *len set, 0 when
 * none is waiting, or a negative errno value (-ENOBUFS: datagrams were
 * lost, counted; call again). */
int nlsock_recv(struct nlsock *s, void *buf, size_t cap, size_t *len);

/* Is the message that recvmsg() filled in mh from the kernel?  (Pure: the
 * unit tests call it.) */
bool nlsock_from_kernel(const struct msghdr *mh);

void nlsock_close(struct nlsock *s);

#endif /* CELLOS_AGENT_NLSOCK_H */
