/*
 * procmodel.c - process event model state machine (see procmodel.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "procmodel.h"
#include "mem.h"
#include "source.h"

int procmodel_init(struct procmodel *pm, const struct procmodel_config *cfg,
		   const struct procmodel_ops *ops)
{
	memset(pm, 0, sizeof(*pm));
	if (ptable_init(&pm->table, cfg->capacity) < 0)
		return -1;
	pm->ring_cap = pm->table.cap;
	pm->ring = malloc(pm->ring_cap * sizeof(*pm->ring));
	if (!pm->ring) {
		ptable_fini(&pm->table);
		errno = ENOMEM;
		return -1;
	}
	memset(pm->ring, 0, pm->ring_cap * sizeof(*pm->ring));
	mem_prefault(pm->ring, pm->ring_cap * sizeof(*pm->ring));
	pm->ops = *ops;
	pm->coalesce_ns = cfg->coalesce_ns;
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
	free(pm->ring);
	pm->ring = NULL;
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

static void ring_push(struct procmodel *pm, uint32_t pid, uint32_t gen,
		      uint64_t ts);

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
	    pm->ring_len < pm->ring_cap &&
	    ((e->extended == 0 && differs_from_parent(pm, e, comm, n)) ||
	     starved(pm, pid))) {
		e->extended++;
		ring_push(pm, pid, e->gen, now);
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

static void ring_pop(struct procmodel *pm)
{
	pm->ring_head = (pm->ring_head + 1) % pm->ring_cap;
	pm->ring_len--;
}

static bool ring_head_live(struct procmodel *pm)
{
	const struct pm_pending *p = &pm->ring[pm->ring_head];
	struct pt_entry *e = ptable_find(&pm->table, p->pid);

	return e && e->gen == p->gen && e->state == PT_FORKED;
}

/* The ring has room (callers make sure). */
static void ring_push(struct procmodel *pm, uint32_t pid, uint32_t gen,
		      uint64_t ts)
{
	size_t tail = (pm->ring_head + pm->ring_len) % pm->ring_cap;
	uint64_t start = ts;

	if (pm->ops.now) {
		uint64_t now = pm->ops.now(pm->ops.ctx);
		if (now > start)
			start = now;
	}
	pm->ring[tail].pid = pid;
	pm->ring[tail].gen = gen;
	pm->ring[tail].deadline = start + pm->coalesce_ns;
	pm->ring_len++;
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
	if (!created && e->state == PT_SPAWNED) {
		/* The pid was reused: its previous process's exit was lost.
		 * Close it so the stream stays consistent. */
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
	e->pid = child_tgid;
	e->ppid = parent_tgid;
	e->state = PT_FORKED;
	e->ts = ts;
	e->gen = ++pm->gen;
	e->seen = pm->epoch;

	if (pm->ring_len == pm->ring_cap) {
		/* Cannot happen while the ring is as large as the table,
		 * but never overwrite: end the oldest window early. */
		uint32_t old = pm->ring[pm->ring_head].pid;
		bool live = ring_head_live(pm);
		ring_pop(pm);
		if (live)
			spawn_forked(pm, old, 0);
		e = ptable_find(&pm->table, child_tgid);
		if (!e)
			return;
	}
	ring_push(pm, child_tgid, e->gen, ts);
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
	if (e && e->exit_comm && e->state != PT_SPAWNED) {
		/* It has already exited (its record came with this batch):
		 * the record's comm is the exec'd name, no /proc read. */
		memcpy(comm, e->comm, e->comm_len);
		n = e->comm_len;
	} else {
		n = resolve_comm(pm, tgid, comm, false);
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
		e->gen = ++pm->gen; /* any pending window is void */
		e->seen = pm->epoch;
		if (n >= 0 && !e->exit_comm)
			set_comm(e, comm, (size_t)n);
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
	e = ptable_find(&pm->table, tgid);
	if (!e)
		return; /* never reported as spawned: nothing to close */
	if (e->state == PT_EXIT_NOTED) {
		ptable_remove(&pm->table, e);
		return;
	}
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
	if (e && e->state != PT_EXIT_NOTED && !e->exit_comm) {
		set_comm(e, comm, strnlen(comm, len < PT_COMM_LEN ? len : PT_COMM_LEN));
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

uint64_t procmodel_next_deadline(struct procmodel *pm)
{
	while (pm->ring_len > 0 && !ring_head_live(pm))
		ring_pop(pm);
	return pm->ring_len > 0 ? pm->ring[pm->ring_head].deadline : 0;
}

void procmodel_expire(struct procmodel *pm, uint64_t now)
{
	while (pm->ring_len > 0) {
		const struct pm_pending *p = &pm->ring[pm->ring_head];
		if (!ring_head_live(pm)) {
			ring_pop(pm);
			continue;
		}
		if (p->deadline > now)
			break;
		uint32_t pid = p->pid;
		ring_pop(pm);
		spawn_forked(pm, pid, now == UINT64_MAX ? 0 : now);
	}
}

void procmodel_flush(struct procmodel *pm)
{
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
	n = pm->ops.read_comm(pm->ops.ctx, pid, comm);
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
		} else {
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
