/*
 * taskstats.c - taskstats exit records through libmnl.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/taskstats.h>

#include "source.h"
#include "taskstats.h"

/* Room for a request: headers plus a cpumask string. */
#define TS_REQ_BYTES 512
#define TS_CPULIST_BYTES 256

static int wait_reply(struct taskstats_src *t, uint8_t *buf, size_t cap,
		      ssize_t *len)
{
	struct pollfd p = { .fd = t->fd, .events = POLLIN };

	for (;;) {
		int r = poll(&p, 1, TASKSTATS_SETUP_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		*len = mnl_socket_recvfrom(t->nl, buf, cap);
		if (*len < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		return *len < 0 ? -1 : 0;
	}
}

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	uint16_t *family = data;

	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U16) >= 0)
		*family = mnl_attr_get_u16(attr);
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb, data);
}

static int resolve_family(struct taskstats_src *t, uint8_t *buf, size_t cap)
{
	uint32_t seq = 1;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;
	ssize_t len;

	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, TASKSTATS_GENL_NAME);
	if (mnl_socket_sendto(t->nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	t->family = 0;
	for (;;) {
		if (wait_reply(t, buf, cap, &len) < 0)
			return -1;
		int r = mnl_cb_run(buf, (size_t)len, seq, t->portid, family_cb,
				   &t->family);
		if (r < 0)
			return -1;     /* errno from the kernel's NLMSG_ERROR */
		if (r == MNL_CB_STOP)
			break;         /* the ack */
	}
	if (t->family == 0) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

/* The kernel rejects a mask naming impossible CPUs: use its own list. */
static int possible_cpus(char *out, size_t cap)
{
	int fd = open("/sys/devices/system/cpu/possible", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	do {
		n = read(fd, out, cap - 1);
	} while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return -1;
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
		n--;
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}

static int register_cpumask(struct taskstats_src *t, uint8_t *buf, size_t cap)
{
	char cpus[TS_CPULIST_BYTES];
	uint32_t seq = 2;
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	ssize_t len;

	if (possible_cpus(cpus, sizeof(cpus)) < 0)
		return -1;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = t->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = TASKSTATS_CMD_GET;
	g->version = TASKSTATS_GENL_VERSION;
	mnl_attr_put_strz(nlh, TASKSTATS_CMD_ATTR_REGISTER_CPUMASK, cpus);
	if (mnl_socket_sendto(t->nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	for (;;) {
		if (wait_reply(t, buf, cap, &len) < 0)
			return -1;
		int r = mnl_cb_run(buf, (size_t)len, seq, t->portid, NULL, NULL);
		if (r < 0)
			return -1;
		if (r == MNL_CB_STOP)
			return 0;
	}
}

int taskstats_open(struct taskstats_src *t, struct procmodel *pm, int rcvbuf)
{
	uint8_t req[TS_REQ_BYTES] __attribute__((aligned(4)));
	int e;

	memset(t, 0, sizeof(*t));
	t->fd = -1;
	t->pm = pm;
	t->bufs = malloc(TASKSTATS_BATCH * sizeof(*t->bufs));
	if (!t->bufs)
		return -1;
	/* Resident now, not as bursts grow (see ptable_init). */
	agent_prefault(t->bufs, TASKSTATS_BATCH * sizeof(*t->bufs));
	t->nl = mnl_socket_open2(NETLINK_GENERIC, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!t->nl)
		goto fail;
	if (mnl_socket_bind(t->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	t->fd = mnl_socket_get_fd(t->nl);
	t->portid = mnl_socket_get_portid(t->nl);
	if (rcvbuf > 0 &&
	    setsockopt(t->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0 &&
	    setsockopt(t->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0)
		agent_log(LOG_WARN, "taskstats: cannot size receive buffer: %s",
			  strerror(errno));
	if (resolve_family(t, t->bufs[0], TASKSTATS_DGRAM_BYTES) < 0)
		goto fail;
	if (register_cpumask(t, req, sizeof(req)) < 0)
		goto fail;
	return 0;
fail:
	e = errno;
	taskstats_close(t);
	errno = e;
	return -1;
}

struct aggr {
	const struct nlattr *stats;
};

static int aggr_cb(const struct nlattr *attr, void *data)
{
	struct aggr *a = data;

	if (mnl_attr_get_type(attr) == TASKSTATS_TYPE_STATS)
		a->stats = attr;
	return MNL_CB_OK;
}

static int top_cb(const struct nlattr *attr, void *data)
{
	struct taskstats_src *t = data;
	struct aggr a = { NULL };
	struct taskstats ts;
	size_t len;

	/* Only per-task records carry the task's own comm; the thread
	 * group aggregate does not. */
	if (mnl_attr_get_type(attr) != TASKSTATS_TYPE_AGGR_PID)
		return MNL_CB_OK;
	if (mnl_attr_parse_nested(attr, aggr_cb, &a) < 0 || !a.stats)
		return MNL_CB_OK;
	len = mnl_attr_get_payload_len(a.stats);
	/* The struct only grows; older kernels send less. */
	if (len < offsetof(struct taskstats, ac_ppid))
		return MNL_CB_OK;
	memset(&ts, 0, sizeof(ts));
	memcpy(&ts, mnl_attr_get_payload(a.stats), len < sizeof(ts) ? len : sizeof(ts));
	uint32_t tgid = len >= offsetof(struct taskstats, ac_tgid) + sizeof(ts.ac_tgid)
		? ts.ac_tgid : 0;
	t->records++;
	procmodel_exit_record(t->pm, ts.ac_pid, tgid, ts.ac_comm,
			      sizeof(ts.ac_comm));
	return MNL_CB_OK;
}

void taskstats_parse(struct taskstats_src *t, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int left = len > (size_t)INT32_MAX ? INT32_MAX : (int)len;

	while (mnl_nlmsg_ok(nlh, left)) {
		if (nlh->nlmsg_type == t->family &&
		    mnl_nlmsg_get_payload_len(nlh) >= sizeof(struct genlmsghdr)) {
			const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
			if (g->cmd == TASKSTATS_CMD_NEW)
				(void)mnl_attr_parse(nlh, sizeof(*g), top_cb, t);
		}
		nlh = mnl_nlmsg_next(nlh, &left);
	}
}

size_t taskstats_drain(struct taskstats_src *t)
{
	struct mmsghdr msgs[TASKSTATS_BATCH];
	struct iovec iov[TASKSTATS_BATCH];
	struct sockaddr_nl addr[TASKSTATS_BATCH];
	size_t total = 0;

	if (!t->nl)
		return 0;
	for (;;) {
		memset(msgs, 0, sizeof(msgs));
		for (int i = 0; i < TASKSTATS_BATCH; i++) {
			iov[i].iov_base = t->bufs[i];
			iov[i].iov_len = TASKSTATS_DGRAM_BYTES;
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &addr[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(addr[i]);
		}
		int n = recvmmsg(t->fd, msgs, TASKSTATS_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* Records lost: those processes' comm may go
				 * unresolved, which is counted per event. */
				t->overruns++;
				continue;
			}
			break;
		}
		for (int i = 0; i < n; i++) {
			if (addr[i].nl_pid != 0 ||
			    (msgs[i].msg_hdr.msg_flags & MSG_TRUNC))
				continue;
			taskstats_parse(t, t->bufs[i], msgs[i].msg_len);
		}
		total += (size_t)n;
		if (n < TASKSTATS_BATCH)
			break;
	}
	return total;
}

void taskstats_close(struct taskstats_src *t)
{
	if (t->nl) {
		mnl_socket_close(t->nl);
		t->nl = NULL;
	}
	t->fd = -1;
	free(t->bufs);
	t->bufs = NULL;
}
