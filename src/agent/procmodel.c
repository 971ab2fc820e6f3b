/*
 * procmodel.c - process event model state machine (see procmodel.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kthread.h"
#include "procmodel.h"
#include "mem.h"
#include "source.h"

/* As large as the table: every tracked process can be pending. */
static int ring_init(struct pm_ring *r, size_t cap)
{
	r->cap = cap;
	r->head = r->len = 0;
	r->slots = mem_resident(cap, sizeof(*r->slots));
	return r->slots ? 0 : -1;
}

int procmodel_init(struct procmodel *pm, const struct procmodel_config *cfg,
		   const struct procmodel_ops *ops)
{
	memset(pm, 0, sizeof(*pm));
	if (ptable_init(&pm->table, cfg->capacity) < 0)
		return -1;
	if (ring_init(&pm->forks, pm->table.cap) < 0 ||
	    ring_init(&pm->held, pm->table.cap) < 0) {
		procmodel_fini(pm);
		errno = ENOMEM;
		return -1;
	}
	pm->ops = *ops;
	pm->coalesce_ns = cfg->coalesce_ns;
	pm->exec_hold_ns = cfg->exec_hold_ns;
	pm->report_kthreads = cfg->report_kthreads;
	pm->walk_rechecks = PM_WALK_RECHECKS;
	if (cfg->walk_period_ns > 0) {
		uint64_t n = PM_WALK_RECHECK_SPAN_NS / cfg->walk_period_ns;
		if (n > PM_WALK_RECHECKS_MAX)
			n = PM_WALK_RECHECKS_MAX;
		if (n > PM_WALK_RECHECKS)
			pm->walk_rechecks = (uint8_t)n;
	}
	return 0;
}

void procmodel_fini(struct procmodel *pm)
{
	ptable_fini(&pm->table);
	mem_free(pm->forks.slots);
	mem_free(pm->held.slots);
	pm->forks.slots = pm->held.slots = NULL;
}

size_t procmodel_tracked(const struct procmodel *pm)
{
	return pm->table.count;
}

static void emit(struct procmodel *pm, enum wire_probe probe, uint32_t pid,
		 const char *comm, size_t len, uint64_t ts)
{
	pm->ops.emit(pm->ops.ctx, probe, pid, comm, len, ts);
}

static void fetch_exit_records(struct procmodel *pm, bool force)
{
	if (pm->ops.fetch_exit_records)
		pm->ops.fetch_exit_records(pm->ops.ctx, force);
}

static void set_comm(struct pt_entry *e, const char *comm, size_t len)
{
	if (len > PT_COMM_LEN)
		len = PT_COMM_LEN;
	memcpy(e->comm, comm, len);
	e->comm_len = (uint8_t)len;
	e->comm_known = true;
}

static struct pt_entry *table_get(struct procmodel *pm, uint32_t pid,
				  bool *created)
{
	struct pt_entry *e = ptable_get(&pm->table, pid, created);

	if (!e && pid != 0 && !pm->table_full_logged) {
		pm->table_full_logged = true;
		agent_log(LOG_WARN, "process table full (%zu entries): "
			  "fork-without-exec and exit tracking degraded",
			  pm->table.count);
	}
	return e;
}

/*
 * The comm of a process that may be gone.  Live: read it now.  Gone: its
 * exit record was queued by the kernel before the process could be
 * reaped, so fetch pending records and look again.  Returns the length in
 * out, or -1 when unresolved.
 */
static int resolve_comm(struct procmodel *pm, uint32_t pid,
			char out[PT_COMM_LEN], bool prefer_exit_record)
{
	struct pt_entry *e = ptable_find(&pm->table, pid);
	int n;

	if (prefer_exit_record && e && e->exit_comm) {
		memcpy(out, e->comm, e->comm_len);
		return e->comm_len;
	}
	if (!prefer_exit_record) {
		n = pm->ops.read_comm(pm->ops.ctx, pid, out);
		if (n >= 0)
			return n;
	}
	fetch_exit_records(pm, !prefer_exit_record);
	e = ptable_find(&pm->table, pid);
	if (e && e->exit_comm) {
		memcpy(out, e->comm, e->comm_len);
		return e->comm_len;
	}
	return -1;
}

static void fork_window_push(struct procmodel *pm, uint32_t pid, uint32_t gen,
			     uint64_t ts);

/* Kernel threads are left out unless asked for: 1 when pid is one (or is
 * gone before it could be told, which a user program started by kthreadd
 * is not: its exec is reported), 0 otherwise. */
static int left_out_kthread(struct procmodel *pm, uint32_t pid)
{
	if (pm->report_kthreads || !pm->ops.is_kthread)
		return 0;
	return pm->ops.is_kthread(pm->ops.ctx, pid) != 0;
}

void procmodel_ahead_begin(struct procmodel *pm)
{
	pm->n_ahead = 0;
	pm->ahead_full = false;
}

void procmodel_ahead(struct procmodel *pm, uint32_t tgid, uint64_t ts)
{
	if (pm->n_ahead == PM_AHEAD_MAX) {
		pm->ahead_full = true;
		return;
	}
	pm->ahead[pm->n_ahead].tgid = tgid;
	pm->ahead[pm->n_ahead].ts = ts;
	pm->n_ahead++;
}

/* A later exec or rename of tgid is known: /proc holds its name now. */
static bool later_name_ahead(const struct procmodel *pm, uint32_t tgid,
			     uint64_t ts)
{
	for (size_t i = 0; i < pm->n_ahead; i++)
		if (pm->ahead[i].tgid == tgid && pm->ahead[i].ts > ts)
			return true;
	return false;
}

static void emit_resolved(struct procmodel *pm, enum wire_probe probe,
			  uint32_t pid, const char *comm, int len, uint64_t ts)
{
	if (len < 0) {
		stats_add(STAT_COMM_UNRESOLVED, 1);
		agent_log(LOG_DEBUG, "comm of pid %u unresolved (%s)", pid,
			  wire_probe_name(probe));
		len = 0;
	}
	emit(pm, probe, pid, comm, (size_t)len, ts);
}

/* True when the child's comm is not its parent's: it has exec'd (or
 * renamed itself), whatever the event stream says so far. */
static bool differs_from_parent(struct procmodel *pm, const struct pt_entry *e,
				const char *comm, int n)
{
	const struct pt_entry *parent = ptable_find(&pm->table, e->ppid);

	if (n < 0 || !parent || !parent->comm_known || parent->exit_comm)
		return false;
	return parent->comm_len != (uint8_t)n ||
	       memcmp(parent->comm, comm, (size_t)n) != 0;
}

static bool starved(struct procmodel *pm, uint32_t pid)
{
	if (!pm->ops.cpu_ns)
		return false;
	uint64_t ns = pm->ops.cpu_ns(pm->ops.ctx, pid);
	return ns != UINT64_MAX && ns < PM_MIN_CHILD_CPU_NS;
}

/* A fork whose window ended (or that exits first): its one spawned.
 * now: when the window ended (0: no window, e.g. shutdown), so waiting
 * longer for an exec message in flight is possible. */
static void spawn_forked(struct procmodel *pm, uint32_t pid, uint64_t now)
{
	char comm[PT_COMM_LEN];
	int n = resolve_comm(pm, pid, comm, false);
	struct pt_entry *e = ptable_find(&pm->table, pid);

	if (!e || e->state != PT_FORKED)
		return;
	if (now != 0 && e->extended < PM_MAX_EXTENSIONS &&
	    pm->forks.len < pm->forks.cap &&
	    ((e->extended == 0 && differs_from_parent(pm, e, comm, n)) ||
	     starved(pm, pid))) {
		e->extended++;
		fork_window_push(pm, pid, e->gen, now);
		return;
	}
	uint64_t ts = e->ts;
	/* A name that is not the parent's and came from no comm event is
	 * an exec whose message is still on its way: the kernel sets the
	 * new comm early in exec and sends the message at its end, and
	 * under load the task can be preempted in between for longer than
	 * any window.  Remember it, so that message is not a second
	 * spawned for the same exec. */
	e->exec_reported = n >= 0 && !e->renamed &&
			   differs_from_parent(pm, e, comm, n);
	if (n >= 0 && !e->exit_comm)
		set_comm(e, comm, (size_t)n);
	e->state = PT_SPAWNED;
	emit_resolved(pm, WIRE_PROBE_PROCESS_SPAWNED, pid, comm, n, ts);
}

static void ring_pop(struct pm_ring *r)
{
	r->head = (r->head + 1) % r->cap;
	r->len--;
}

/* The ring has room (callers make sure). */
static void ring_push(struct pm_ring *r, uint32_t pid, uint32_t gen,
		      uint64_t deadline)
{
	size_t tail = (r->head + r->len) % r->cap;

	r->slots[tail].pid = pid;
	r->slots[tail].gen = gen;
	r->slots[tail].deadline = deadline;
	r->len++;
}

/* The head's process still waits in this ring (not exited, exec'd or
 * released since it was pushed). */
static bool ring_head_live(struct procmodel *pm, const struct pm_ring *r)
{
	const struct pm_pending *p = &r->slots[r->head];
	struct pt_entry *e = ptable_find(&pm->table, p->pid);

	if (!e || e->gen != p->gen)
		return false;
	return r == &pm->held ? e->held : e->state == PT_FORKED;
}

/* The later of ts and now. */
static uint64_t start_time(struct procmodel *pm, uint64_t ts)
{
	if (pm->ops.now) {
		uint64_t now = pm->ops.now(pm->ops.ctx);
		if (now > ts)
			return now;
	}
	return ts;
}

/* The forks ring has room (callers make sure). */
static void fork_window_push(struct procmodel *pm, uint32_t pid, uint32_t gen,
			     uint64_t ts)
{
	ring_push(&pm->forks, pid, gen, start_time(pm, ts) + pm->coalesce_ns);
}

/* Send e's held exec spawned: with the name read, or "" (counted) when a
 * later name may be what was read. */
static void release_held(struct procmodel *pm, struct pt_entry *e,
			 bool name_is_its_own)
{
	if (!e->held)
		return;
	e->held = false;
	emit_resolved(pm, WIRE_PROBE_PROCESS_SPAWNED, e->pid, e->comm,
		      name_is_its_own ? e->comm_len : -1, e->ts);
	if (!name_is_its_own && !e->exit_comm) {
		/* Not its name, so not its name at exit either. */
		e->comm_known = false;
		e->comm_len = 0;
	}
}

void procmodel_fork(struct procmodel *pm, uint32_t parent_tgid,
		    uint32_t child_pid, uint32_t child_tgid, uint64_t ts)
{
	bool created;
	struct pt_entry *e;

	/* A new thread names a new pid in an existing group: nothing. */
	if (child_pid != child_tgid)
		return;
	e = table_get(pm, child_tgid, &created);
	if (!e)
		return;
	if (!created && e->walked && ts <= e->ts)
		return; /* a walk already reported it, after this fork */
	if (!created && e->state == PT_SPAWNED && !e->kthread) {
		/* The pid was reused: its previous process's exit was lost.
		 * Close it so the stream stays consistent. */
		release_held(pm, e, false);
		emit(pm, WIRE_PROBE_PROCESS_EXITED, e->pid, e->comm,
		     e->comm_len, ts);
	} else if (!created && e->state == PT_FORKED) {
		emit(pm, WIRE_PROBE_PROCESS_SPAWNED, e->pid, e->comm,
		     e->comm_len, e->ts);
		emit(pm, WIRE_PROBE_PROCESS_EXITED, e->pid, e->comm,
		     e->comm_len, ts);
	}
	/* An exit record already here is this child's own: records are
	 * fetched before the batch of events they follow, so a short-lived
	 * child's record can precede its fork event.  (A previous holder of
	 * the pid had its record consumed by its exit event.) */
	bool keep = !created && e->state == PT_EXIT_NOTED && e->exit_comm;
	struct pt_entry saved = *e;
	memset(e, 0, sizeof(*e));
	if (keep) {
		memcpy(e->comm, saved.comm, sizeof(e->comm));
		e->comm_len = saved.comm_len;
		e->comm_known = true;
		e->exit_comm = true;
	}
	if (!keep && parent_tgid != KTHREAD_KTHREADD_PID) {
		/* The name it inherited: what it is called until it execs or
		 * renames itself (a comm event), and at its exit when no
		 * exit record or name source says more.  (kthreadd's
		 * children are named as they are made, with no event.  A
		 * held parent's name read may be its later exec's.) */
		const struct pt_entry *parent = ptable_find(&pm->table, parent_tgid);
		if (parent && parent->comm_known && !parent->exit_comm &&
		    parent->state == PT_SPAWNED && !parent->held)
			set_comm(e, parent->comm, parent->comm_len);
	}
	e->pid = child_tgid;
	e->ppid = parent_tgid;
	e->state = PT_FORKED;
	e->ts = ts;
	e->gen = ++pm->gen;
	e->seen = pm->epoch;

	if (parent_tgid == KTHREAD_KTHREADD_PID &&
	    left_out_kthread(pm, child_tgid)) {
		/* Known, so that its exit is silent too; no window. */
		e->kthread = true;
		e->state = PT_SPAWNED;
		return;
	}
	if (pm->forks.len == pm->forks.cap) {
		/* Cannot happen while the ring is as large as the table,
		 * but never overwrite: end the oldest window early. */
		uint32_t old = pm->forks.slots[pm->forks.head].pid;
		bool live = ring_head_live(pm, &pm->forks);
		ring_pop(&pm->forks);
		if (live)
			spawn_forked(pm, old, 0);
		e = ptable_find(&pm->table, child_tgid);
		if (!e)
			return;
	}
	fork_window_push(pm, child_tgid, e->gen, ts);
}

void procmodel_exec(struct procmodel *pm, uint32_t pid, uint32_t tgid,
		    uint64_t ts)
{
	char comm[PT_COMM_LEN];
	bool created;
	int n;

	(void)pid; /* after de_thread the exec'ing thread holds the tgid */
	struct pt_entry *e = ptable_find(&pm->table, tgid);
	if (e && e->walked && e->state == PT_SPAWNED && ts <= e->ts)
		return; /* the walk read its comm after this exec */
	/* An earlier exec held: /proc may have shown it this one's name. */
	if (e)
		release_held(pm, e, false);
	bool from_proc = false;
	n = pm->ops.exec_name ? pm->ops.exec_name(pm->ops.ctx, tgid, ts, comm)
			      : PM_NAME_UNKNOWN;
	if (n == PM_NAME_UNKNOWN) {
		from_proc = true;
		if (e && e->exit_comm && e->state != PT_SPAWNED) {
			/* It has already exited (its record came with this
			 * batch): the record's comm is its last name, no
			 * /proc read. */
			memcpy(comm, e->comm, e->comm_len);
			n = e->comm_len;
		} else {
			n = resolve_comm(pm, tgid, comm, false);
		}
		/* /proc and the exit record hold the latest name: a later
		 * exec's or rename's, if one is known.  Better none. */
		if (n >= 0 && later_name_ahead(pm, tgid, ts))
			n = PM_NAME_UNKNOWN;
	}
	if (n < 0) {
		n = -1;
		from_proc = false;
	}
	e = table_get(pm, tgid, &created);
	if (e && !created && e->state == PT_SPAWNED && e->exec_reported) {
		/* The window's end reported this exec already (see
		 * spawn_forked) if the name is the one it reported. */
		e->exec_reported = false;
		if (n >= 0 && e->comm_len == (uint8_t)n &&
		    memcmp(e->comm, comm, (size_t)n) == 0)
			return;
	}
	if (e) {
		e->walked = false;
		bool had_exit_comm = e->exit_comm && !created;
		if (e->state == PT_EXIT_NOTED || created) {
			/* Not forked under our eyes (startup race, lost
			 * fork): tracked from now on. */
			e->exit_comm = had_exit_comm;
		}
		e->state = PT_SPAWNED;
		e->kthread = false; /* a program kthreadd started (modprobe) */
		e->gen = ++pm->gen; /* any pending window is void */
		e->seen = pm->epoch;
		if (n >= 0 && !e->exit_comm) {
			set_comm(e, comm, (size_t)n);
		} else if (!e->exit_comm) {
			/* Its earlier name is not its name any more. */
			e->comm_known = false;
			e->comm_len = 0;
		}
	}
	if (from_proc && pm->exec_hold_ns > 0) {
		if (e && pm->held.len < pm->held.cap) {
			/* e->comm is the name read (or the exit record's). */
			e->held = true;
			e->ts = ts;
			ring_push(&pm->held, tgid, e->gen,
				  start_time(pm, ts) + pm->exec_hold_ns);
			return;
		}
		n = -1; /* cannot wait for a later exec: no guess */
	}
	emit_resolved(pm, WIRE_PROBE_PROCESS_SPAWNED, tgid, comm, n, ts);
}

void procmodel_exit(struct procmodel *pm, uint32_t pid, uint32_t tgid,
		    uint64_t ts)
{
	char comm[PT_COMM_LEN];
	struct pt_entry *e;
	int n;

	if (pid != tgid)
		return; /* a thread */
	/* Asked first and always: the name source forgets tgid with it. */
	n = pm->ops.exit_name ? pm->ops.exit_name(pm->ops.ctx, tgid, ts, comm)
			      : PM_NAME_UNKNOWN;
	e = ptable_find(&pm->table, tgid);
	if (!e)
		return; /* never reported as spawned: nothing to close */
	if (e->state == PT_EXIT_NOTED || e->kthread) {
		ptable_remove(&pm->table, e);
		return;
	}
	/* Every exec or rename of it was announced before its exit: the
	 * name read for its exec was that exec's. */
	release_held(pm, e, true);
	if (n < 0)
		n = resolve_comm(pm, tgid, comm, true);
	e = ptable_find(&pm->table, tgid);
	if (!e)
		return;
	if (n < 0 && e->comm_known) {
		/* No exit record (taskstats unavailable or lost): the
		 * last name we saw is still this process's name. */
		memcpy(comm, e->comm, e->comm_len);
		n = e->comm_len;
	}
	if (e->state == PT_FORKED) {
		uint64_t fork_ts = e->ts;
		e->state = PT_SPAWNED;
		emit_resolved(pm, WIRE_PROBE_PROCESS_SPAWNED, tgid, comm, n,
			      fork_ts);
		if (n < 0) /* counted once per event */
			stats_add(STAT_COMM_UNRESOLVED, 1);
		emit(pm, WIRE_PROBE_PROCESS_EXITED, tgid, comm,
		     n < 0 ? 0 : (size_t)n, ts);
	} else {
		emit_resolved(pm, WIRE_PROBE_PROCESS_EXITED, tgid, comm, n, ts);
	}
	e = ptable_find(&pm->table, tgid);
	if (e)
		ptable_remove(&pm->table, e);
}

void procmodel_comm(struct procmodel *pm, uint32_t pid, uint32_t tgid,
		    const char *comm, size_t len)
{
	struct pt_entry *e;

	if (pid != tgid)
		return; /* a thread renamed itself; the process name stays */
	e = ptable_find(&pm->table, tgid);
	size_t n = strnlen(comm, len < PT_COMM_LEN ? len : PT_COMM_LEN);
	if (e && e->held) {
		/* The rename's name read as the exec's may be the rename's;
		 * another name was set before it, by the exec. */
		release_held(pm, e, n != e->comm_len ||
			     memcmp(comm, e->comm, n) != 0);
	}
	if (e && e->state != PT_EXIT_NOTED && !e->exit_comm) {
		set_comm(e, comm, n);
		/* Its new name is explained: no exec is on its way. */
		e->renamed = true;
		e->exec_reported = false;
	}
}

void procmodel_exit_record(struct procmodel *pm, uint32_t pid, uint32_t tgid,
			   const char *comm, size_t len)
{
	bool created;
	struct pt_entry *e;

	if (tgid != 0 && pid != tgid)
		return; /* a thread's record */
	e = table_get(pm, pid, &created);
	if (!e)
		return;
	if (created) {
		e->state = PT_EXIT_NOTED;
		e->seen = pm->epoch;
	}
	set_comm(e, comm, strnlen(comm, len < PT_COMM_LEN ? len : PT_COMM_LEN));
	e->exit_comm = true;
}

/* The ring's first live deadline, or 0. */
static uint64_t ring_next(struct procmodel *pm, struct pm_ring *r)
{
	while (r->len > 0 && !ring_head_live(pm, r))
		ring_pop(r);
	return r->len > 0 ? r->slots[r->head].deadline : 0;
}

uint64_t procmodel_next_deadline(struct procmodel *pm)
{
	uint64_t f = ring_next(pm, &pm->forks);
	uint64_t h = ring_next(pm, &pm->held);

	if (f == 0 || (h != 0 && h < f))
		return h;
	return f;
}

/* Release the held execs whose hold ended at or before now. */
static void expire_held(struct procmodel *pm, uint64_t now, bool own_name)
{
	uint64_t d;

	while ((d = ring_next(pm, &pm->held)) != 0 && d <= now) {
		struct pt_entry *e = ptable_find(&pm->table,
						 pm->held.slots[pm->held.head].pid);
		ring_pop(&pm->held);
		release_held(pm, e, own_name);
	}
}

void procmodel_expire(struct procmodel *pm, uint64_t now)
{
	uint64_t d;

	/* Held execs first: their spawned came before any fork of theirs
	 * whose window ends now. */
	expire_held(pm, now, true);
	while ((d = ring_next(pm, &pm->forks)) != 0 && d <= now) {
		uint32_t pid = pm->forks.slots[pm->forks.head].pid;
		ring_pop(&pm->forks);
		spawn_forked(pm, pid, now == UINT64_MAX ? 0 : now);
	}
}

void procmodel_flush(struct procmodel *pm)
{
	expire_held(pm, UINT64_MAX, false);
	procmodel_expire(pm, UINT64_MAX);
}

void procmodel_walk_begin(struct procmodel *pm)
{
	/* 0 is what a fresh entry holds; skip it so it never matches. */
	if (++pm->epoch == 0)
		pm->epoch = 1;
}

void procmodel_walk_seen(struct procmodel *pm, uint32_t pid, uint64_t ts)
{
	char comm[PT_COMM_LEN];
	bool created;
	struct pt_entry *e = table_get(pm, pid, &created);
	int n;

	if (!e)
		return;
	if (!created && e->state != PT_EXIT_NOTED) {
		e->seen = pm->epoch;
		if (e->walked && e->young > 0 && e->state == PT_SPAWNED) {
			e->young--;
			n = pm->ops.read_comm(pm->ops.ctx, pid, comm);
			if (n >= 0 && (n != e->comm_len ||
				       memcmp(comm, e->comm, (size_t)n) != 0)) {
				set_comm(e, comm, (size_t)n);
				e->ts = ts;
				emit(pm, WIRE_PROBE_PROCESS_SPAWNED, pid, comm,
				     (size_t)n, ts);
			}
		}
		return;
	}
	if (created && pm->ops.sync_events) {
		/* A pid the table does not know may be a child forked since
		 * the last read of the event socket: a vfork child caught
		 * before its exec would be reported under its parent's name
		 * here and again at its exec.  Its fork message is queued
		 * before the child can run, so read the socket and look
		 * again: announced processes are the events' business. */
		pm->ops.sync_events(pm->ops.ctx);
		e = table_get(pm, pid, &created);
		if (!e)
			return;
		if (!created && e->state != PT_EXIT_NOTED) {
			e->seen = pm->epoch;
			return;
		}
	}
	int k = pm->report_kthreads || !pm->ops.is_kthread ? 0
		: pm->ops.is_kthread(pm->ops.ctx, pid);
	if (k == 1) {
		/* Known, so that later walks and its exit stay silent. */
		e->state = PT_SPAWNED;
		e->kthread = true;
		e->gen = ++pm->gen;
		e->seen = pm->epoch;
		e->exit_comm = false;
		e->walked = false;
		return;
	}
	n = k < 0 ? -1 : pm->ops.read_comm(pm->ops.ctx, pid, comm);
	if (n < 0) {
		/* Gone between readdir and read: it was never reported,
		 * so there is nothing to close either. */
		if (created)
			ptable_remove(&pm->table, e);
		return;
	}
	e->state = PT_SPAWNED;
	e->gen = ++pm->gen;
	e->seen = pm->epoch;
	e->exit_comm = false;
	e->walked = true;
	e->young = pm->walk_rechecks;
	e->ts = ts;
	set_comm(e, comm, (size_t)n);
	emit(pm, WIRE_PROBE_PROCESS_SPAWNED, pid, comm, (size_t)n, ts);
}

void procmodel_walk_end(struct procmodel *pm, uint64_t ts)
{
	struct ptable *t = &pm->table;

	/* Records for processes that vanished; fetched before the scan
	 * because a fetch inserts entries. */
	fetch_exit_records(pm, true);
	for (size_t i = 0; i < t->cap;) {
		struct pt_entry *e = &t->slots[i];

		if (e->state == PT_FREE || e->seen == pm->epoch) {
			i++;
			continue;
		}
		if (e->state == PT_EXIT_NOTED) {
			/* Kept for one walk so its exit event can still use
			 * it; older ones belong to events that were lost. */
			if (e->seen + 1 >= pm->epoch && e->seen != 0) {
				i++;
				continue;
			}
		} else if (!e->kthread) {
			/* Gone, its exit (and maybe a later exec) lost. */
			release_held(pm, e, false);
			if (e->state == PT_FORKED)
				emit(pm, WIRE_PROBE_PROCESS_SPAWNED, e->pid,
				     e->comm, e->comm_len, e->ts);
			if (!e->comm_known)
				stats_add(STAT_COMM_UNRESOLVED,
					  e->state == PT_FORKED ? 2 : 1);
			emit(pm, WIRE_PROBE_PROCESS_EXITED, e->pid, e->comm,
			     e->comm_len, ts);
		}
		ptable_remove(t, e);
	}
}
