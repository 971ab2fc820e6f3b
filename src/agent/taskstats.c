/*
 * taskstats.c - taskstats exit records through libmnl.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
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

/* The next datagram from the kernel, within TASKSTATS_SETUP_TIMEOUT_MS.
 * 0 with *len set, or a negative errno value. */
static int wait_reply(struct taskstats_src *t, uint8_t *buf, size_t cap,
		      size_t *len)
{
	struct pollfd p = { .fd = t->sock.fd, .events = POLLIN };

	for (;;) {
		int r = nlsock_recv(&t->sock, buf, cap, len);
		if (r == 1)
			return 0;
		if (r < 0 && r != -ENOBUFS)
			return r;
		r = poll(&p, 1, TASKSTATS_SETUP_TIMEOUT_MS);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
	}
}

/* Feed replies to seq into cb until the ack.  0 or a negative errno. */
static int run_reply(struct taskstats_src *t, uint8_t *buf, size_t cap,
		     uint32_t seq, mnl_cb_t cb, void *data)
{
	for (;;) {
		size_t len;
		int r = wait_reply(t, buf, cap, &len);
		if (r < 0)
			return r;
		r = mnl_cb_run(buf, len, seq, t->sock.portid, cb, data);
		if (r < 0)
			return -errno;  /* errno from the kernel's NLMSG_ERROR */
		if (r == MNL_CB_STOP)
			return 0;       /* the ack */
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

	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, TASKSTATS_GENL_NAME);
	if (mnl_socket_sendto(t->sock.nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	t->family = 0;
	int err = run_reply(t, buf, cap, seq, family_cb, &t->family);
	if (err < 0)
		return err;
	return t->family == 0 ? -ENOENT : 0;
}

/* The kernel rejects a mask naming impossible CPUs: use its own list.
 * 0 or a negative errno value. */
static int possible_cpus(char *out, size_t cap)
{
	int fd = open("/sys/devices/system/cpu/possible", O_RDONLY | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	do {
		n = read(fd, out, cap - 1);
	} while (n < 0 && errno == EINTR);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (n <= 0)
		return err < 0 ? err : -ENODATA;
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
		n--;
	out[n] = '\0';
	return n > 0 ? 0 : -ENODATA;
}

static int register_cpumask(struct taskstats_src *t, uint8_t *buf, size_t cap)
{
	char cpus[TS_CPULIST_BYTES];
	uint32_t seq = 2;
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	int err = possible_cpus(cpus, sizeof(cpus));

	if (err < 0)
		return err;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = t->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = TASKSTATS_CMD_GET;
	g->version = TASKSTATS_GENL_VERSION;
	mnl_attr_put_strz(nlh, TASKSTATS_CMD_ATTR_REGISTER_CPUMASK, cpus);
	if (mnl_socket_sendto(t->sock.nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return run_reply(t, buf, cap, seq, NULL, NULL);
}

int taskstats_open(struct taskstats_src *t, struct procmodel *pm, int rcvbuf)
{
	uint8_t req[TS_REQ_BYTES] __attribute__((aligned(4)));
	int err;

	memset(t, 0, sizeof(*t));
	t->pm = pm;
	err = nlsock_open(&t->sock, NETLINK_GENERIC, 0, TASKSTATS_BATCH,
			  TASKSTATS_DGRAM_BYTES);
	if (err < 0)
		return err;
	if (rcvbuf > 0 && (err = nlsock_set_rcvbuf(&t->sock, rcvbuf)) < 0)
		agent_log(LOG_WARN, "taskstats: cannot size receive buffer: %s",
			  strerror(-err));
	err = resolve_family(t, t->sock.bufs, TASKSTATS_DGRAM_BYTES);
	if (err == 0)
		err = register_cpumask(t, req, sizeof(req));
	if (err < 0) {
		taskstats_close(t);
		return err;
	}
	return 0;
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

static void on_datagram(void *ctx, const void *buf, size_t len)
{
	taskstats_parse(ctx, buf, len);
}

size_t taskstats_drain(struct taskstats_src *t)
{
	/* Records lost to an overrun (counted in sock.overruns) leave those
	 * processes' comm unresolved, which is counted per event. */
	const struct nlsock_handlers h = { .datagram = on_datagram, .ctx = t };

	return nlsock_drain(&t->sock, &h);
}

void taskstats_close(struct taskstats_src *t)
{
	nlsock_close(&t->sock);
}
