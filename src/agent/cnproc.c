/*
 * cnproc.c - proc connector source: socket and message parser.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>

#include "cnproc.h"
#include "source.h"

void cnproc_init_parser(struct cnproc *c, struct procmodel *pm,
			uint32_t sub_seq, uint32_t sub_ack)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->pm = pm;
	c->sub_seq = sub_seq;
	c->sub_ack = sub_ack;
}

/* Sequence numbers are per CPU and count every event the kernel sent to
 * the group; a jump says how many we never got. */
static void track_seq(struct cnproc *c, uint32_t cpu, uint32_t seq)
{
	if (cpu >= CNPROC_MAX_CPUS)
		return;
	if (c->seq_valid[cpu]) {
		uint32_t expect = c->last_seq[cpu] + 1;
		uint32_t gap = seq - expect;
		/* A "gap" of more than 2^31 is a message from the past
		 * (it cannot happen on one CPU); do not count it. */
		if (gap != 0 && gap < 0x80000000u) {
			agent_log(LOG_DEBUG, "proc connector: cpu %u: seq %u after %u: %u lost",
				  cpu, seq, c->last_seq[cpu], gap);
			c->lost += gap;
			stats_add(STAT_DROP_NETLINK, gap);
		}
	}
	c->seq_valid[cpu] = 1;
	c->last_seq[cpu] = seq;
}

static void handle_event(struct cnproc *c, const struct cn_msg *cn,
			 const struct proc_event *ev, size_t evlen)
{
	size_t head = offsetof(struct proc_event, event_data);

	if (c->scanning) {
		/* First pass over a read: which pids exec or rename. */
		if (ev->what == PROC_EVENT_EXEC &&
		    evlen >= head + sizeof(ev->event_data.exec))
			procmodel_ahead(c->pm, (uint32_t)ev->event_data.exec.process_tgid,
					ev->timestamp_ns);
		else if (ev->what == PROC_EVENT_COMM &&
			 evlen >= head + sizeof(ev->event_data.comm) &&
			 ev->event_data.comm.process_pid == ev->event_data.comm.process_tgid)
			procmodel_ahead(c->pm, (uint32_t)ev->event_data.comm.process_tgid,
					ev->timestamp_ns);
		return;
	}
	if (ev->what == PROC_EVENT_NONE) {
		/* An ack: ours only if it answers our ack id; others come
		 * from other subscribers (un)subscribing.  Newer kernels send
		 * acks like events, numbered in the CPU's sequence (older
		 * ones put cpu = -1 and an echo in seq): every ack with a
		 * real cpu takes its place in that sequence, or each other
		 * subscriber would look like a lost message. */
		track_seq(c, ev->cpu, cn->seq);
		if (evlen < head + sizeof(ev->event_data.ack))
			return;
		/* Kernels differ in what they put in seq (our ack, our
		 * seq, or their own counter); ack = ours + 1 is constant. */
		if (cn->ack == c->sub_ack + 1) {
			c->ack_errno = (int)ev->event_data.ack.err;
			c->ack = c->ack_errno ? CNPROC_ACK_ERROR : CNPROC_ACK_OK;
		}
		return;
	}
	track_seq(c, ev->cpu, cn->seq);

	switch (ev->what) {
	case PROC_EVENT_FORK:
		if (evlen < head + sizeof(ev->event_data.fork))
			break;
		procmodel_fork(c->pm, (uint32_t)ev->event_data.fork.parent_tgid,
			       (uint32_t)ev->event_data.fork.child_pid,
			       (uint32_t)ev->event_data.fork.child_tgid,
			       ev->timestamp_ns);
		return;
	case PROC_EVENT_EXEC:
		if (evlen < head + sizeof(ev->event_data.exec))
			break;
		procmodel_exec(c->pm, (uint32_t)ev->event_data.exec.process_pid,
			       (uint32_t)ev->event_data.exec.process_tgid,
			       ev->timestamp_ns);
		return;
	case PROC_EVENT_EXIT:
		/* Only pid and tgid are used; older kernels send a shorter
		 * exit record, so require just those. */
		if (evlen < head + 2 * sizeof(uint32_t))
			break;
		procmodel_exit(c->pm, (uint32_t)ev->event_data.exit.process_pid,
			       (uint32_t)ev->event_data.exit.process_tgid,
			       ev->timestamp_ns);
		return;
	case PROC_EVENT_COMM:
		if (evlen < head + sizeof(ev->event_data.comm))
			break;
		procmodel_comm(c->pm, (uint32_t)ev->event_data.comm.process_pid,
			       (uint32_t)ev->event_data.comm.process_tgid,
			       ev->event_data.comm.comm,
			       sizeof(ev->event_data.comm.comm));
		return;
	default:
		return; /* uid, gid, sid, ptrace, coredump: not in the model */
	}
	c->malformed++;
}

void cnproc_parse(struct cnproc *c, const void *buf, size_t len,
		  uint32_t sender)
{
	const struct nlmsghdr *nlh = buf;
	int left = len > (size_t)INT32_MAX ? INT32_MAX : (int)len;

	if (sender != 0) {
		/* Only the kernel speaks for the kernel. */
		c->foreign++;
		return;
	}
	/* Every proc connector message is NLMSG_DONE, which libmnl's
	 * mnl_cb_run() treats as the end: walk the buffer ourselves. */
	while (mnl_nlmsg_ok(nlh, left)) {
		size_t plen = mnl_nlmsg_get_payload_len(nlh);
		const struct cn_msg *cn = mnl_nlmsg_get_payload(nlh);

		if (nlh->nlmsg_type == NLMSG_DONE &&
		    plen >= sizeof(*cn) && cn->id.idx == CN_IDX_PROC &&
		    cn->id.val == CN_VAL_PROC &&
		    (size_t)cn->len <= plen - sizeof(*cn) &&
		    cn->len >= offsetof(struct proc_event, event_data)) {
			/* The payload is only 4-byte aligned inside the
			 * datagram; copy to read the u64 stamp safely. */
			struct proc_event ev;
			size_t evlen = cn->len < sizeof(ev) ? cn->len : sizeof(ev);

			memset(&ev, 0, sizeof(ev));
			memcpy(&ev, cn->data, evlen);
			handle_event(c, cn, &ev, evlen);
		} else if (nlh->nlmsg_type != NLMSG_NOOP) {
			c->malformed++;
		}
		nlh = mnl_nlmsg_next(nlh, &left);
	}
}

static int send_mcast_op(struct cnproc *c, enum proc_cn_mcast_op op)
{
	/* nlmsghdr + cn_msg + op, built in a local buffer. */
	uint8_t buf[MNL_ALIGN(sizeof(struct nlmsghdr)) + sizeof(struct cn_msg) +
		    sizeof(uint32_t)] __attribute__((aligned(4)));
	struct nlmsghdr *nlh;
	struct cn_msg *cn;
	uint32_t op32 = (uint32_t)op;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_pid = c->portid;
	nlh->nlmsg_seq = c->sub_seq;
	cn = mnl_nlmsg_put_extra_header(nlh, sizeof(*cn) + sizeof(op32));
	cn->id.idx = CN_IDX_PROC;
	cn->id.val = CN_VAL_PROC;
	cn->seq = c->sub_seq;
	cn->ack = c->sub_ack;
	cn->len = sizeof(op32);
	memcpy(cn->data, &op32, sizeof(op32));
	if (mnl_socket_sendto(c->nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	return 0;
}

static void set_rcvbuf(int fd, int bytes)
{
	if (bytes <= 0)
		return;
	/* FORCE passes rmem_max (needs CAP_NET_ADMIN); else take what the
	 * sysctl allows. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)) < 0)
		agent_log(LOG_WARN, "proc connector: cannot size receive buffer to %d bytes: %s",
			  bytes, strerror(errno));
}

int cnproc_open(struct cnproc *c, struct procmodel *pm, int rcvbuf)
{
	struct timespec now;
	int e;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	/* Any values unlikely to collide with another subscriber's. */
	cnproc_init_parser(c, pm, (uint32_t)getpid() ^ (uint32_t)now.tv_nsec,
			   (uint32_t)now.tv_sec ^ 0x5a5a0000u);
	c->bufs = malloc(CNPROC_BATCH * sizeof(*c->bufs));
	if (!c->bufs)
		return -1;
	/* Resident now, not as bursts grow (see ptable_init). */
	agent_prefault(c->bufs, CNPROC_BATCH * sizeof(*c->bufs));
	c->nl = mnl_socket_open2(NETLINK_CONNECTOR, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!c->nl)
		goto fail;
	if (mnl_socket_bind(c->nl, CN_IDX_PROC, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	c->fd = mnl_socket_get_fd(c->nl);
	c->portid = mnl_socket_get_portid(c->nl);
	set_rcvbuf(c->fd, rcvbuf);
	if (send_mcast_op(c, PROC_CN_MCAST_LISTEN) < 0)
		goto fail;
	return 0;
fail:
	e = errno;
	cnproc_close(c);
	errno = e;
	return -1;
}

/* Tell the model which pids exec or rename in this read before it
 * handles any of it (procmodel_ahead); counters are the real pass's. */
static void scan_ahead(struct cnproc *c, const struct mmsghdr *msgs,
		       const struct sockaddr_nl *addr, int n)
{
	uint64_t foreign = c->foreign, malformed = c->malformed;

	procmodel_ahead_begin(c->pm);
	c->scanning = true;
	for (int i = 0; i < n; i++)
		if (!(msgs[i].msg_hdr.msg_flags & MSG_TRUNC) &&
		    msgs[i].msg_hdr.msg_namelen >= sizeof(addr[i]))
			cnproc_parse(c, c->bufs[i], msgs[i].msg_len, addr[i].nl_pid);
	c->scanning = false;
	c->foreign = foreign;
	c->malformed = malformed;
}

size_t cnproc_drain(struct cnproc *c)
{
	struct mmsghdr msgs[CNPROC_BATCH];
	struct iovec iov[CNPROC_BATCH];
	struct sockaddr_nl addr[CNPROC_BATCH];
	size_t total = 0;

	if (!c->nl)
		return 0;
	for (;;) {
		memset(msgs, 0, sizeof(msgs));
		for (int i = 0; i < CNPROC_BATCH; i++) {
			iov[i].iov_base = c->bufs[i];
			iov[i].iov_len = CNPROC_DGRAM_BYTES;
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &addr[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(addr[i]);
		}
		int n = recvmmsg(c->fd, msgs, CNPROC_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* The kernel dropped messages for us; the
				 * sequence gaps say how many.  Rebuild. */
				c->overruns++;
				if (c->on_overrun)
					c->on_overrun(c->cb_ctx);
				continue;
			}
			if (errno != EAGAIN)
				agent_log(LOG_WARN, "proc connector: recvmmsg: %s",
					  strerror(errno));
			break;
		}
		if (n == 0)
			break;
		if (c->before_batch)
			c->before_batch(c->cb_ctx);
		scan_ahead(c, msgs, addr, n);
		for (int i = 0; i < n; i++) {
			uint32_t sender = msgs[i].msg_hdr.msg_namelen >= sizeof(addr[i])
				? addr[i].nl_pid : UINT32_MAX;
			if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
				c->malformed++;
				continue;
			}
			cnproc_parse(c, c->bufs[i], msgs[i].msg_len, sender);
		}
		total += (size_t)n;
		if (n < CNPROC_BATCH)
			break;
	}
	return total;
}

void cnproc_close(struct cnproc *c)
{
	if (c->nl) {
		/* Best effort: the kernel drops the subscription with the
		 * socket anyway (its listener count is per socket since
		 * 6.x; older kernels keep a global count). */
		if (c->ack == CNPROC_ACK_OK)
			(void)send_mcast_op(c, PROC_CN_MCAST_IGNORE);
		mnl_socket_close(c->nl);
		c->nl = NULL;
	}
	c->fd = -1;
	free(c->bufs);
	c->bufs = NULL;
}
