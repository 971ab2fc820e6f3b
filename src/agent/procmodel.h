/*
 * procmodel.h - the process event model, as a pure state machine.
 *
 * Fed decoded kernel facts (fork, exec, exit, comm change, taskstats exit
 * record, "/proc walk saw pid") it decides which process.spawned /
 * process.exited events the stream gets, and when.  It touches no kernel
 * interface itself: emitting, reading a live comm and fetching pending
 * exit records are callbacks, so unit tests drive it without a kernel.
 *
 * What it promises (documented for users in cellos-telemetry(8), EVENT
 * MODEL):
 *  - one process.spawned per exec of a thread-group leader, with the comm
 *    read after the exec;
 *  - a fork that does not exec within the coalescing window gets exactly
 *    one process.spawned (at the window's end, or at its exit if sooner);
 *    the window starts when the agent handles the fork (not at the
 *    kernel's stamp), so the agent's own scheduling delay under load does
 *    not eat into the time the child has to exec; and when the window
 *    ends on a child whose comm already differs from its parent's (it
 *    exec'd, but the kernel's exec message is still on its way: the task
 *    can be preempted between stamping and sending it), or that has
 *    hardly run at all yet, the window is extended (a bounded number of
 *    times);
 *  - process.exited only for a thread-group leader, and only for a pid
 *    whose process.spawned was sent (so spawned always comes first);
 *  - threads produce nothing;
 *  - comm of a process already gone comes from its exit record; when
 *    nothing is known the comm is "" and STAT_COMM_UNRESOLVED counts it;
 *  - with an exact name source (exec_name) each exec's spawned carries
 *    the name that exec set; without one, an exec whose pid is known to
 *    have exec'd or renamed again since carries "" (counted), never the
 *    later name.  Known covers a later exec whose message comes after the
 *    /proc read: the kernel sets the new name early in exec and sends the
 *    message at its end, so a read can see a name whose exec is not yet
 *    announced.  Such an exec's spawned is held for exec_hold_ns; a later
 *    exec of the pid in that time makes it "", a rename to the name read
 *    too; its exit, a rename to another name or the time running out
 *    sends it with the name read;
 *  - kernel threads produce nothing, unless report_kthreads.
 * Memory is fixed at procmodel_init(); nothing is allocated per event.
 */
#ifndef CELLOS_AGENT_PROCMODEL_H
#define CELLOS_AGENT_PROCMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellos_wire.h"
#include "ptable.h"

struct procmodel_ops {
	void *ctx;
	/* Hand one event to the stream (comm: len bytes, raw). */
	void (*emit)(void *ctx, enum wire_probe probe, uint32_t pid,
		     const char *comm, size_t len, uint64_t ts_ns);
	/* Read the comm of live process pid into comm; return its length
	 * (0..PT_COMM_LEN) or -1 when the process is gone. */
	int (*read_comm)(void *ctx, uint32_t pid, char comm[PT_COMM_LEN]);
	/* Bring in exit records the kernel has already sent (they are
	 * delivered through procmodel_exit_record()).  force: a process
	 * just turned out to be gone, so its record may be newer than the
	 * last fetch; otherwise a fetch since the last batch of kernel
	 * events is enough.  May be NULL. */
	void (*fetch_exit_records)(void *ctx, bool force);
	/* The current CLOCK_MONOTONIC time.  May be NULL (the window then
	 * starts at the fork's own time). */
	uint64_t (*now)(void *ctx);
	/* CPU time live process pid has run so far, in ns, or UINT64_MAX
	 * when unknown.  May be NULL. */
	uint64_t (*cpu_ns)(void *ctx, uint32_t pid);
	/* Bring in the kernel events already sent (the proc connector's
	 * socket), so a /proc walk does not report on its own a process
	 * those events announce.  May be NULL (no event source). */
	void (*sync_events)(void *ctx);
	/* An exact name source (perf side-band records, commstore.h), or
	 * NULL.  exec_name: the name the exec of tgid stamped ts set;
	 * exit_name: the name tgid had at its exit stamped ts (the source
	 * may then forget tgid).  Each returns the length, PM_NAME_UNKNOWN
	 * (the model falls back to /proc and exit records) or PM_NAME_LATER
	 * (not known, and the process has had a later name since: the live
	 * name is not this one). */
	int (*exec_name)(void *ctx, uint32_t tgid, uint64_t ts,
			 char comm[PT_COMM_LEN]);
	int (*exit_name)(void *ctx, uint32_t tgid, uint64_t ts,
			 char comm[PT_COMM_LEN]);
	/* 1: pid is a kernel thread, 0: not, -1: gone.  May be NULL (no
	 * filtering). */
	int (*is_kthread)(void *ctx, uint32_t pid);
};

#define PM_NAME_UNKNOWN (-1)
#define PM_NAME_LATER (-2)

/* Exec and comm events of one connector read, scanned before any is
 * handled: an exec whose name has to come from /proc (no exact source)
 * gets "" when a later exec or rename of the same pid is already known,
 * because /proc then holds that later name. */
#define PM_AHEAD_MAX 256

/* A child that has had less CPU than this when its window ends has not
 * had a fair chance to exec yet (an overloaded machine): its window is
 * extended, at most PM_MAX_EXTENSIONS times. */
#define PM_MIN_CHILD_CPU_NS (2ULL * 1000 * 1000)
#define PM_MAX_EXTENSIONS 8

/* A /proc walk that finds a process new re-reads its comm on the
 * following walks for about PM_WALK_RECHECK_SPAN_NS (at least
 * PM_WALK_RECHECKS walks, at most PM_WALK_RECHECKS_MAX): a walk often
 * catches a child between fork and exec, and a changed name is then
 * reported as the exec it was.  The span is time, not a walk count, since
 * on a loaded machine fork to exec can take longer than a few periods. */
#define PM_WALK_RECHECKS 2
#define PM_WALK_RECHECKS_MAX 255
#define PM_WALK_RECHECK_SPAN_NS (1000ULL * 1000 * 1000)

/* How long an exec named from /proc is held (see above): far longer than
 * an exec takes from setting the name to sending its message, even
 * preempted on a loaded machine. */
#define PM_EXEC_HOLD_NS (100ULL * 1000 * 1000)

struct procmodel_config {
	size_t capacity;        /* live processes tracked */
	uint64_t coalesce_ns;   /* fork-without-exec window */
	uint64_t exec_hold_ns;  /* exec named from /proc (0: not held) */
	uint64_t walk_period_ns; /* walker period (0: not known, the minimum rechecks) */
	bool report_kthreads;   /* --kernel-threads */
};

struct pm_pending {
	uint32_t pid;
	uint32_t gen;
	uint64_t deadline;
};

/* Pending deadlines, oldest first (each is its start + a constant, so
 * the ring stays sorted). */
struct pm_ring {
	struct pm_pending *slots;
	size_t cap, head, len;
};

struct procmodel {
	struct ptable table;
	struct procmodel_ops ops;
	uint64_t coalesce_ns;
	uint64_t exec_hold_ns;
	uint8_t walk_rechecks;    /* walks that re-read a new process's comm */
	uint32_t gen;
	uint32_t epoch;           /* /proc walk generation */
	bool report_kthreads;
	/* Exec and comm events of the connector read being handled. */
	struct { uint32_t tgid; uint64_t ts; } ahead[PM_AHEAD_MAX];
	size_t n_ahead;
	bool ahead_full;
	bool table_full_logged;
	struct pm_ring forks;     /* forks waiting for their window */
	struct pm_ring held;      /* execs named from /proc, held */
};

int procmodel_init(struct procmodel *pm, const struct procmodel_config *cfg,
		   const struct procmodel_ops *ops);
void procmodel_fini(struct procmodel *pm);

/* Kernel facts.  Thread ids and group ids as the proc connector gives
 * them; ts_ns is the kernel's CLOCK_MONOTONIC stamp. */
void procmodel_fork(struct procmodel *pm, uint32_t parent_tgid,
		    uint32_t child_pid, uint32_t child_tgid, uint64_t ts_ns);
void procmodel_exec(struct procmodel *pm, uint32_t pid, uint32_t tgid,
		    uint64_t ts_ns);
void procmodel_exit(struct procmodel *pm, uint32_t pid, uint32_t tgid,
		    uint64_t ts_ns);
void procmodel_comm(struct procmodel *pm, uint32_t pid, uint32_t tgid,
		    const char *comm, size_t len);
/* A connector read's exec and comm events, before they are handled:
 * begin, then one ahead() per event (see PM_AHEAD_MAX). */
void procmodel_ahead_begin(struct procmodel *pm);
void procmodel_ahead(struct procmodel *pm, uint32_t tgid, uint64_t ts_ns);
/* A taskstats exit record: task pid (tgid 0 when the kernel does not say)
 * exited with this comm. */
void procmodel_exit_record(struct procmodel *pm, uint32_t pid, uint32_t tgid,
			   const char *comm, size_t len);

/* Coalescing and holding: the earliest pending deadline (0: none), and
 * emit the forks whose window and the execs whose hold ended at or before
 * now_ns. */
uint64_t procmodel_next_deadline(struct procmodel *pm);
void procmodel_expire(struct procmodel *pm, uint64_t now_ns);
/* Shutdown: every pending fork gets its process.spawned now; a held exec
 * gets "" (its later exec's message may never be read). */
void procmodel_flush(struct procmodel *pm);

/* A /proc walk (startup snapshot, resync after lost messages, fallback
 * source): begin, report each live thread-group id, end.  New pids get
 * process.spawned (ts_ns); known pids not seen get process.exited. */
void procmodel_walk_begin(struct procmodel *pm);
void procmodel_walk_seen(struct procmodel *pm, uint32_t pid, uint64_t ts_ns);
void procmodel_walk_end(struct procmodel *pm, uint64_t ts_ns);

/* Number of tracked processes (tests, debugging). */
size_t procmodel_tracked(const struct procmodel *pm);

#endif /* CELLOS_AGENT_PROCMODEL_H */
