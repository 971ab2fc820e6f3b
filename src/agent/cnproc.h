/*
 * cnproc.h - the proc connector (NETLINK_CONNECTOR / CN_IDX_PROC) through
 * libmnl.
 *
 * Two halves:
 *  - a parser, cnproc_parse(), that takes the bytes of received datagrams
 *    and turns them into procmodel calls.  It accepts only messages the
 *    kernel sent (sender port 0), recognises the ack of our own
 *    subscription among the PROC_EVENT_NONEs other subscribers cause,
 *    and tracks the per-CPU sequence numbers so a gap is counted in
 *    STAT_DROP_NETLINK.  It needs no socket: unit tests feed it.
 *  - the socket (nlsock.h, which also drops what the kernel did not
 *    send): open, size the receive buffer, subscribe, and read many
 *    datagrams per wakeup.  ENOBUFS (the kernel dropped messages for us)
 *    is reported to on_overrun so the process table can be rebuilt from
 *    /proc.
 *
 * No socket filter drops thread events in the kernel: the sequence numbers
 * count every message the kernel sent, so a filter would make every
 * dropped thread event look like a loss, and the exact loss count is worth
 * more than the copy a filter saves; reading in batches (recvmmsg, and the
 * pause in procsrc.c) already makes a thread's two messages nearly free.
 */
#ifndef CELLOS_AGENT_CNPROC_H
#define CELLOS_AGENT_CNPROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nlsock.h"
#include "procmodel.h"

/* Per-CPU sequence tracking covers cpus [0, CNPROC_MAX_CPUS). */
#define CNPROC_MAX_CPUS 1024
/* Datagrams taken per recvmmsg, and room for each (one proc event is
 * 16 + 20 + 40 bytes; anything larger is not a proc event). */
#define CNPROC_BATCH 64
#define CNPROC_DGRAM_BYTES 256

enum cnproc_ack {
	CNPROC_ACK_WAITING = 0,
	CNPROC_ACK_OK,
	CNPROC_ACK_ERROR,   /* the kernel refused; ack_errno says why */
};

struct cnproc {
	struct procmodel *pm;
	struct nlsock sock;
	/* Identifies the ack of our subscription: the kernel echoes seq and
	 * returns ack + 1. */
	uint32_t sub_seq, sub_ack;
	enum cnproc_ack ack;
	int ack_errno;
	uint32_t last_seq[CNPROC_MAX_CPUS];
	uint8_t seq_valid[CNPROC_MAX_CPUS];
	uint64_t lost;          /* messages lost per the sequence numbers */
	uint64_t malformed;
	void (*on_overrun)(void *ctx);
	void (*before_batch)(void *ctx);
	void *cb_ctx;
};

/* Parser state only (no socket).  sub_seq/sub_ack name the subscription
 * whose ack to recognise. */
void cnproc_init_parser(struct cnproc *c, struct procmodel *pm,
			uint32_t sub_seq, uint32_t sub_ack);

/* Parse one datagram of len bytes the kernel sent. */
void cnproc_parse(struct cnproc *c, const void *buf, size_t len);

/* Open, bind to the CN_IDX_PROC group, size the receive buffer (bytes; 0
 * keeps the default) and send the subscription.  Returns 0, or a negative
 * errno value (-ECONNREFUSED: not the initial network namespace; -EPERM:
 * no CAP_NET_ADMIN; -EPROTONOSUPPORT: no proc connector). */
int cnproc_open(struct cnproc *c, struct procmodel *pm, int rcvbuf);

/* Read and parse everything the socket holds now.  before_batch (if set)
 * runs after each batch is read and before it is parsed.  Returns the
 * number of datagrams read. */
size_t cnproc_drain(struct cnproc *c);

/* Unsubscribe (best effort) and close. */
void cnproc_close(struct cnproc *c);

#endif /* CELLOS_AGENT_CNPROC_H */
