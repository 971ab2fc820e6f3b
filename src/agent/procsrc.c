/*
 * procsrc.c - wiring of the process source into the reactor.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>

#include "kthread.h"
#include "procsrc.h"
#include "pump.h"
#include "reactor.h"

static void model_emit(void *ctx, enum wire_probe probe, uint32_t pid,
		       const char *comm, size_t len, uint64_t ts)
{
	struct procsrc *ps = ctx;

	pump_emit(ps->pump, probe, pid, comm, len, ts);
}

static int model_read_comm(void *ctx, uint32_t pid, char comm[PT_COMM_LEN])
{
	struct procsrc *ps = ctx;

	return procwalk_read_comm(&ps->walk, pid, comm);
}

static uint64_t model_now(void *ctx)
{
	(void)ctx;
	return clock_now_ns();
}

static uint64_t model_cpu_ns(void *ctx, uint32_t pid)
{
	struct procsrc *ps = ctx;

	return procwalk_cpu_ns(&ps->walk, pid);
}

static void model_fetch_exits(void *ctx, bool force)
{
	struct procsrc *ps = ctx;

	if (force)
		ps->exits_fresh = false;
	/* Records are sent before the connector messages they belong to,
	 * so one drain after each connector read has everything the
	 * current batch can ask for. */
	if (ps->have_taskstats && !ps->exits_fresh) {
		taskstats_drain(&ps->ts);
		ps->exits_fresh = true;
	}
}

static int model_exec_name(void *ctx, uint32_t tgid, uint64_t ts,
			   char comm[PT_COMM_LEN])
{
	struct procsrc *ps = ctx;

	return procnames_exec_name(&ps->names, tgid, ts, comm);
}

static int model_exit_name(void *ctx, uint32_t tgid, uint64_t ts,
			   char comm[PT_COMM_LEN])
{
	struct procsrc *ps = ctx;

	return procnames_exit_name(&ps->names, tgid, ts, comm);
}

static int model_is_kthread(void *ctx, uint32_t pid)
{
	struct procsrc *ps = ctx;

	return kthread_check(ps->walk.fd, pid);
}

static void open_taskstats(struct procsrc *ps)
{
	int err = taskstats_open(&ps->ts, &ps->pm, ps->cfg.rcvbuf);

	if (err == 0)
		ps->have_taskstats = true;
	else
		agent_log(LOG_WARN, "taskstats unavailable: %s", strerror(-err));
}

static void arm_deadline(struct procsrc *ps)
{
	uint64_t d = procmodel_next_deadline(&ps->pm);

	if (ps->snapshot_pending)
		return; /* the timer is due now; it re-arms after the snapshot */
	if (ps->paused) {
		/* The end of the pause expires windows: one wakeup, not two
		 * (a window may end up to one pause late under load). */
		if (ps->deadline_armed != 0 &&
		    clock_timer_arm_at(&ps->deadline, 0) == 0)
			ps->deadline_armed = 0;
		return;
	}

	/* A timer already due earlier re-arms itself when it fires: one
	 * syscall per expiry instead of one per fork. */
	if (d == ps->deadline_armed || (d != 0 && ps->deadline_armed != 0 &&
					ps->deadline_armed < d))
		return;
	int err = clock_timer_arm_at(&ps->deadline, d);
	if (err < 0) {
		agent_log(LOG_ERR, "coalescing timer: %s", strerror(-err));
		return;
	}
	ps->deadline_armed = d;
}

static void model_sync_events(void *ctx)
{
	struct procsrc *ps = ctx;

	if (ps->mode == PROCSRC_CONNECTOR)
		cnproc_drain(&ps->cn);
}

static void snapshot(struct procsrc *ps)
{
	/* What the connector already told us first: a process it announced
	 * is then known, and the walk does not report it on its own. */
	model_sync_events(ps);
	ps->exits_fresh = false;
	if (procwalk_run(&ps->walk, &ps->pm) < 0)
		agent_log(LOG_WARN, "/proc walk failed: %s", strerror(errno));
}

static void become_armed(struct procsrc *ps)
{
	/* Armed means subscribed: whatever starts from now on is seen, so
	 * readiness does not wait for the snapshot of what already runs (a
	 * few hundred /proc reads); the deadline timer, due at once, takes
	 * it from the reactor.  A process started in between is seen by
	 * both and reported once. */
	ps->snapshot_pending = true;
	if (clock_timer_arm_at(&ps->deadline, clock_now_ns()) == 0) {
		ps->deadline_armed = 1; /* due now: no later deadline wins */
	} else {
		ps->snapshot_pending = false;
		snapshot(ps);
		arm_deadline(ps);
	}
	if (ps->on_armed)
		ps->on_armed(ps->armed_ctx);
}

static void on_poll_timer(void *ctx, uint32_t events)
{
	struct procsrc *ps = ctx;

	(void)events;
	clock_timer_ack(&ps->poll);
	snapshot(ps);
	int err = clock_timer_arm_in(&ps->poll, ps->cfg.poll_ns);
	if (err < 0)
		agent_log(LOG_ERR, "walker timer: %s", strerror(-err));
}

static void close_connector(struct procsrc *ps)
{
	if (ps->cn.sock.nl)
		(void)reactor_del(ps->r, ps->cn.sock.fd);
	cnproc_close(&ps->cn);
}

static void start_walker(struct procsrc *ps, const char *why)
{
	int err;

	clock_timer_close(&ps->ack);
	clock_timer_close(&ps->batch);
	close_connector(ps);
	ps->mode = PROCSRC_WALKER;
	agent_log(LOG_INFO, "process source: /proc walker every %llu ms (proc connector unavailable: %s)",
		  (unsigned long long)(ps->cfg.poll_ns / CLOCK_NS_PER_MS), why);
	err = clock_timer_open(&ps->poll, ps->r, on_poll_timer, ps);
	if (err == 0)
		err = clock_timer_arm_in(&ps->poll, ps->cfg.poll_ns);
	if (err < 0)
		agent_log(LOG_ERR, "walker timer: %s", strerror(-err));
	become_armed(ps);
}

static void on_overrun(void *ctx)
{
	struct procsrc *ps = ctx;

	ps->resync_needed = true;
}

static void before_batch(void *ctx)
{
	struct procsrc *ps = ctx;

	/* Names are recorded before the connector messages they belong to
	 * are sent: after the read, everything it holds has its name. */
	procnames_drain(&ps->names);
	/* Exit records precede the exit events they belong to. */
	model_fetch_exits(ps, true);
}

static void after_read(struct procsrc *ps)
{
	if (ps->mode == PROCSRC_STARTING) {
		if (ps->cn.ack == CNPROC_ACK_OK) {
			clock_timer_close(&ps->ack);
			ps->mode = PROCSRC_CONNECTOR;
			agent_log(LOG_INFO, "process source: proc connector%s",
				  ps->names.active ? ""
				  : ps->have_taskstats ? ", comm of exited processes from taskstats"
				  : " (taskstats unavailable: comm of processes gone before their exec was read is unresolved)");
			agent_log(LOG_INFO, "process names: %s (%s)",
				  ps->names.active ? "perf side-band records, exact per exec"
						   : "/proc at handling time; an exec renamed again before that gets \"\"",
				  ps->names_why);
			become_armed(ps);
		} else if (ps->cn.ack == CNPROC_ACK_ERROR) {
			start_walker(ps, strerror(ps->cn.ack_errno));
			return;
		}
	}
	if (ps->resync_needed && ps->mode == PROCSRC_CONNECTOR) {
		ps->resync_needed = false;
		stats_add(STAT_RESYNC, 1);
		uint64_t suppressed = 0;
		if (log_limit_pass(&ps->overrun_log, clock_now_ns(), &suppressed))
			agent_log(LOG_WARN, "proc connector: receive buffer overrun "
				  "(%llu messages lost so far, %llu more overruns not logged); "
				  "resynchronising from /proc (raise --rcvbuf?)",
				  (unsigned long long)ps->cn.lost,
				  (unsigned long long)suppressed);
		snapshot(ps);
	}
	arm_deadline(ps);
}

static void on_connector(void *ctx, uint32_t events)
{
	struct procsrc *ps = ctx;
	size_t n;

	(void)events;
	n = cnproc_drain(&ps->cn);
	/* Windows that ended while the socket was paused end now. */
	procmodel_expire(&ps->pm, clock_now_ns());
	if (n < PROCSRC_BATCH_MIN_MSGS) {
		ps->pause_ns = PROCSRC_BATCH_NS; /* the load is over */
	} else if (ps->batch.fd >= 0 && ps->mode == PROCSRC_CONNECTOR &&
		   reactor_mod(ps->r, ps->cn.sock.fd, 0) == 0) {
		if (ps->pause_ns < PROCSRC_BATCH_NS)
			ps->pause_ns = PROCSRC_BATCH_NS;
		if (clock_timer_arm_in(&ps->batch, ps->pause_ns) == 0)
			ps->paused = true;
		else
			(void)reactor_mod(ps->r, ps->cn.sock.fd, EPOLLIN);
		/* Still a batch after this pause: pause longer next time. */
		ps->pause_ns = ps->pause_ns * 2 > PROCSRC_BATCH_MAX_NS
			       ? PROCSRC_BATCH_MAX_NS : ps->pause_ns * 2;
	}
	after_read(ps);
}

static void on_batch_timer(void *ctx, uint32_t events)
{
	struct procsrc *ps = ctx;

	(void)events;
	clock_timer_ack(&ps->batch);
	if (!ps->paused)
		return;
	ps->paused = false;
	if (reactor_mod(ps->r, ps->cn.sock.fd, EPOLLIN) < 0)
		agent_log(LOG_ERR, "proc connector: cannot poll the socket again: %s",
			  strerror(errno));
	on_connector(ps, EPOLLIN);
}

static void on_deadline(void *ctx, uint32_t events)
{
	struct procsrc *ps = ctx;

	(void)events;
	clock_timer_ack(&ps->deadline);
	ps->deadline_armed = 0;
	ps->exits_fresh = false;
	if (ps->snapshot_pending) {
		ps->snapshot_pending = false;
		snapshot(ps);
	}
	/* An exec still in the socket must win over the window's end. */
	cnproc_drain(&ps->cn);
	procmodel_expire(&ps->pm, clock_now_ns());
	after_read(ps);
}

static void on_ack_timeout(void *ctx, uint32_t events)
{
	struct procsrc *ps = ctx;

	(void)events;
	clock_timer_ack(&ps->ack);
	cnproc_drain(&ps->cn);
	after_read(ps);
	if (ps->mode == PROCSRC_STARTING)
		start_walker(ps, "no subscription ack (not the initial pid or user namespace?)");
}

int procsrc_start(struct procsrc *ps, const struct source_env *env,
		  const struct procsrc_config *cfg,
		  void (*on_armed)(void *ctx), void *ctx, struct source_msg *msg)
{
	struct procmodel_config mc = {
		.capacity = PROCSRC_TABLE_CAPACITY,
		.coalesce_ns = cfg->coalesce_ns,
		.exec_hold_ns = PM_EXEC_HOLD_NS,
		.walk_period_ns = cfg->poll_ns,
		.report_kthreads = cfg->kernel_threads,
	};
	struct procmodel_ops ops = {
		.ctx = ps,
		.emit = model_emit,
		.read_comm = model_read_comm,
		.fetch_exit_records = model_fetch_exits,
		.now = model_now,
		.cpu_ns = model_cpu_ns,
		.sync_events = model_sync_events,
		.exec_name = model_exec_name,
		.exit_name = model_exit_name,
		.is_kthread = model_is_kthread,
	};
	int err;

	memset(ps, 0, sizeof(*ps));
	ps->r = env->r;
	ps->pump = env->pump;
	ps->cfg = *cfg;
	ps->on_armed = on_armed;
	ps->armed_ctx = ctx;
	clock_timer_init(&ps->deadline);
	clock_timer_init(&ps->ack);
	clock_timer_init(&ps->poll);
	clock_timer_init(&ps->batch);
	ps->overrun_log = (struct log_limit)LOG_LIMIT_INIT("proc connector",
							   PROCSRC_LOG_INTERVAL_NS, 1);
	nlsock_init(&ps->cn.sock);
	nlsock_init(&ps->ts.sock);
	ps->walk.fd = -1;
	msg->armed = 0;
	msg->text[0] = '\0';

	if (procmodel_init(&ps->pm, &mc, &ops) < 0)
		return source_fail(msg, -errno, "process table: %s", strerror(errno));
	if (procwalk_open(&ps->walk, "/proc") < 0) {
		err = source_fail(msg, -errno, "cannot open /proc: %s", strerror(errno));
		goto fail_model;
	}
	err = clock_timer_open(&ps->deadline, ps->r, on_deadline, ps);
	if (err < 0) {
		source_fail(msg, err, "coalescing timer: %s", strerror(-err));
		goto fail_walk;
	}
	ps->started = true;
	msg->armed = PROCSRC_PROBES;

	/* Before the subscription: every exec reported has its record. */
	if (!cfg->force_walker &&
	    procnames_start(&ps->names, ps->r, cfg->no_perf, cfg->perf_pages,
			    ps->names_why, sizeof(ps->names_why)) < 0 && !cfg->no_perf)
		agent_log(LOG_WARN, "perf side-band unavailable: %s", ps->names_why);
	/* With the perf records, names at exit are theirs (and the
	 * connector's comm events'): taskstats, one more message per exit,
	 * is the fallback's, and --kernel-threads' (a kernel thread is named
	 * as it is made, with no record or event). */
	if (!ps->names.active || cfg->kernel_threads)
		open_taskstats(ps);

	if (cfg->force_walker) {
		start_walker(ps, "disabled");
		return 0;
	}
	err = cnproc_open(&ps->cn, &ps->pm, cfg->rcvbuf);
	if (err < 0) {
		if (ps->names.active) {
			procnames_stop(&ps->names);
			open_taskstats(ps);
		}
		start_walker(ps, strerror(-err));
		return 0;
	}
	ps->cn.on_overrun = on_overrun;
	ps->cn.before_batch = before_batch;
	ps->cn.cb_ctx = ps;
	if (reactor_add(ps->r, ps->cn.sock.fd, EPOLLIN, on_connector, ps) < 0) {
		start_walker(ps, strerror(errno));
		return 0;
	}
	err = clock_timer_open(&ps->ack, ps->r, on_ack_timeout, ps);
	if (err == 0)
		err = clock_timer_arm_in(&ps->ack, PROCSRC_ACK_TIMEOUT_NS);
	if (err < 0) {
		start_walker(ps, strerror(-err));
		return 0;
	}
	err = clock_timer_open(&ps->batch, ps->r, on_batch_timer, ps);
	if (err < 0)
		agent_log(LOG_WARN, "proc connector: no batching timer (%s): one wakeup per message",
			  strerror(-err));
	ps->mode = PROCSRC_STARTING;
	/* The kernel acks from within our send: usually it is here now. */
	cnproc_drain(&ps->cn);
	after_read(ps);
	return 0;

fail_walk:
	procwalk_close(&ps->walk);
fail_model:
	procmodel_fini(&ps->pm);
	return err;
}

void procsrc_stop(struct procsrc *ps)
{
	if (!ps->started)
		return;
	if (ps->mode == PROCSRC_CONNECTOR) {
		cnproc_drain(&ps->cn);
		after_read(ps);
	}
	procmodel_flush(&ps->pm);
	clock_timer_close(&ps->deadline);
	clock_timer_close(&ps->ack);
	clock_timer_close(&ps->poll);
	clock_timer_close(&ps->batch);
	close_connector(ps);
	procnames_stop(&ps->names);
	taskstats_close(&ps->ts);
	procwalk_close(&ps->walk);
	procmodel_fini(&ps->pm);
	ps->started = false;
}

const char *procsrc_mode_name(const struct procsrc *ps)
{
	switch (ps->mode) {
	case PROCSRC_CONNECTOR: return "proc connector";
	case PROCSRC_WALKER: return "/proc walker";
	case PROCSRC_STARTING: break;
	}
	return "starting";
}
