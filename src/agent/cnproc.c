/*
 * cnproc.c - proc connector source: socket and message parser.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
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
	nlsock_init(&c->sock);
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

void cnproc_parse(struct cnproc *c, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int left = len > (size_t)INT32_MAX ? INT32_MAX : (int)len;

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
	nlh->nlmsg_pid = c->sock.portid;
	nlh->nlmsg_seq = c->sub_seq;
	cn = mnl_nlmsg_put_extra_header(nlh, sizeof(*cn) + sizeof(op32));
	cn->id.idx = CN_IDX_PROC;
	cn->id.val = CN_VAL_PROC;
	cn->seq = c->sub_seq;
	cn->ack = c->sub_ack;
	cn->len = sizeof(op32);
	memcpy(cn->data, &op32, sizeof(op32));
	if (mnl_socket_sendto(c->sock.nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return 0;
}

int cnproc_open(struct cnproc *c, struct procmodel *pm, int rcvbuf)
{
	uint64_t now = clock_now_ns();
	int err;

	/* Any values unlikely to collide with another subscriber's. */
	cnproc_init_parser(c, pm, (uint32_t)getpid() ^ (uint32_t)now,
			   (uint32_t)(now / CLOCK_NS_PER_SEC) ^ 0x5a5a0000u);
	err = nlsock_open(&c->sock, NETLINK_CONNECTOR, CN_IDX_PROC, CNPROC_BATCH,
			  CNPROC_DGRAM_BYTES);
	if (err < 0)
		return err;
	if (rcvbuf > 0 && (err = nlsock_set_rcvbuf(&c->sock, rcvbuf)) < 0)
		agent_log(LOG_WARN, "proc connector: cannot size receive buffer to %d bytes: %s",
			  rcvbuf, strerror(-err));
	err = send_mcast_op(c, PROC_CN_MCAST_LISTEN);
	if (err < 0) {
		cnproc_close(c);
		return err;
	}
	return 0;
}

static void on_datagram(void *ctx, const void *buf, size_t len)
{
	cnproc_parse(ctx, buf, len);
}

static void on_overrun(void *ctx)
{
	struct cnproc *c = ctx;

	/* The sequence gaps say how many were lost.  Rebuild. */
	if (c->on_overrun)
		c->on_overrun(c->cb_ctx);
}

static void before_batch(void *ctx)
{
	struct cnproc *c = ctx;

	if (c->before_batch)
		c->before_batch(c->cb_ctx);
}

size_t cnproc_drain(struct cnproc *c)
{
	const struct nlsock_handlers h = {
		.datagram = on_datagram,
		.before_batch = before_batch,
		.overrun = on_overrun,
		.ctx = c,
	};
	uint64_t truncated = c->sock.truncated;
	size_t n = nlsock_drain(&c->sock, &h);

	c->malformed += c->sock.truncated - truncated;
	if (c->sock.error < 0) {
		agent_log(LOG_WARN, "proc connector: receive: %s", strerror(-c->sock.error));
		c->sock.error = 0;
	}
	return n;
}

void cnproc_close(struct cnproc *c)
{
	/* Best effort: the kernel drops the subscription with the socket
	 * anyway (its listener count is per socket since 6.x; older kernels
	 * keep a global count). */
	if (c->sock.nl && c->ack == CNPROC_ACK_OK)
		(void)send_mcast_op(c, PROC_CN_MCAST_IGNORE);
	nlsock_close(&c->sock);
}
