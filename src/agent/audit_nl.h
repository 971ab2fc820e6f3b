/*
 * audit_nl.h - the NETLINK_AUDIT request/reply layer: one socket
 * (nlsock.h), numbered requests, and a bounded wait for each answer.
 *
 * Kernel quirks handled here:
 * - An audit record's nlmsg_len counts only its payload (the header is
 *   left out, a historical bug auditd depends on), so a datagram holding a
 *   record is never walked past that record.  Each record is its own
 *   datagram anyway.
 * - AUDIT_GET and AUDIT_LIST_RULES replies are sent by a kernel thread
 *   after the request returns, so they are not combined with NLM_F_ACK
 *   (the ack would arrive first).
 * - Any process may unicast to our port id; only datagrams from the kernel
 *   are believed (nlsock.h).
 * Records and status replies that arrive while a request waits are not
 * lost: they go to the handlers, as at run time.  Error codes are negative
 * errno values.  One receive buffer (AUDIT_NL_RX_BYTES) serves every
 * socket: the agent is single-threaded.
 */
#ifndef CELLOS_AGENT_AUDIT_NL_H
#define CELLOS_AGENT_AUDIT_NL_H

#include <stddef.h>
#include <stdint.h>

#include <linux/audit.h>
#include <linux/netlink.h>

#include "nlsock.h"

#define AUDIT_NL_REPLY_TIMEOUT_MS 2000
/* Largest datagram: a record is at most ~9 KiB; a listed rule may carry
 * long path strings. */
#define AUDIT_NL_RX_BYTES 65536

/* What arrives besides the answer being waited for. */
struct audit_nl_handlers {
	/* An audit record (type >= AUDIT_FIRST_USER_MSG, or seq 0). */
	void (*record)(void *ctx, uint16_t type, const char *text, size_t len);
	/* An AUDIT_GET reply nobody waits for (the periodic poll). */
	void (*status)(void *ctx, const struct audit_status *st);
	/* The socket overran (ENOBUFS): records were lost. */
	void (*overrun)(void *ctx);
	void *ctx;
};

struct audit_nl {
	struct nlsock sock;
	uint32_t seq;
	const struct audit_nl_handlers *h;
};

/* Sees the data messages answering a request; non-zero when it has all
 * it needs. */
typedef int (*audit_nl_reply_fn)(const struct nlmsghdr *nlh, void *arg);

/* Open a non-blocking NETLINK_AUDIT socket.  0 or a negative errno. */
int audit_nl_open(struct audit_nl *a, const struct audit_nl_handlers *h);
void audit_nl_close(struct audit_nl *a);

/* Send one request without waiting (its answer goes to the handlers);
 * *seq (may be NULL) gets its sequence number, never 0.  0 or a negative
 * errno value. */
int audit_nl_send(struct audit_nl *a, uint16_t type, uint16_t flags,
		  const void *payload, size_t len, uint32_t *seq);

/* Send a request and wait (bounded) for its answer: fn sees its data
 * messages.  0, the kernel's negative error, -ETIMEDOUT, or another
 * negative errno value. */
int audit_nl_request(struct audit_nl *a, uint16_t type, uint16_t flags,
		     const void *payload, size_t len, audit_nl_reply_fn fn,
		     void *arg);

/* AUDIT_GET into *st; AUDIT_SET of *st (its mask says what). */
int audit_nl_status_get(struct audit_nl *a, struct audit_status *st);
int audit_nl_status_set(struct audit_nl *a, const struct audit_status *st);

/* Read up to max datagrams now and hand them to the handlers.  0 when the
 * socket is empty (or max was reached), or a negative errno value for an
 * error that will not pass (the caller stops reading). */
int audit_nl_read(struct audit_nl *a, unsigned max);

#endif /* CELLOS_AGENT_AUDIT_NL_H */
