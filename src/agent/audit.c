/*
 * audit.c - the audit source: start, stop and the record path (see
 * audit.h for what it promises).
 *
 * Two NETLINK_AUDIT sockets, both non-blocking:
 *   ev:  registered as the audit daemon; the kernel unicasts every audit
 *        record to it.  Only records are read from it at run time.
 *   ctl: requests (rules, status).  At run time it carries the periodic
 *        AUDIT_GET whose "lost" counter feeds STAT_DROP_AUDIT.
 * Startup and shutdown talk to the kernel request by request, each wait
 * bounded (audit_nl.h).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "audit.h"
#include "audit_record.h"

/* Receive buffer for the record socket: a burst of ~10k records. */
#define AUDIT_RCVBUF_BYTES (8 * 1024 * 1024)
/* Datagrams read per wakeup, so one busy source cannot starve the rest. */
#define AUDIT_READ_BATCH 64
#define AUDIT_POLL_INTERVAL_NS (1ULL * CLOCK_NS_PER_SEC)

/* ---- records -------------------------------------------------------- */

static void on_record(void *ctx, uint16_t type, const char *text, size_t len)
{
	struct audit *a = ctx;
	struct audit_record rec;

	if (type != AUDIT_SYSCALL || a->armed == 0)
		return;
	if (audit_record_parse(text, len, &rec) != 0 ||
	    !(rec.have & AUDIT_HAVE_PID))
		return;
	if (rec.pid == a->k.self)
		return;
	unsigned probes = audit_classify(&rec, a->armed);
	if (probes == 0)
		return;

	/* The record's stamp is CLOCK_REALTIME; the offset is sampled now,
	 * so a clock step between the syscall and this read shifts it. */
	uint64_t ts = audit_record_mono_ns(&rec, audit_clock_offset_ns());
	uint64_t now = clock_now_ns();
	if (ts > now)
		ts = now;
	const void *comm = (rec.have & AUDIT_HAVE_COMM) ? rec.comm : NULL;
	size_t comm_len = comm != NULL ? rec.comm_len : 0;

	if (probes & AUDIT_PROBE_CONNECT)
		pump_emit(a->pump, WIRE_PROBE_NET_CONNECT_ATTEMPTED, rec.pid,
			  comm != NULL ? comm : "", comm_len, ts);
	if (probes & AUDIT_PROBE_DENIED)
		pump_emit(a->pump, WIRE_PROBE_CAPABILITY_DENIED, rec.pid,
			  comm != NULL ? comm : "", comm_len, ts);
}

/* The kernel's lost counter counts since boot: report what it gained. */
static void account_lost(struct audit *a, uint32_t lost)
{
	/* It only grows, unless someone reset it (AUDIT_STATUS_LOST). */
	uint32_t delta = lost >= a->lost_seen ? lost - a->lost_seen : lost;
	if (delta > 0)
		stats_add(STAT_DROP_AUDIT, delta);
	a->lost_seen = lost;
}

static void on_status(void *ctx, const struct audit_status *st)
{
	account_lost(ctx, st->lost);
}

static void on_overrun(void *ctx)
{
	struct audit *a = ctx;

	/* Records were dropped on the socket; the kernel does not say how
	 * many: count one. */
	stats_add(STAT_DROP_AUDIT, 1);
	if (!a->enobufs_logged) {
		agent_log(LOG_WARN, "audit: receive buffer overrun, records lost (counted as drops from now on)");
		a->enobufs_logged = true;
	}
}

/* ---- reactor handlers ----------------------------------------------- */

static void on_events(void *ctx, uint32_t events)
{
	struct audit *a = ctx;
	int err;

	(void)events;
	err = audit_nl_read(&a->k.ev, AUDIT_READ_BATCH);
	if (err == 0)
		return;
	/* Not a transient condition: with a level-triggered fd, carrying on
	 * would spin.  The rules stay until audit_stop(). */
	agent_log(LOG_ERR, "audit: receive: %s; the audit probes stop", strerror(-err));
	stats_add(STAT_DROP_AUDIT, 1);
	(void)reactor_del(a->reactor, a->k.ev.sock.fd);
	a->ev_in_reactor = false;
	a->armed = 0;
}

static void on_req(void *ctx, uint32_t events)
{
	struct audit *a = ctx;

	(void)events;
	(void)audit_nl_read(&a->k.req, AUDIT_READ_BATCH);
}

static void on_poll(void *ctx, uint32_t events)
{
	struct audit *a = ctx;
	int err;

	(void)events;
	clock_timer_ack(&a->poll);
	/* The answer arrives on ctl and is handled by on_req. */
	err = audit_nl_send(&a->k.req, AUDIT_GET, 0, NULL, 0, NULL);
	if (err < 0 && err != -EAGAIN)
		agent_log(LOG_DEBUG, "audit: status poll: %s", strerror(-err));
	err = clock_timer_arm_in(&a->poll, AUDIT_POLL_INTERVAL_NS);
	if (err < 0)
		agent_log(LOG_WARN, "audit: status poll timer: %s", strerror(-err));
}

/* ---- start / stop --------------------------------------------------- */

static bool pid_alive(pid_t pid)
{
	return kill(pid, 0) == 0 || errno == EPERM;
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

static int add_to_reactor(struct audit *a)
{
	int err;

	if (reactor_add(a->reactor, a->k.ev.sock.fd, EPOLLIN, on_events, a) < 0)
		return -errno;
	a->ev_in_reactor = true;
	if (reactor_add(a->reactor, a->k.req.sock.fd, EPOLLIN, on_req, a) < 0)
		return -errno;
	a->req_in_reactor = true;
	err = clock_timer_open(&a->poll, a->reactor, on_poll, a);
	if (err == 0)
		err = clock_timer_arm_in(&a->poll, AUDIT_POLL_INTERVAL_NS);
	return err;
}

/* Undo whatever start did, in reverse order; each step checks its own
 * state, so this serves a failed start and the stop alike. */
static void teardown(struct audit *a)
{
	clock_timer_close(&a->poll);
	if (a->ev_in_reactor)
		(void)reactor_del(a->reactor, a->k.ev.sock.fd);
	if (a->req_in_reactor)
		(void)reactor_del(a->reactor, a->k.req.sock.fd);
	a->ev_in_reactor = a->req_in_reactor = false;
	if (a->k.req.sock.nl != NULL) {
		audit_ctl_delete_rules(&a->k, 0, true);
		/* Last look at the kernel's lost counter. */
		struct audit_status st;
		if (a->armed && audit_nl_status_get(&a->k.req, &st) == 0)
			account_lost(a, st.lost);
		audit_ctl_restore_status(&a->k);
	}
	audit_ctl_unregister(&a->k);
	audit_nl_close(&a->k.ev);
	audit_nl_close(&a->k.req);
	a->armed = 0;
}

int audit_start(struct audit *a, const struct source_env *env, unsigned want_wire,
		struct source_msg *msg)
{
	struct audit_status st;
	unsigned want = 0;
	int err;

	memset(a, 0, sizeof(*a));
	nlsock_init(&a->k.req.sock);
	nlsock_init(&a->k.ev.sock);
	clock_timer_init(&a->poll);
	a->reactor = env->r;
	a->pump = env->pump;
	a->k.self = (uint32_t)getpid();
	a->handlers = (struct audit_nl_handlers){
		.record = on_record, .status = on_status, .overrun = on_overrun, .ctx = a,
	};
	msg->armed = 0;
	msg->text[0] = '\0';
	if (want_wire & (1u << WIRE_PROBE_NET_CONNECT_ATTEMPTED))
		want |= AUDIT_PROBE_CONNECT;
	if (want_wire & (1u << WIRE_PROBE_CAPABILITY_DENIED))
		want |= AUDIT_PROBE_DENIED;
	if (want == 0)
		return 0;
	a->started = true;

	if (audit_native_arch() == 0) {
		err = source_fail(msg, -ENOSYS,
				  "audit rules are not implemented for this architecture");
		goto fail;
	}
	err = audit_nl_open(&a->k.req, &a->handlers);
	if (err < 0) {
		source_fail(msg, err, "cannot open the audit netlink socket: %s%s",
			    strerror(-err), err == -EPROTONOSUPPORT ?
			    " (kernel without CONFIG_AUDIT)" : "");
		goto fail;
	}
	err = audit_nl_status_get(&a->k.req, &st);
	if (err < 0) {
		source_fail(msg, err, "AUDIT_GET failed: %s%s", strerror(-err),
			    err == -EPERM || err == -ECONNREFUSED
			    ? " (needs CAP_AUDIT_CONTROL in the initial namespaces)" : "");
		goto fail;
	}
	a->k.saved = st;
	a->lost_seen = st.lost;
	if (st.enabled == 2) {
		err = source_fail(msg, -EPERM, "the audit configuration is locked (enabled=2)");
		goto fail;
	}
	if (st.failure == AUDIT_FAIL_PANIC) {
		err = source_fail(msg, -EPERM,
				  "audit failure mode is panic: one lost record would panic the kernel");
		goto fail;
	}
	/* A registered daemon that is alive keeps the role.  Asking anyway
	 * would make the kernel send it AUDIT_REPLACE and wait, inside our
	 * sendto(), for room in its socket: unbounded if it is not reading
	 * (stopped, busy).  A dead one's registration is replaced at once. */
	if (st.pid != 0 && st.pid != a->k.self && pid_alive((pid_t)st.pid)) {
		err = source_fail(msg, -EEXIST,
				  "another audit daemon (pid %u) is registered", st.pid);
		goto fail;
	}

	err = audit_nl_open(&a->k.ev, &a->handlers);
	if (err < 0) {
		source_fail(msg, err, "cannot open the audit netlink socket: %s",
			    strerror(-err));
		goto fail;
	}
	err = nlsock_set_rcvbuf(&a->k.ev.sock, AUDIT_RCVBUF_BYTES);
	if (err < 0)
		agent_log(LOG_DEBUG, "audit: cannot size the receive buffer: %s",
			  strerror(-err));
	err = audit_ctl_register(&a->k);
	if (err == -EEXIST) {
		source_fail(msg, err, "another audit daemon (pid %u) is registered", st.pid);
		goto fail;
	}
	if (err < 0) {
		source_fail(msg, err, "cannot register as the audit daemon: %s",
			    strerror(-err));
		goto fail;
	}
	err = audit_ctl_tune_status(&a->k, &st);
	if (err < 0) {
		source_fail(msg, err, "cannot enable auditing: %s", strerror(-err));
		goto fail;
	}
	audit_ctl_remove_stale(&a->k);
	unsigned armed = audit_ctl_install_rules(&a->k, want, &err, msg);
	if (armed == 0)
		goto fail;
	err = add_to_reactor(a);
	if (err < 0) {
		source_fail(msg, err, "cannot watch the audit socket: %s", strerror(-err));
		goto fail;
	}
	a->armed = armed;
	msg->armed = to_wire_mask(armed);
	size_t n = 0;
	for (size_t i = 0; i < a->k.n_rules; i++)
		n += a->k.installed[i];
	agent_log(LOG_INFO, "audit: armed%s%s (%zu rules, registered as the audit daemon)",
		  armed & AUDIT_PROBE_CONNECT ? " net.connect_attempted" : "",
		  armed & AUDIT_PROBE_DENIED ? " capability.denied" : "", n);
	return 0;

fail:
	teardown(a);
	a->started = false;
	return err;
}

void audit_stop(struct audit *a)
{
	if (!a->started)
		return;
	if (a->ev_in_reactor)
		on_events(a, EPOLLIN);
	teardown(a);
	a->started = false;
}
