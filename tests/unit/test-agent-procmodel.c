/*
 * test-agent-procmodel.c - the process event model (src/agent/procmodel.c) fed
 * synthetic proc connector datagrams through the connector's parser
 * (src/agent/cnproc.c), with /proc and taskstats replaced by tables the
 * test controls.  No kernel involved.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <libmnl/libmnl.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>

#include "agent/cnproc.h"
#include "agent/procmodel.h"
#include "agent/nlsock.h"
#include "agent/stats.h"

#define MAX_EVENTS 64
#define MAX_LIVE 16
#define MAX_RECORDS 16
#define SUB_SEQ 1000u
#define SUB_ACK 77u
#define MS 1000000ULL
#define WINDOW (5 * MS)

struct got {
	enum wire_probe probe;
	uint32_t pid;
	char comm[PT_COMM_LEN + 1];
	uint64_t ts;
};

struct live { uint32_t pid; const char *comm; };
struct record { uint32_t pid, tgid; const char *comm; };

static struct {
	struct got ev[MAX_EVENTS];
	size_t n;
	struct live live[MAX_LIVE];
	size_t nlive;
	struct record pending[MAX_RECORDS]; /* "in the taskstats socket" */
	size_t npending;
	unsigned fetches;
	uint64_t cpu;          /* what every child has run, for cpu_ns */
	struct procmodel pm;
	struct cnproc cn;
	uint32_t seq[4];
	void (*in_socket)(void);   /* events sync_events brings in */
	unsigned syncs;
} W;

static void fake_emit(void *ctx, enum wire_probe probe, uint32_t pid,
		      const char *comm, size_t len, uint64_t ts)
{
	(void)ctx;
	assert_true(W.n < MAX_EVENTS);
	struct got *g = &W.ev[W.n++];
	g->probe = probe;
	g->pid = pid;
	memcpy(g->comm, comm, len);
	g->comm[len] = '\0';
	g->ts = ts;
}

static int fake_read_comm(void *ctx, uint32_t pid, char comm[PT_COMM_LEN])
{
	(void)ctx;
	for (size_t i = 0; i < W.nlive; i++) {
		if (W.live[i].pid == pid) {
			size_t l = strlen(W.live[i].comm);
			memcpy(comm, W.live[i].comm, l);
			return (int)l;
		}
	}
	return -1;
}

static void fake_fetch(void *ctx, bool force)
{
	(void)ctx;
	(void)force;
	W.fetches++;
	for (size_t i = 0; i < W.npending; i++)
		procmodel_exit_record(&W.pm, W.pending[i].pid, W.pending[i].tgid,
				      W.pending[i].comm, strlen(W.pending[i].comm));
	W.npending = 0;
}

static uint64_t fake_cpu_ns(void *ctx, uint32_t pid)
{
	(void)ctx;
	(void)pid;
	return W.cpu;
}

static void fake_sync(void *ctx)
{
	(void)ctx;
	W.syncs++;
	if (W.in_socket) {
		void (*f)(void) = W.in_socket;
		W.in_socket = NULL;
		f();
	}
}

static void set_live(uint32_t pid, const char *comm)
{
	for (size_t i = 0; i < W.nlive; i++) {
		if (W.live[i].pid == pid) {
			W.live[i].comm = comm;
			return;
		}
	}
	W.live[W.nlive].pid = pid;
	W.live[W.nlive++].comm = comm;
}

static void kill_live(uint32_t pid)
{
	for (size_t i = 0; i < W.nlive; i++) {
		if (W.live[i].pid == pid) {
			W.live[i] = W.live[--W.nlive];
			return;
		}
	}
}

/* The kernel queued an exit record for pid (it is gone from /proc). */
static void exit_record(uint32_t pid, uint32_t tgid, const char *comm)
{
	kill_live(pid);
	W.pending[W.npending].pid = pid;
	W.pending[W.npending].tgid = tgid;
	W.pending[W.npending++].comm = comm;
}

static int setup(void **state)
{
	struct procmodel_config cfg = { .capacity = 64, .coalesce_ns = WINDOW };
	struct procmodel_ops ops = {
		.emit = fake_emit, .read_comm = fake_read_comm,
		.fetch_exit_records = fake_fetch,
		.cpu_ns = fake_cpu_ns,
		.sync_events = fake_sync,
	};

	(void)state;
	memset(&W, 0, sizeof(W));
	W.cpu = UINT64_MAX;
	stats_reset();
	log_set_level(LOG_ERR);
	assert_int_equal(procmodel_init(&W.pm, &cfg, &ops), 0);
	cnproc_init_parser(&W.cn, &W.pm, SUB_SEQ, SUB_ACK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	procmodel_fini(&W.pm);
	return 0;
}

/* ---- building datagrams as the kernel does ---- */

struct dgram {
	uint8_t buf[256] __attribute__((aligned(8)));
	size_t len;
};

static void build(struct dgram *d, uint32_t cpu, uint32_t seq, uint32_t ack,
		  uint32_t what, uint64_t ts, const void *data, size_t dlen)
{
	struct nlmsghdr *nlh;
	struct cn_msg *cn;
	struct proc_event ev;
	size_t evlen = offsetof(struct proc_event, event_data) + dlen;

	memset(d, 0, sizeof(*d));
	memset(&ev, 0, sizeof(ev));
	ev.what = what;
	ev.cpu = cpu;
	ev.timestamp_ns = ts;
	memcpy(&ev.event_data, data, dlen);
	nlh = mnl_nlmsg_put_header(d->buf);
	nlh->nlmsg_type = NLMSG_DONE;
	cn = mnl_nlmsg_put_extra_header(nlh, sizeof(*cn) + evlen);
	cn->id.idx = CN_IDX_PROC;
	cn->id.val = CN_VAL_PROC;
	cn->seq = seq;
	cn->ack = ack;
	cn->len = (uint16_t)evlen;
	memcpy(cn->data, &ev, evlen);
	d->len = nlh->nlmsg_len;
}

static void feed_on(uint32_t cpu, uint32_t what, uint64_t ts, const void *data,
		    size_t dlen)
{
	struct dgram d;

	build(&d, cpu, W.seq[cpu]++, 0, what, ts, data, dlen);
	cnproc_parse(&W.cn, d.buf, d.len);
}

static void fork_ev(uint32_t ppid, uint32_t child_pid, uint32_t child_tgid, uint64_t ts)
{
	struct fork_proc_event f = { (int)ppid, (int)ppid, (int)child_pid, (int)child_tgid };
	feed_on(0, PROC_EVENT_FORK, ts, &f, sizeof(f));
}

static void exec_ev(uint32_t pid, uint64_t ts)
{
	struct exec_proc_event e = { (int)pid, (int)pid };
	feed_on(0, PROC_EVENT_EXEC, ts, &e, sizeof(e));
}

static void exit_ev(uint32_t pid, uint32_t tgid, uint64_t ts)
{
	struct exit_proc_event x;
	memset(&x, 0, sizeof(x));
	x.process_pid = (int)pid;
	x.process_tgid = (int)tgid;
	feed_on(0, PROC_EVENT_EXIT, ts, &x, sizeof(x));
}

static void assert_event(size_t i, enum wire_probe probe, uint32_t pid,
			 const char *comm)
{
	assert_true(i < W.n);
	assert_int_equal(W.ev[i].probe, probe);
	assert_int_equal(W.ev[i].pid, pid);
	assert_string_equal(W.ev[i].comm, comm);
}

/* ---- the model ---- */

static void fork_then_exec_gives_one_spawned_with_new_comm(void **state)
{
	(void)state;
	set_live(100, "bash");
	fork_ev(1, 100, 100, 1 * MS);
	set_live(100, "ls");
	exec_ev(100, 2 * MS);
	procmodel_expire(&W.pm, 100 * MS);
	assert_int_equal(W.n, 1);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 100, "ls");
	assert_int_equal(W.ev[0].ts, 2 * MS);
}

static void fork_without_exec_is_spawned_once_after_window(void **state)
{
	(void)state;
	set_live(101, "worker");
	fork_ev(1, 101, 101, 10 * MS);
	assert_int_equal(procmodel_next_deadline(&W.pm), 10 * MS + WINDOW);
	procmodel_expire(&W.pm, 10 * MS + WINDOW - 1);
	assert_int_equal(W.n, 0);
	procmodel_expire(&W.pm, 10 * MS + WINDOW);
	assert_int_equal(W.n, 1);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 101, "worker");
	assert_int_equal(W.ev[0].ts, 10 * MS);
	/* Nothing more later, and a late exec is a new program. */
	procmodel_expire(&W.pm, 1000 * MS);
	assert_int_equal(W.n, 1);
	assert_int_equal(procmodel_next_deadline(&W.pm), 0);
}

static void fork_without_exec_that_exits_is_spawned_then_exited(void **state)
{
	(void)state;
	set_live(102, "sh");
	fork_ev(1, 102, 102, 1 * MS);
	exit_record(102, 102, "sh");
	exit_ev(102, 102, 2 * MS);
	assert_int_equal(W.n, 2);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 102, "sh");
	assert_event(1, WIRE_PROBE_PROCESS_EXITED, 102, "sh");
	assert_true(W.ev[0].ts < W.ev[1].ts);
	procmodel_expire(&W.pm, 1000 * MS);
	assert_int_equal(W.n, 2);
	assert_int_equal(procmodel_tracked(&W.pm), 0);
}

static void threads_produce_nothing(void **state)
{
	(void)state;
	set_live(103, "app");
	exec_ev(103, 1 * MS);
	/* A thread: new pid, same group; the kernel names the creator's
	 * parent as the parent. */
	fork_ev(1, 104, 103, 2 * MS);
	exit_record(104, 103, "app-thread");
	exit_ev(104, 103, 3 * MS);
	procmodel_expire(&W.pm, 1000 * MS);
	assert_int_equal(W.n, 1);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 103, "app");
	assert_int_equal(stats_get(STAT_COMM_UNRESOLVED), 0);
}

static void exec_without_seen_fork_is_spawned(void **state)
{
	(void)state;
	set_live(105, "daemon");
	exec_ev(105, 1 * MS);
	exit_record(105, 105, "daemon");
	exit_ev(105, 105, 2 * MS);
	assert_int_equal(W.n, 2);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 105, "daemon");
	assert_event(1, WIRE_PROBE_PROCESS_EXITED, 105, "daemon");
}

static void exec_of_process_already_gone_takes_comm_from_exit_record(void **state)
{
	(void)state;
	set_live(106, "bash");
	fork_ev(1, 106, 106, 1 * MS);
	exit_record(106, 106, "quick");   /* exec'd and exited already */
	exec_ev(106, 2 * MS);
	exit_ev(106, 106, 3 * MS);
	assert_int_equal(W.n, 2);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 106, "quick");
	assert_event(1, WIRE_PROBE_PROCESS_EXITED, 106, "quick");
	assert_int_equal(stats_get(STAT_COMM_UNRESOLVED), 0);
}

static void exit_record_fetched_before_the_fork_is_kept(void **state)
{
	(void)state;
	/* The whole life in one batch: records are fetched first. */
	exit_record(107, 107, "blink");
	fake_fetch(NULL, true);
	fork_ev(1, 107, 107, 1 * MS);
	exec_ev(107, 2 * MS);
	exit_ev(107, 107, 3 * MS);
	assert_int_equal(W.n, 2);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 107, "blink");
	assert_event(1, WIRE_PROBE_PROCESS_EXITED, 107, "blink");
}

static void unresolvable_comm_is_empty_and_counted(void **state)
{
	(void)state;
	fork_ev(1, 108, 108, 1 * MS);
	exec_ev(108, 2 * MS);     /* gone, and no exit record */
	assert_int_equal(W.n, 1);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 108, "");
	assert_int_equal(stats_get(STAT_COMM_UNRESOLVED), 1);
	assert_true(W.fetches > 0);
}

static void exited_of_unknown_pid_is_not_sent(void **state)
{
	(void)state;
	exit_ev(109, 109, 1 * MS);
	assert_int_equal(W.n, 0);
}

static void exit_uses_last_known_comm_without_record(void **state)
{
	(void)state;
	set_live(110, "srv");
	exec_ev(110, 1 * MS);
	kill_live(110);
	exit_ev(110, 110, 2 * MS);
	assert_int_equal(W.n, 2);
	assert_event(1, WIRE_PROBE_PROCESS_EXITED, 110, "srv");
}

static void reused_pid_closes_the_previous_process(void **state)
{
	(void)state;
	set_live(111, "old");
	exec_ev(111, 1 * MS);
	/* Its exit was lost; the pid comes back. */
	set_live(111, "new");
	fork_ev(1, 111, 111, 5 * MS);
	exec_ev(111, 6 * MS);
	assert_int_equal(W.n, 3);
	assert_event(1, WIRE_PROBE_PROCESS_EXITED, 111, "old");
	assert_event(2, WIRE_PROBE_PROCESS_SPAWNED, 111, "new");
}

static void walk_reports_new_and_vanished_processes(void **state)
{
	(void)state;
	set_live(120, "a");
	exec_ev(120, 1 * MS);
	set_live(121, "b");
	kill_live(120);
	procmodel_walk_begin(&W.pm);
	procmodel_walk_seen(&W.pm, 121, 10 * MS);
	procmodel_walk_end(&W.pm, 11 * MS);
	assert_int_equal(W.n, 3);
	assert_event(1, WIRE_PROBE_PROCESS_SPAWNED, 121, "b");
	assert_event(2, WIRE_PROBE_PROCESS_EXITED, 120, "a");
}

static void events_older_than_the_walk_are_not_reported_twice(void **state)
{
	(void)state;
	set_live(122, "late");
	procmodel_walk_begin(&W.pm);
	procmodel_walk_seen(&W.pm, 122, 10 * MS);
	procmodel_walk_end(&W.pm, 11 * MS);
	assert_int_equal(W.n, 1);
	/* Still in the socket during the walk: fork and exec before it. */
	fork_ev(1, 122, 122, 8 * MS);
	exec_ev(122, 9 * MS);
	procmodel_expire(&W.pm, 1000 * MS);
	assert_int_equal(W.n, 1);
	/* A later exec is news. */
	set_live(122, "later");
	exec_ev(122, 20 * MS);
	assert_int_equal(W.n, 2);
	assert_event(1, WIRE_PROBE_PROCESS_SPAWNED, 122, "later");
}

static void late_exec_message_gets_the_window_extended_once(void **state)
{
	(void)state;
	set_live(50, "shell");
	exec_ev(50, 1 * MS);
	set_live(140, "shell");
	fork_ev(50, 140, 140, 2 * MS);
	/* It exec'd, but the kernel's message has not arrived yet. */
	set_live(140, "newprog");
	procmodel_expire(&W.pm, 2 * MS + WINDOW);
	assert_int_equal(W.n, 1);
	exec_ev(140, 3 * MS);
	procmodel_expire(&W.pm, 1000 * MS);
	assert_int_equal(W.n, 2);
	assert_event(1, WIRE_PROBE_PROCESS_SPAWNED, 140, "newprog");
}

static void renamed_fork_is_spawned_after_one_extension(void **state)
{
	(void)state;
	set_live(51, "shell");
	exec_ev(51, 1 * MS);
	set_live(141, "renamed");      /* prctl, no exec */
	fork_ev(51, 141, 141, 2 * MS);
	procmodel_expire(&W.pm, 2 * MS + WINDOW);
	assert_int_equal(W.n, 1);
	procmodel_expire(&W.pm, 2 * MS + 3 * WINDOW);
	assert_int_equal(W.n, 2);
	assert_event(1, WIRE_PROBE_PROCESS_SPAWNED, 141, "renamed");
	procmodel_expire(&W.pm, 1000 * MS);
	assert_int_equal(W.n, 2);
}

static void child_that_has_hardly_run_waits_a_bounded_time(void **state)
{
	(void)state;
	set_live(142, "parent");
	W.cpu = 1000;   /* 1 us of CPU: it never had a chance to exec */
	fork_ev(1, 142, 142, 0);
	uint64_t t = WINDOW;
	for (int i = 0; i < PM_MAX_EXTENSIONS; i++) {
		procmodel_expire(&W.pm, t);
		assert_int_equal(W.n, 0);
		t += WINDOW;
	}
	procmodel_expire(&W.pm, t);
	assert_int_equal(W.n, 1);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 142, "parent");
}

static void walk_reports_an_exec_it_caught_before(void **state)
{
	(void)state;
	set_live(123, "bash");           /* between fork and exec */
	procmodel_walk_begin(&W.pm);
	procmodel_walk_seen(&W.pm, 123, 10 * MS);
	procmodel_walk_end(&W.pm, 11 * MS);
	set_live(123, "make");
	procmodel_walk_begin(&W.pm);
	procmodel_walk_seen(&W.pm, 123, 20 * MS);
	procmodel_walk_end(&W.pm, 21 * MS);
	/* Same name on later walks: nothing more. */
	for (int i = 0; i < 3; i++) {
		procmodel_walk_begin(&W.pm);
		procmodel_walk_seen(&W.pm, 123, (uint64_t)(30 + i) * MS);
		procmodel_walk_end(&W.pm, (uint64_t)(30 + i) * MS);
	}
	assert_int_equal(W.n, 2);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 123, "bash");
	assert_event(1, WIRE_PROBE_PROCESS_SPAWNED, 123, "make");
	kill_live(123);
	procmodel_walk_begin(&W.pm);
	procmodel_walk_end(&W.pm, 40 * MS);
	assert_int_equal(W.n, 3);
	assert_event(2, WIRE_PROBE_PROCESS_EXITED, 123, "make");
}

/* One walk: pid seen (still alive) at t ms. */
static void walk_once(uint32_t pid, uint64_t t)
{
	procmodel_walk_begin(&W.pm);
	procmodel_walk_seen(&W.pm, pid, t * MS);
	procmodel_walk_end(&W.pm, t * MS);
}

/* A 20 ms walker re-reads a new process's name for about a second, not
 * just two walks: a loaded machine's child may exec 200 ms after its fork. */
static void walk_rechecks_cover_a_span_of_time(void **state)
{
	struct procmodel_config cfg = { .capacity = 64, .coalesce_ns = WINDOW,
					.walk_period_ns = 20 * MS };
	struct procmodel_ops ops = W.pm.ops;

	(void)state;
	procmodel_fini(&W.pm);
	assert_int_equal(procmodel_init(&W.pm, &cfg, &ops), 0);
	set_live(124, "bash");
	walk_once(124, 10);
	for (uint64_t t = 30; t <= 190; t += 20)
		walk_once(124, t);  /* nine walks under the shell's name */
	set_live(124, "helper");
	walk_once(124, 210);
	assert_int_equal(W.n, 2);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 124, "bash");
	assert_event(1, WIRE_PROBE_PROCESS_SPAWNED, 124, "helper");
}

/* Without a period the minimum holds: a rename after the rechecks is not
 * an exec the walker can tell from a prctl, and is not reported. */
static void walk_rechecks_end(void **state)
{
	(void)state;
	set_live(125, "bash");
	walk_once(125, 10);
	for (uint64_t t = 20; t < 20 + 10 * PM_WALK_RECHECKS; t += 10)
		walk_once(125, t);
	set_live(125, "late");
	walk_once(125, 200);
	assert_int_equal(W.n, 1);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 125, "bash");
}

static void flush_spawns_pending_forks(void **state)
{
	(void)state;
	set_live(130, "child");
	fork_ev(1, 130, 130, 1 * MS);
	procmodel_flush(&W.pm);
	assert_int_equal(W.n, 1);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 130, "child");
}

/* ---- the connector parser ---- */

static void sequence_gaps_count_lost_messages_per_cpu(void **state)
{
	struct exec_proc_event e = { 200, 200 };
	struct dgram d;

	(void)state;
	set_live(200, "x");
	build(&d, 0, 10, 0, PROC_EVENT_EXEC, 1 * MS, &e, sizeof(e));
	cnproc_parse(&W.cn, d.buf, d.len);
	build(&d, 1, 500, 0, PROC_EVENT_EXEC, 2 * MS, &e, sizeof(e));
	cnproc_parse(&W.cn, d.buf, d.len);
	build(&d, 0, 11, 0, PROC_EVENT_EXEC, 3 * MS, &e, sizeof(e));
	cnproc_parse(&W.cn, d.buf, d.len);
	assert_int_equal(stats_get(STAT_DROP_NETLINK), 0);
	build(&d, 0, 15, 0, PROC_EVENT_EXEC, 4 * MS, &e, sizeof(e));  /* 12-14 lost */
	cnproc_parse(&W.cn, d.buf, d.len);
	build(&d, 1, 502, 0, PROC_EVENT_EXEC, 5 * MS, &e, sizeof(e)); /* 501 lost */
	cnproc_parse(&W.cn, d.buf, d.len);
	assert_int_equal(stats_get(STAT_DROP_NETLINK), 4);
	assert_int_equal(W.cn.lost, 4);
}

static void only_our_subscription_ack_is_taken(void **state)
{
	struct dgram d;
	uint32_t err = 0;

	(void)state;
	assert_int_equal(W.cn.ack, CNPROC_ACK_WAITING);
	/* Another process subscribing: an ack that is not ours. */
	build(&d, UINT32_MAX, 42, 43, PROC_EVENT_NONE, 0, &err, sizeof(err));
	cnproc_parse(&W.cn, d.buf, d.len);
	assert_int_equal(W.cn.ack, CNPROC_ACK_WAITING);
	build(&d, UINT32_MAX, SUB_ACK, SUB_ACK + 1, PROC_EVENT_NONE, 0, &err, sizeof(err));
	cnproc_parse(&W.cn, d.buf, d.len);
	assert_int_equal(W.cn.ack, CNPROC_ACK_OK);
	/* Acks never count as sequence gaps, nor produce events. */
	assert_int_equal(stats_get(STAT_DROP_NETLINK), 0);
	assert_int_equal(W.n, 0);
}

static void acks_in_the_cpu_sequence_are_not_losses(void **state)
{
	struct exec_proc_event e = { 210, 210 };
	struct dgram d;
	uint32_t err = 0;

	(void)state;
	set_live(210, "x");
	build(&d, 0, 10, 0, PROC_EVENT_EXEC, 1 * MS, &e, sizeof(e));
	cnproc_parse(&W.cn, d.buf, d.len);
	/* Another subscriber's ack, numbered like an event (Linux 6.x). */
	build(&d, 0, 11, 999, PROC_EVENT_NONE, 2 * MS, &err, sizeof(err));
	cnproc_parse(&W.cn, d.buf, d.len);
	/* An old-style ack: cpu -1, seq an echo. */
	build(&d, UINT32_MAX, 5, 6, PROC_EVENT_NONE, 0, &err, sizeof(err));
	cnproc_parse(&W.cn, d.buf, d.len);
	build(&d, 0, 12, 0, PROC_EVENT_EXEC, 3 * MS, &e, sizeof(e));
	cnproc_parse(&W.cn, d.buf, d.len);
	assert_int_equal(stats_get(STAT_DROP_NETLINK), 0);
	/* A real gap after the ack still counts. */
	build(&d, 0, 14, 0, PROC_EVENT_EXEC, 4 * MS, &e, sizeof(e));
	cnproc_parse(&W.cn, d.buf, d.len);
	assert_int_equal(stats_get(STAT_DROP_NETLINK), 1);
}

static void refused_subscription_is_reported(void **state)
{
	struct dgram d;
	uint32_t err = 1; /* EPERM */

	(void)state;
	build(&d, UINT32_MAX, SUB_SEQ, SUB_ACK + 1, PROC_EVENT_NONE, 0, &err, sizeof(err));
	cnproc_parse(&W.cn, d.buf, d.len);
	assert_int_equal(W.cn.ack, CNPROC_ACK_ERROR);
	assert_int_equal(W.cn.ack_errno, 1);
}

/* The socket layer (nlsock.c) passes on only what the kernel sent: port
 * id 0 in a whole sockaddr_nl. */
static void messages_not_from_the_kernel_are_ignored(void **state)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_pid = 0 };
	struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof(sa) };

	(void)state;
	assert_true(nlsock_from_kernel(&mh));
	sa.nl_pid = 4242;
	assert_false(nlsock_from_kernel(&mh));
	/* A short address is not trusted, whatever nl_pid holds. */
	sa.nl_pid = 0;
	mh.msg_namelen = sizeof(sa) - 1;
	assert_false(nlsock_from_kernel(&mh));
	mh.msg_namelen = 0;
	assert_false(nlsock_from_kernel(&mh));
	mh.msg_namelen = sizeof(sa);
	sa.nl_family = AF_UNIX;
	assert_false(nlsock_from_kernel(&mh));
	mh.msg_name = NULL;
	assert_false(nlsock_from_kernel(&mh));
}

static void truncated_and_foreign_connector_messages_are_skipped(void **state)
{
	struct exec_proc_event e = { 301, 301 };
	struct dgram d;

	(void)state;
	set_live(301, "x");
	build(&d, 0, 1, 0, PROC_EVENT_EXEC, 1 * MS, &e, sizeof(e));
	/* Claim more event bytes than the datagram holds. */
	((struct cn_msg *)mnl_nlmsg_get_payload((struct nlmsghdr *)d.buf))->len = 200;
	cnproc_parse(&W.cn, d.buf, d.len);
	/* Another connector index. */
	build(&d, 0, 2, 0, PROC_EVENT_EXEC, 1 * MS, &e, sizeof(e));
	((struct cn_msg *)mnl_nlmsg_get_payload((struct nlmsghdr *)d.buf))->id.idx = 7;
	cnproc_parse(&W.cn, d.buf, d.len);
	/* Cut inside the netlink header. */
	build(&d, 0, 3, 0, PROC_EVENT_EXEC, 1 * MS, &e, sizeof(e));
	cnproc_parse(&W.cn, d.buf, 10);
	assert_int_equal(W.n, 0);
	assert_int_equal(W.cn.malformed, 2);
}

static void comm_event_updates_the_name_used_at_exit(void **state)
{
	struct comm_proc_event c;

	(void)state;
	set_live(310, "before");
	exec_ev(310, 1 * MS);
	memset(&c, 0, sizeof(c));
	c.process_pid = 310;
	c.process_tgid = 310;
	memcpy(c.comm, "after", 5);
	feed_on(0, PROC_EVENT_COMM, 2 * MS, &c, sizeof(c));
	kill_live(310);
	exit_ev(310, 310, 3 * MS);
	assert_int_equal(W.n, 2);
	assert_event(1, WIRE_PROBE_PROCESS_EXITED, 310, "after");
}

/* Under load the kernel's exec message can come long after the new comm
 * is visible: the window's end reports the exec, and the message that
 * follows in a later batch is not a second spawned. */
static void exec_message_after_the_window_reported_it_is_not_a_second_spawned(void **state)
{
	(void)state;
	set_live(60, "storm");
	exec_ev(60, 1 * MS);
	set_live(160, "storm");
	fork_ev(60, 160, 160, 2 * MS);
	set_live(160, "tiny");          /* exec'd; its message is late */
	uint64_t t = 2 * MS + WINDOW;
	for (int i = 0; i <= PM_MAX_EXTENSIONS; i++, t += WINDOW)
		procmodel_expire(&W.pm, t);
	assert_int_equal(W.n, 2);
	assert_event(1, WIRE_PROBE_PROCESS_SPAWNED, 160, "tiny");
	exec_ev(160, t);                /* the late message */
	exit_record(160, 160, "tiny");
	exit_ev(160, 160, t + 1);
	assert_int_equal(W.n, 3);
	assert_event(2, WIRE_PROBE_PROCESS_EXITED, 160, "tiny");
	/* The pid's next holder execs the same program: news again. */
	set_live(160, "storm");
	fork_ev(60, 160, 160, t + 2);
	set_live(160, "tiny");
	exec_ev(160, t + 3);
	assert_int_equal(W.n, 4);
	assert_event(3, WIRE_PROBE_PROCESS_SPAWNED, 160, "tiny");
}

/* The same when the process is already gone and its exit record is what
 * names it at the window's end. */
static void late_exec_message_of_a_gone_process_is_not_a_second_spawned(void **state)
{
	(void)state;
	set_live(61, "storm");
	exec_ev(61, 1 * MS);
	set_live(161, "storm");
	fork_ev(61, 161, 161, 2 * MS);
	exit_record(161, 161, "tiny");
	uint64_t t = 2 * MS + WINDOW;
	for (int i = 0; i <= PM_MAX_EXTENSIONS; i++, t += WINDOW)
		procmodel_expire(&W.pm, t);
	assert_int_equal(W.n, 2);
	assert_event(1, WIRE_PROBE_PROCESS_SPAWNED, 161, "tiny");
	exec_ev(161, t);
	exit_ev(161, 161, t + 1);
	assert_int_equal(W.n, 3);
	assert_event(2, WIRE_PROBE_PROCESS_EXITED, 161, "tiny");
}

/* A fork that renamed itself (its comm event says so) and later execs a
 * program of that name: the exec is news. */
static void exec_after_a_rename_reported_at_the_window_end_is_news(void **state)
{
	struct comm_proc_event c;

	(void)state;
	set_live(62, "shell");
	exec_ev(62, 1 * MS);
	set_live(162, "worker");
	fork_ev(62, 162, 162, 2 * MS);
	memset(&c, 0, sizeof(c));
	c.process_pid = 162;
	c.process_tgid = 162;
	memcpy(c.comm, "worker", 6);
	feed_on(0, PROC_EVENT_COMM, 3 * MS, &c, sizeof(c));
	uint64_t t = 2 * MS + WINDOW;
	for (int i = 0; i <= PM_MAX_EXTENSIONS; i++, t += WINDOW)
		procmodel_expire(&W.pm, t);
	assert_int_equal(W.n, 2);
	assert_event(1, WIRE_PROBE_PROCESS_SPAWNED, 162, "worker");
	exec_ev(162, t);
	assert_int_equal(W.n, 3);
	assert_event(2, WIRE_PROBE_PROCESS_SPAWNED, 162, "worker");
}

static void fork_of_170_queued(void);

/* The startup walk finds a vfork child before its exec; its fork message
 * is already in the connector's socket.  The walk leaves it to the
 * events: one spawned, at its exec, under its own name. */
static void walk_leaves_a_child_the_connector_announced_to_the_events(void **state)
{
	(void)state;
	set_live(70, "spawner");
	exec_ev(70, 1 * MS);
	set_live(170, "spawner");       /* vfork child, not exec'd yet */
	W.in_socket = fork_of_170_queued;
	procmodel_walk_begin(&W.pm);
	procmodel_walk_seen(&W.pm, 70, 5 * MS);
	procmodel_walk_seen(&W.pm, 170, 5 * MS);
	procmodel_walk_end(&W.pm, 6 * MS);
	assert_true(W.syncs >= 1);
	assert_int_equal(W.n, 1);       /* only the parent's exec */
	set_live(170, "child");
	exec_ev(170, 7 * MS);
	procmodel_expire(&W.pm, 1000 * MS);
	assert_int_equal(W.n, 2);
	assert_event(1, WIRE_PROBE_PROCESS_SPAWNED, 170, "child");
}

static void fork_of_170_queued(void)
{
	fork_ev(70, 170, 170, 4 * MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(fork_then_exec_gives_one_spawned_with_new_comm),
		T(fork_without_exec_is_spawned_once_after_window),
		T(fork_without_exec_that_exits_is_spawned_then_exited),
		T(threads_produce_nothing),
		T(exec_without_seen_fork_is_spawned),
		T(exec_of_process_already_gone_takes_comm_from_exit_record),
		T(exit_record_fetched_before_the_fork_is_kept),
		T(unresolvable_comm_is_empty_and_counted),
		T(exited_of_unknown_pid_is_not_sent),
		T(exit_uses_last_known_comm_without_record),
		T(reused_pid_closes_the_previous_process),
		T(walk_reports_new_and_vanished_processes),
		T(walk_rechecks_cover_a_span_of_time),
		T(walk_rechecks_end),
		T(events_older_than_the_walk_are_not_reported_twice),
		T(late_exec_message_gets_the_window_extended_once),
		T(renamed_fork_is_spawned_after_one_extension),
		T(child_that_has_hardly_run_waits_a_bounded_time),
		T(walk_reports_an_exec_it_caught_before),
		T(flush_spawns_pending_forks),
		T(sequence_gaps_count_lost_messages_per_cpu),
		T(only_our_subscription_ack_is_taken),
		T(acks_in_the_cpu_sequence_are_not_losses),
		T(refused_subscription_is_reported),
		T(messages_not_from_the_kernel_are_ignored),
		T(truncated_and_foreign_connector_messages_are_skipped),
		T(comm_event_updates_the_name_used_at_exit),
		T(exec_message_after_the_window_reported_it_is_not_a_second_spawned),
		T(late_exec_message_of_a_gone_process_is_not_a_second_spawned),
		T(exec_after_a_rename_reported_at_the_window_end_is_news),
		T(walk_leaves_a_child_the_connector_announced_to_the_events),
#undef T
	};
	return cmocka_run_group_tests_name("agent-procmodel", tests, NULL, NULL);
}
