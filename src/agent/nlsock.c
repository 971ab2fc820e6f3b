/*
 * nlsock.c - a netlink socket for the agent's sources (see nlsock.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include "mem.h"
#include "nlsock.h"

/* recvmmsg's arrays live on the stack: this many at most per call. */
#define NLSOCK_MAX_BATCH 256

void nlsock_init(struct nlsock *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

int nlsock_open(struct nlsock *s, int bus, unsigned groups, unsigned batch,
		size_t dgram_bytes)
{
	int err;

	nlsock_init(s);
	if (batch > NLSOCK_MAX_BATCH)
		return -EINVAL;
	s->batch = batch;
	s->dgram_bytes = dgram_bytes;
	if (batch > 0) {
		/* Resident before the first event, not as bursts grow. */
		s->bufs = mem_resident(batch, dgram_bytes);
		if (!s->bufs)
			return -ENOMEM;
	}
	s->nl = mnl_socket_open2(bus, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!s->nl)
		goto fail;
	if (mnl_socket_bind(s->nl, groups, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	s->fd = mnl_socket_get_fd(s->nl);
	s->portid = mnl_socket_get_portid(s->nl);
	return 0;
fail:
	err = -errno;
	nlsock_close(s);
	return err;
}

int nlsock_set_rcvbuf(struct nlsock *s, int bytes)
{
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) == 0 ||
	    setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)) == 0)
		return 0;
	return -errno;
}

bool nlsock_from_kernel(const struct msghdr *mh)
{
	const struct sockaddr_nl *sa = mh->msg_name;

	return sa != NULL && mh->msg_namelen >= sizeof(*sa) &&
	       sa->nl_family == AF_NETLINK && sa->nl_pid == 0;
}

/* Whether a received datagram may go to the caller; counts the rest. */
static bool accept_dgram(struct nlsock *s, const struct msghdr *mh)
{
	if (!nlsock_from_kernel(mh)) {
		s->foreign++;
		return false;
	}
	if (mh->msg_flags & MSG_TRUNC) {
		s->truncated++;
		return false;
	}
	return true;
}

size_t nlsock_drain(struct nlsock *s, const struct nlsock_handlers *h)
{
	struct mmsghdr msgs[NLSOCK_MAX_BATCH];
	struct iovec iov[NLSOCK_MAX_BATCH];
	struct sockaddr_nl addr[NLSOCK_MAX_BATCH];
	size_t total = 0;

	if (!s->nl || s->batch == 0)
		return 0;
	for (;;) {
		memset(msgs, 0, sizeof(msgs[0]) * s->batch);
		for (unsigned i = 0; i < s->batch; i++) {
			iov[i].iov_base = s->bufs + (size_t)i * s->dgram_bytes;
			iov[i].iov_len = s->dgram_bytes;
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &addr[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(addr[i]);
		}
		int n = recvmmsg(s->fd, msgs, s->batch, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				s->overruns++;
				if (h->overrun)
					h->overrun(h->ctx);
				continue;
			}
			if (errno != EAGAIN)
				s->error = -errno;
			break;
		}
		if (n == 0)
			break;
		if (h->before_batch)
			h->before_batch(h->ctx);
		if (h->prescan) {
			for (int i = 0; i < n; i++)
				if (nlsock_from_kernel(&msgs[i].msg_hdr) &&
				    !(msgs[i].msg_hdr.msg_flags & MSG_TRUNC))
					h->prescan(h->ctx, iov[i].iov_base, msgs[i].msg_len);
		}
		for (int i = 0; i < n; i++)
			if (accept_dgram(s, &msgs[i].msg_hdr))
				h->datagram(h->ctx, iov[i].iov_base, msgs[i].msg_len);
		total += (size_t)n;
		if ((unsigned)n < s->batch)
			break;
	}
	return total;
}

int nlsock_recv(struct nlsock *s, void *buf, size_t cap, size_t *len)
{
	struct sockaddr_nl sa;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr mh;
	ssize_t r;

	if (!s->nl)
		return -EBADF;
	for (;;) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &sa;
		mh.msg_namelen = sizeof(sa);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		r = recvmsg(s->fd, &mh, MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == ENOBUFS)
				s->overruns++;
			return -errno;
		}
		if (!accept_dgram(s, &mh))
			continue;
		*len = (size_t)r;
		return 1;
	}
}

void nlsock_close(struct nlsock *s)
{
	if (s->nl)
		mnl_socket_close(s->nl);
	mem_free(s->bufs);
	nlsock_init(s);
}
