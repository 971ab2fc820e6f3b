/*
 * audit.c - the audit source (see audit.h for what it promises).
 *
 * Two NETLINK_AUDIT sockets, both non-blocking:
 *   ev:  registered as the audit daemon; the kernel unicasts every audit
 *        record to it.  Only records are read from it at run time.
 *   ctl: requests (rules, status).  At run time it carries the periodic
 *        AUDIT_GET whose "lost" counter feeds STAT_DROP_AUDIT.
 * Startup and shutdown talk to the kernel request by request, each wait
 * bounded by AUDIT_REPLY_TIMEOUT_MS.
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
 *   (sender port id 0) are believed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/netlink.h>
#include <libmnl/libmnl.h>

#include "agent/audit.h"
#include "agent/audit_record.h"
#include "agent/audit_rules.h"

#define AUDIT_REPLY_TIMEOUT_MS 2000
/* Receive buffer for the record socket: a burst of ~10k records. */
#define AUDIT_RCVBUF_BYTES (8 * 1024 * 1024)
/* Kernel queue length we ask for (the default, 64, overflows on a burst). */
#define AUDIT_BACKLOG_LIMIT 8192
/* Datagrams read per wakeup, so one busy source cannot starve the rest. */
#define AUDIT_READ_BATCH 64
#define AUDIT_POLL_INTERVAL_SEC 1
/* Stale rules removed per listing pass, and passes. */
#define AUDIT_STALE_MAX 16
#define AUDIT_STALE_PASSES 4
/* Largest datagram: a record is at most ~9 KiB; a listed rule may carry
 * long path strings. */
#define AUDIT_RX_BYTES 65536

#define NS_PER_MS 1000000ULL

typedef int (*reply_fn)(const struct nlmsghdr *nlh, void *arg);

struct audit_state {
	bool started;
	struct reactor *reactor;
	struct pump *pump;
	struct mnl_socket *ctl, *ev;
	int timer_fd;
	bool in_reactor;
	uint32_t seq;
	uint32_t self;
	unsigned armed;                 /* AUDIT_PROBE_* */
	struct audit_rule rules[AUDIT_RULES_MAX];
	bool installed[AUDIT_RULES_MAX];
	size_t n_rules;
	bool registered;
	struct audit_status saved;      /* status before we changed it */
	uint32_t changed;               /* AUDIT_STATUS_* we changed */
	uint32_t lost_seen;
	bool enobufs_logged;
};

static struct audit_state S = { .timer_fd = -1 };

static union {
	struct nlmsghdr align;
	unsigned char b[AUDIT_RX_BYTES];
} rx;

/* ---- records -------------------------------------------------------- */

static void on_record(uint16_t type, const char *text, size_t len)
{
	struct audit_record rec;

	if (type != AUDIT_SYSCALL || S.armed == 0)
		return;
	if (audit_record_parse(text, len, &rec) != 0 ||
	    !(rec.have & AUDIT_HAVE_PID))
		return;
	if (rec.pid == S.self)
		return;
	unsigned probes = audit_classify(&rec, S.armed);
	if (probes == 0)
		return;

	/* The record's stamp is CLOCK_REALTIME; the offset is sampled now,
	 * so a clock step between the syscall and this read shifts it. */
	uint64_t ts = audit_record_mono_ns(&rec, audit_clock_offset_ns());
	uint64_t now = mono_now_ns();
	if (ts > now)
		ts = now;
	const void *comm = (rec.have & AUDIT_HAVE_COMM) ? rec.comm : NULL;
	size_t comm_len = comm != NULL ? rec.comm_len : 0;

	if (probes & AUDIT_PROBE_CONNECT)
		pump_emit(S.pump, WIRE_PROBE_NET_CONNECT_ATTEMPTED, rec.pid,
			  comm != NULL ? comm : "", comm_len, ts);
	if (probes & AUDIT_PROBE_DENIED)
		pump_emit(S.pump, WIRE_PROBE_CAPABILITY_DENIED, rec.pid,
			  comm != NULL ? comm : "", comm_len, ts);
}

/* The kernel's lost counter counts since boot: report what it gained. */
static void account_lost(uint32_t lost)
{
	/* It only grows, unless someone reset it (AUDIT_STATUS_LOST). */
	uint32_t delta = lost >= S.lost_seen ? lost - S.lost_seen : lost;
	if (delta > 0)
		stats_add(STAT_DROP_AUDIT, delta);
	S.lost_seen = lost;
}

static void on_status(const struct nlmsghdr *nlh)
{
	struct audit_status st;
	size_t plen = mnl_nlmsg_get_payload_len(nlh);

	memset(&st, 0, sizeof(st));
	memcpy(&st, mnl_nlmsg_get_payload(nlh), plen < sizeof(st) ? plen : sizeof(st));
	account_lost(st.lost);
}

/*
 * Handle one datagram from the kernel.  When seq is non-zero, messages
 * answering it are checked: returns 1 with *err set (0 or -errno) once the
 * answer is complete; fn sees the answer's data messages and returns
 * non-zero when it has all it needs.  Everything else (records, late
 * status replies) is dispatched as at run time.
 */
static int on_datagram(const unsigned char *buf, size_t n, uint32_t seq,
		       reply_fn fn, void *arg, int *err)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)(const void *)buf;
	size_t left = n;

	while (left >= NLMSG_HDRLEN) {
		if (nlh->nlmsg_seq == 0 || nlh->nlmsg_type >= AUDIT_FIRST_USER_MSG) {
			/* A record: its length counts the payload only. */
			size_t plen = left - NLMSG_HDRLEN;
			if (nlh->nlmsg_len < plen)
				plen = nlh->nlmsg_len;
			on_record(nlh->nlmsg_type,
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
			on_status(nlh);
		}
		size_t step = NLMSG_ALIGN(nlh->nlmsg_len);
		if (step >= left)
			break;
		left -= step;
		nlh = (const struct nlmsghdr *)(const void *)((const unsigned char *)nlh + step);
	}
	return 0;
}

/* Read one datagram; 1 when one was read, 0 when none is waiting, -1 on
 * error (errno set).  Datagrams not from the kernel are discarded. */
static int recv_one(struct mnl_socket *nl, size_t *n)
{
	struct sockaddr_nl sa;
	socklen_t salen;

	for (;;) {
		salen = sizeof(sa);
		ssize_t r = recvfrom(mnl_socket_get_fd(nl), rx.b, sizeof(rx.b),
				     MSG_DONTWAIT | MSG_TRUNC,
				     (struct sockaddr *)&sa, &salen);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == ENOBUFS) {
				/* Records were dropped on the socket; the kernel
				 * does not say how many: count one. */
				stats_add(STAT_DROP_AUDIT, 1);
				if (!S.enobufs_logged) {
					agent_log(LOG_WARN, "audit: receive buffer overrun, records lost (counted as drops from now on)");
					S.enobufs_logged = true;
				}
				continue;
			}
			return -1;
		}
		if (salen < sizeof(sa) || sa.nl_family != AF_NETLINK || sa.nl_pid != 0)
			continue;
		*n = (size_t)r < sizeof(rx.b) ? (size_t)r : sizeof(rx.b);
		return 1;
	}
}

/* ---- requests ------------------------------------------------------- */

static uint32_t next_seq(void)
{
	if (++S.seq == 0)
		S.seq = 1;      /* 0 marks records */
	return S.seq;
}

/* Send one request; returns its sequence number, or 0 with errno set. */
static uint32_t send_req(struct mnl_socket *nl, uint16_t type, uint16_t flags,
			 const void *payload, size_t len)
{
	union {
		struct nlmsghdr align;
		unsigned char b[MNL_NLMSG_HDRLEN + sizeof(struct audit_rule)];
	} tx;

	if (len > sizeof(tx.b) - MNL_NLMSG_HDRLEN) {
		errno = EMSGSIZE;
		return 0;
	}
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(tx.b);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = next_seq();
	if (len > 0)
		memcpy(mnl_nlmsg_put_extra_header(nlh, len), payload, len);
	for (;;) {
		if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) >= 0)
			return nlh->nlmsg_seq;
		if (errno != EINTR)
			return 0;
	}
}

/* Wait, bounded, for the answer to seq.  0 or -errno. */
static int wait_reply(struct mnl_socket *nl, uint32_t seq, reply_fn fn, void *arg)
{
	uint64_t deadline = mono_now_ns() + AUDIT_REPLY_TIMEOUT_MS * NS_PER_MS;

	for (;;) {
		size_t n;
		int r = recv_one(nl, &n);
		if (r < 0)
			return -errno;
		if (r > 0) {
			int err = 0;
			if (on_datagram(rx.b, n, seq, fn, arg, &err))
				return err;
			continue;
		}
		uint64_t now = mono_now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		struct pollfd pfd = { .fd = mnl_socket_get_fd(nl), .events = POLLIN };
		int ms = (int)((deadline - now) / NS_PER_MS) + 1;
		if (poll(&pfd, 1, ms) < 0 && errno != EINTR)
			return -errno;
	}
}

static int request(struct mnl_socket *nl, uint16_t type, uint16_t flags,
		   const void *payload, size_t len, reply_fn fn, void *arg)
{
	uint32_t seq = send_req(nl, type, flags, payload, len);
	if (seq == 0)
		return -errno;
	return wait_reply(nl, seq, fn, arg);
}

static int got_status(const struct nlmsghdr *nlh, void *arg)
{
	struct audit_status *st = arg;
	size_t plen = mnl_nlmsg_get_payload_len(nlh);

	if (nlh->nlmsg_type != AUDIT_GET)
		return 0;
	memset(st, 0, sizeof(*st));
	memcpy(st, mnl_nlmsg_get_payload(nlh), plen < sizeof(*st) ? plen : sizeof(*st));
	return 1;
}

static int status_get(struct audit_status *st)
{
	return request(S.ctl, AUDIT_GET, 0, NULL, 0, got_status, st);
}

static int status_set(struct mnl_socket *nl, const struct audit_status *st)
{
	return request(nl, AUDIT_SET, NLM_F_ACK, st, sizeof(*st), NULL, NULL);
}

/* ---- rules ---------------------------------------------------------- */

struct stale {
	size_t n;
	bool more;              /* some did not fit: list again */
	struct audit_rule rules[AUDIT_STALE_MAX];
};

static int got_rule(const struct nlmsghdr *nlh, void *arg)
{
	struct stale *st = arg;
	size_t plen = mnl_nlmsg_get_payload_len(nlh);

	if (nlh->nlmsg_type != AUDIT_LIST_RULES ||
	    !audit_rule_is_ours(mnl_nlmsg_get_payload(nlh), plen))
		return 0;
	if (st->n == AUDIT_STALE_MAX || plen > sizeof(st->rules[0].words)) {
		st->more = st->n == AUDIT_STALE_MAX;
		return 0;
	}
	memcpy(st->rules[st->n].words, mnl_nlmsg_get_payload(nlh), plen);
	st->rules[st->n].len = plen;
	st->n++;
	return 0;
}

/*
 * Rules with our key that are in the kernel now were left by an agent
 * that died without cleaning up (we are the registered audit daemon, so no
 * other agent is running).  The kernel deletes a rule given the same
 * bytes it lists, whatever pid the rule excludes.
 */
static void remove_stale_rules(void)
{
	static struct stale st;
	size_t removed = 0;

	for (int pass = 0; pass < AUDIT_STALE_PASSES; pass++) {
		memset(&st, 0, sizeof(st));
		int rc = request(S.ctl, AUDIT_LIST_RULES, 0, NULL, 0, got_rule, &st);
		if (rc < 0) {
			agent_log(LOG_WARN, "audit: cannot list audit rules: %s", strerror(-rc));
			return;
		}
		for (size_t i = 0; i < st.n; i++) {
			rc = request(S.ctl, AUDIT_DEL_RULE, NLM_F_ACK, st.rules[i].words,
				     st.rules[i].len, NULL, NULL);
			if (rc < 0)
				agent_log(LOG_WARN, "audit: cannot remove a stale rule: %s", strerror(-rc));
			else
				removed++;
		}
		if (!st.more)
			break;
	}
	if (removed > 0)
		agent_log(LOG_INFO, "audit: removed %zu stale audit rule(s) left by an earlier run", removed);
}

/* Delete the installed rules serving probes, or every installed rule. */
static void delete_rules(unsigned probes, bool all)
{
	for (size_t i = 0; i < S.n_rules; i++) {
		if (!S.installed[i] || (!all && !(S.rules[i].probe & probes)))
			continue;
		int rc = request(S.ctl, AUDIT_DEL_RULE, NLM_F_ACK, S.rules[i].words,
				 S.rules[i].len, NULL, NULL);
		if (rc < 0 && rc != -ENOENT)
			agent_log(LOG_WARN, "audit: cannot remove audit rule %zu: %s", i, strerror(-rc));
		S.installed[i] = false;
	}
}

/* ---- probes --------------------------------------------------------- */

static enum wire_probe wire_of(unsigned bit)
{
	return bit == AUDIT_PROBE_CONNECT ? WIRE_PROBE_NET_CONNECT_ATTEMPTED
					  : WIRE_PROBE_CAPABILITY_DENIED;
}

static unsigned to_wire_mask(unsigned bits)
{
	unsigned m = 0;
	if (bits & AUDIT_PROBE_CONNECT)
		m |= 1u << WIRE_PROBE_NET_CONNECT_ATTEMPTED;
	if (bits & AUDIT_PROBE_DENIED)
		m |= 1u << WIRE_PROBE_CAPABILITY_DENIED;
	return m;
}

static void refuse(unsigned bits, const char *why)
{
	for (unsigned b = AUDIT_PROBE_CONNECT; b <= AUDIT_PROBE_DENIED; b <<= 1)
		if (bits & b)
			agent_log(LOG_WARN, "probe %s not armed: %s",
				  wire_probe_name(wire_of(b)), why);
}

/* Install the rules of the wanted probes; returns the probes whose
 * required rules all went in.  An optional rule the kernel refuses (a
 * compat-ABI rule without 32-bit support, an exclusion) costs no probe. */
static unsigned install_rules(unsigned want)
{
	unsigned failed = 0;
	int first_err = 0;

	S.n_rules = audit_rules_build(want, S.self, S.rules, AUDIT_RULES_MAX);
	for (size_t i = 0; i < S.n_rules; i++) {
		if (failed & S.rules[i].probe)
			continue;
		int rc = request(S.ctl, AUDIT_ADD_RULE, NLM_F_ACK, S.rules[i].words,
				 S.rules[i].len, NULL, NULL);
		if (rc == 0) {
			S.installed[i] = true;
		} else if (S.rules[i].optional) {
			agent_log(LOG_DEBUG, "audit: optional rule %zu not installed: %s",
				  i, strerror(-rc));
		} else {
			failed |= S.rules[i].probe;
			if (first_err == 0)
				first_err = rc;
		}
	}
	if (failed) {
		char why[128];
		snprintf(why, sizeof(why), "the kernel refused its audit rule: %s",
			 strerror(-first_err));
		refuse(failed, why);
		delete_rules(failed, false);
	}
	return want & ~failed;
}

/* Change the status fields the source needs; remember what to restore. */
static bool tune_status(const struct audit_status *old)
{
	struct audit_status set;
	int rc;

	if (old->enabled == 0) {
		memset(&set, 0, sizeof(set));
		set.mask = AUDIT_STATUS_ENABLED;
		set.enabled = 1;
		rc = status_set(S.ctl, &set);
		if (rc < 0) {
			char why[128];
			snprintf(why, sizeof(why), "cannot enable auditing: %s", strerror(-rc));
			refuse(AUDIT_PROBE_ALL, why);
			return false;
		}
		S.changed |= AUDIT_STATUS_ENABLED;
	}
	if (old->backlog_wait_time != 0) {
		memset(&set, 0, sizeof(set));
		set.mask = AUDIT_STATUS_BACKLOG_WAIT_TIME;
		set.backlog_wait_time = 0;
		rc = status_set(S.ctl, &set);
		if (rc < 0)
			agent_log(LOG_WARN, "audit: cannot set backlog_wait_time to 0 (%s): a full audit queue may delay audited processes",
				  strerror(-rc));
		else
			S.changed |= AUDIT_STATUS_BACKLOG_WAIT_TIME;
	}
	if (old->backlog_limit < AUDIT_BACKLOG_LIMIT) {
		memset(&set, 0, sizeof(set));
		set.mask = AUDIT_STATUS_BACKLOG_LIMIT;
		set.backlog_limit = AUDIT_BACKLOG_LIMIT;
		rc = status_set(S.ctl, &set);
		if (rc < 0)
			agent_log(LOG_WARN, "audit: cannot raise the backlog limit: %s", strerror(-rc));
		else
			S.changed |= AUDIT_STATUS_BACKLOG_LIMIT;
	}
	return true;
}

static void restore_status(void)
{
	struct audit_status set;

	if (S.changed == 0 || S.ctl == NULL)
		return;
	memset(&set, 0, sizeof(set));
	set.mask = S.changed;
	set.enabled = S.saved.enabled;
	set.backlog_limit = S.saved.backlog_limit;
	set.backlog_wait_time = S.saved.backlog_wait_time;
	int rc = status_set(S.ctl, &set);
	if (rc < 0)
		agent_log(LOG_WARN, "audit: cannot restore the audit status: %s", strerror(-rc));
	S.changed = 0;
}

/* ---- reactor handlers ----------------------------------------------- */

static void on_events(void *ctx, uint32_t events)
{
	for (int i = 0; i < AUDIT_READ_BATCH; i++) {
		size_t n;
		int r = recv_one(S.ev, &n);
		if (r == 0)
			return;
		if (r < 0) {
			/* Not a transient condition: with a level-triggered
			 * fd, carrying on would spin.  The rules stay until
			 * audit_source_stop(). */
			agent_log(LOG_ERR, "audit: receive: %s; the audit probes stop",
				  strerror(errno));
			stats_add(STAT_DROP_AUDIT, 1);
			reactor_del(S.reactor, mnl_socket_get_fd(S.ev));
			S.armed = 0;
			return;
		}
		int err;
		on_datagram(rx.b, n, 0, NULL, NULL, &err);
	}
}

static void on_ctl(void *ctx, uint32_t events)
{
	for (int i = 0; i < AUDIT_READ_BATCH; i++) {
		size_t n;
		int r = recv_one(S.ctl, &n);
		if (r <= 0)
			return;
		int err;
		on_datagram(rx.b, n, 0, NULL, NULL, &err);
	}
}

static void on_timer(void *ctx, uint32_t events)
{
	uint64_t expirations;

	while (read(S.timer_fd, &expirations, sizeof(expirations)) < 0 && errno == EINTR)
		;
	/* The answer arrives on ctl and is handled by on_ctl. */
	if (send_req(S.ctl, AUDIT_GET, 0, NULL, 0) == 0 && errno != EAGAIN)
		agent_log(LOG_DEBUG, "audit: status poll: %s", strerror(errno));
}

/* ---- start / stop --------------------------------------------------- */

static bool pid_alive(pid_t pid)
{
	return kill(pid, 0) == 0 || errno == EPERM;
}

static struct mnl_socket *open_socket(void)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_AUDIT, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (nl == NULL)
		return NULL;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		mnl_socket_close(nl);
		errno = e;
		return NULL;
	}
	return nl;
}

static void teardown(void)
{
	if (S.in_reactor) {
		reactor_del(S.reactor, mnl_socket_get_fd(S.ev));
		reactor_del(S.reactor, mnl_socket_get_fd(S.ctl));
		reactor_del(S.reactor, S.timer_fd);
		S.in_reactor = false;
	}
	if (S.ctl != NULL) {
		delete_rules(0, true);
		/* Last look at the kernel's lost counter. */
		struct audit_status st;
		if (S.armed && status_get(&st) == 0)
			account_lost(st.lost);
		restore_status();
	}
	if (S.registered && S.ev != NULL) {
		struct audit_status set;
		memset(&set, 0, sizeof(set));
		set.mask = AUDIT_STATUS_PID;
		set.pid = 0;
		int rc = status_set(S.ev, &set);
		if (rc < 0)
			agent_log(LOG_DEBUG, "audit: unregister: %s", strerror(-rc));
		S.registered = false;
	}
	if (S.timer_fd >= 0)
		close(S.timer_fd);
	if (S.ev != NULL)
		mnl_socket_close(S.ev);
	if (S.ctl != NULL)
		mnl_socket_close(S.ctl);
	S.timer_fd = -1;
	S.ev = S.ctl = NULL;
	S.armed = 0;
}

static bool add_to_reactor(void)
{
	struct itimerspec its = {
		.it_interval = { .tv_sec = AUDIT_POLL_INTERVAL_SEC },
		.it_value = { .tv_sec = AUDIT_POLL_INTERVAL_SEC },
	};

	S.timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (S.timer_fd < 0 || timerfd_settime(S.timer_fd, 0, &its, NULL) < 0)
		return false;
	if (reactor_add(S.reactor, mnl_socket_get_fd(S.ev), EPOLLIN, on_events, NULL) < 0)
		return false;
	if (reactor_add(S.reactor, mnl_socket_get_fd(S.ctl), EPOLLIN, on_ctl, NULL) < 0) {
		reactor_del(S.reactor, mnl_socket_get_fd(S.ev));
		return false;
	}
	if (reactor_add(S.reactor, S.timer_fd, EPOLLIN, on_timer, NULL) < 0) {
		reactor_del(S.reactor, mnl_socket_get_fd(S.ev));
		reactor_del(S.reactor, mnl_socket_get_fd(S.ctl));
		return false;
	}
	S.in_reactor = true;
	return true;
}

unsigned audit_source_start(struct reactor *r, struct pump *p, unsigned want_wire)
{
	unsigned want = 0;
	char why[160];
	int rc;

	if (want_wire & (1u << WIRE_PROBE_NET_CONNECT_ATTEMPTED))
		want |= AUDIT_PROBE_CONNECT;
	if (want_wire & (1u << WIRE_PROBE_CAPABILITY_DENIED))
		want |= AUDIT_PROBE_DENIED;
	if (want == 0 || S.started)
		return to_wire_mask(S.armed);

	memset(&S, 0, sizeof(S));
	S.timer_fd = -1;
	S.started = true;
	S.reactor = r;
	S.pump = p;
	S.self = (uint32_t)getpid();

	if (audit_native_arch() == 0) {
		refuse(want, "audit rules are not implemented for this architecture");
		return 0;
	}
	S.ctl = open_socket();
	if (S.ctl == NULL) {
		snprintf(why, sizeof(why), "cannot open the audit netlink socket: %s%s",
			 strerror(errno),
			 errno == EPROTONOSUPPORT ? " (kernel without CONFIG_AUDIT)" : "");
		refuse(want, why);
		teardown();
		return 0;
	}
	struct audit_status st;
	rc = status_get(&st);
	if (rc < 0) {
		snprintf(why, sizeof(why), "AUDIT_GET failed: %s%s", strerror(-rc),
			 rc == -EPERM || rc == -ECONNREFUSED
			 ? " (needs CAP_AUDIT_CONTROL in the initial namespaces)" : "");
		refuse(want, why);
		teardown();
		return 0;
	}
	S.saved = st;
	S.lost_seen = st.lost;
	if (st.enabled == 2) {
		refuse(want, "the audit configuration is locked (enabled=2)");
		teardown();
		return 0;
	}
	if (st.failure == AUDIT_FAIL_PANIC) {
		refuse(want, "audit failure mode is panic: one lost record would panic the kernel");
		teardown();
		return 0;
	}

	/* A registered daemon that is alive keeps the role.  Asking anyway
	 * would make the kernel send it AUDIT_REPLACE and wait, inside our
	 * sendto(), for room in its socket: unbounded if it is not reading
	 * (stopped, busy).  A dead one's registration is replaced at once. */
	if (st.pid != 0 && st.pid != S.self && pid_alive((pid_t)st.pid)) {
		snprintf(why, sizeof(why), "another audit daemon (pid %u) is registered", st.pid);
		refuse(want, why);
		teardown();
		return 0;
	}

	S.ev = open_socket();
	if (S.ev == NULL) {
		snprintf(why, sizeof(why), "cannot open the audit netlink socket: %s", strerror(errno));
		refuse(want, why);
		teardown();
		return 0;
	}
	int rcvbuf = AUDIT_RCVBUF_BYTES;
	if (setsockopt(mnl_socket_get_fd(S.ev), SOL_SOCKET, SO_RCVBUFFORCE,
		       &rcvbuf, sizeof(rcvbuf)) < 0 &&
	    setsockopt(mnl_socket_get_fd(S.ev), SOL_SOCKET, SO_RCVBUF,
		       &rcvbuf, sizeof(rcvbuf)) < 0)
		agent_log(LOG_DEBUG, "audit: cannot size the receive buffer: %s", strerror(errno));

	struct audit_status reg;
	memset(&reg, 0, sizeof(reg));
	reg.mask = AUDIT_STATUS_PID;
	reg.pid = S.self;
	rc = status_set(S.ev, &reg);
	if (rc == -EEXIST) {
		snprintf(why, sizeof(why), "another audit daemon (pid %u) is registered", st.pid);
		refuse(want, why);
		teardown();
		return 0;
	}
	if (rc < 0) {
		snprintf(why, sizeof(why), "cannot register as the audit daemon: %s", strerror(-rc));
		refuse(want, why);
		teardown();
		return 0;
	}
	S.registered = true;

	if (!tune_status(&st)) {
		teardown();
		return 0;
	}
	remove_stale_rules();
	unsigned armed = install_rules(want);
	if (armed == 0) {
		teardown();
		return 0;
	}
	if (!add_to_reactor()) {
		snprintf(why, sizeof(why), "cannot watch the audit socket: %s", strerror(errno));
		refuse(armed, why);
		teardown();
		return 0;
	}
	S.armed = armed;
	size_t n = 0;
	for (size_t i = 0; i < S.n_rules; i++)
		n += S.installed[i];
	agent_log(LOG_INFO, "audit: armed%s%s (%zu rules, registered as the audit daemon)",
		  armed & AUDIT_PROBE_CONNECT ? " net.connect_attempted" : "",
		  armed & AUDIT_PROBE_DENIED ? " capability.denied" : "", n);
	return to_wire_mask(armed);
}

void audit_source_stop(void)
{
	if (!S.started)
		return;
	if (S.in_reactor)
		on_events(NULL, EPOLLIN);
	teardown();
	S.started = false;
}
