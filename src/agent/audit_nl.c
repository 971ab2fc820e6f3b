/*
 * audit_nl.c - NETLINK_AUDIT requests and replies (see audit_nl.h).
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "audit_nl.h"
#include "audit_rules.h"
#include "clock.h"

static union {
	struct nlmsghdr align;
	unsigned char b[AUDIT_NL_RX_BYTES];
} rx;

int audit_nl_open(struct audit_nl *a, const struct audit_nl_handlers *h)
{
	a->seq = 0;
	a->h = h;
	return nlsock_open(&a->sock, NETLINK_AUDIT, 0, 0, 0);
}

void audit_nl_close(struct audit_nl *a)
{
	nlsock_close(&a->sock);
}

static void copy_status(const struct nlmsghdr *nlh, struct audit_status *st)
{
	size_t plen = mnl_nlmsg_get_payload_len(nlh);

	memset(st, 0, sizeof(*st));
	memcpy(st, mnl_nlmsg_get_payload(nlh), plen < sizeof(*st) ? plen : sizeof(*st));
}

/*
 * Handle one datagram from the kernel.  When seq is non-zero, messages
 * answering it are checked: returns 1 with *err set (0 or -errno) once the
 * answer is complete; fn sees the answer's data messages and returns
 * non-zero when it has all it needs.  Everything else (records, late
 * status replies) goes to the handlers.
 */
static int dispatch(struct audit_nl *a, size_t n, uint32_t seq,
		    audit_nl_reply_fn fn, void *arg, int *err)
{
	const struct nlmsghdr *nlh = &rx.align;
	size_t left = n;

	while (left >= NLMSG_HDRLEN) {
		if (nlh->nlmsg_seq == 0 || nlh->nlmsg_type >= AUDIT_FIRST_USER_MSG) {
			/* A record: its length counts the payload only. */
			size_t plen = left - NLMSG_HDRLEN;
			if (nlh->nlmsg_len < plen)
				plen = nlh->nlmsg_len;
			a->h->record(a->h->ctx, nlh->nlmsg_type,
				     (const char *)nlh + NLMSG_HDRLEN, plen);
			return 0;
		}
		if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > left)
			return 0;
		if (seq != 0 && nlh->nlmsg_seq == seq) {
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
				if (mnl_nlmsg_get_payload_len(nlh) < sizeof(e->error))
					*err = -EPROTO;
				else
					*err = e->error;
				return 1;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				*err = 0;
				return 1;
			}
			if (fn != NULL && fn(nlh, arg) != 0) {
				*err = 0;
				return 1;
			}
		} else if (nlh->nlmsg_type == AUDIT_GET) {
			struct audit_status st;

			copy_status(nlh, &st);
			a->h->status(a->h->ctx, &st);
		}
		size_t step = NLMSG_ALIGN(nlh->nlmsg_len);
		if (step >= left)
			break;
		left -= step;
		nlh = (const struct nlmsghdr *)(const void *)((const unsigned char *)nlh + step);
	}
	return 0;
}

/* One datagram into rx: 1 with *n set, 0 when none is waiting, or a
 * negative errno value.  Overruns go to the handler and reading goes on. */
static int recv_one(struct audit_nl *a, size_t *n)
{
	for (;;) {
		int r = nlsock_recv(&a->sock, rx.b, sizeof(rx.b), n);
		if (r != -ENOBUFS)
			return r;
		a->h->overrun(a->h->ctx);
	}
}

int audit_nl_send(struct audit_nl *a, uint16_t type, uint16_t flags,
		  const void *payload, size_t len, uint32_t *seq)
{
	union {
		struct nlmsghdr align;
		unsigned char b[MNL_NLMSG_HDRLEN + AUDIT_RULE_WORDS * sizeof(uint32_t)];
	} tx;

	if (len > sizeof(tx.b) - MNL_NLMSG_HDRLEN)
		return -EMSGSIZE;
	if (++a->seq == 0)
		a->seq = 1;      /* 0 marks records */
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(tx.b);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = a->seq;
	if (len > 0)
		memcpy(mnl_nlmsg_put_extra_header(nlh, len), payload, len);
	for (;;) {
		if (mnl_socket_sendto(a->sock.nl, nlh, nlh->nlmsg_len) >= 0)
			break;
		if (errno != EINTR)
			return -errno;
	}
	if (seq)
		*seq = nlh->nlmsg_seq;
	return 0;
}

/* Wait, bounded, for the answer to seq.  0 or a negative errno value. */
static int wait_reply(struct audit_nl *a, uint32_t seq, audit_nl_reply_fn fn,
		      void *arg)
{
	uint64_t deadline = clock_now_ns() + AUDIT_NL_REPLY_TIMEOUT_MS * CLOCK_NS_PER_MS;

	for (;;) {
		size_t n;
		int r = recv_one(a, &n);
		if (r < 0)
			return r;
		if (r > 0) {
			int err = 0;
			if (dispatch(a, n, seq, fn, arg, &err))
				return err;
			continue;
		}
		uint64_t now = clock_now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		struct pollfd pfd = { .fd = a->sock.fd, .events = POLLIN };
		int ms = (int)((deadline - now) / CLOCK_NS_PER_MS) + 1;
		if (poll(&pfd, 1, ms) < 0 && errno != EINTR)
			return -errno;
	}
}

int audit_nl_request(struct audit_nl *a, uint16_t type, uint16_t flags,
		     const void *payload, size_t len, audit_nl_reply_fn fn,
		     void *arg)
{
	uint32_t seq;
	int err = audit_nl_send(a, type, flags, payload, len, &seq);

	if (err < 0)
		return err;
	return wait_reply(a, seq, fn, arg);
}

static int got_status(const struct nlmsghdr *nlh, void *arg)
{
	if (nlh->nlmsg_type != AUDIT_GET)
		return 0;
	copy_status(nlh, arg);
	return 1;
}

int audit_nl_status_get(struct audit_nl *a, struct audit_status *st)
{
	return audit_nl_request(a, AUDIT_GET, 0, NULL, 0, got_status, st);
}

int audit_nl_status_set(struct audit_nl *a, const struct audit_status *st)
{
	return audit_nl_request(a, AUDIT_SET, NLM_F_ACK, st, sizeof(*st), NULL, NULL);
}

int audit_nl_read(struct audit_nl *a, unsigned max)
{
	for (unsigned i = 0; i < max; i++) {
		size_t n;
		int err;
		int r = recv_one(a, &n);

		if (r <= 0)
			return r;
		(void)dispatch(a, n, 0, NULL, NULL, &err);
	}
	return 0;
}
