/*
 * ptable.h - the process table: pid -> what the agent knows of it.
 *
 * Fixed size, open addressing with linear probing and backward-shift
 * deletion (no tombstones, so lookups stay short however long the agent
 * runs).  All memory is taken by ptable_create(); nothing is allocated per
 * event.  An insert into a table filled to PTABLE_MAX_LOAD fails, so probe
 * sequences stay short; callers degrade (see procmodel.c).
 */
#ifndef CELLOS_AGENT_PTABLE_H
#define CELLOS_AGENT_PTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The kernel's comm: TASK_COMM_LEN bytes including the NUL. */
#define PT_COMM_LEN 16

enum pt_state {
	PT_FREE = 0,
	PT_FORKED,      /* forked, no exec seen, spawned not yet sent */
	PT_SPAWNED,     /* process.spawned sent */
	PT_EXIT_NOTED,  /* only a taskstats exit record is known */
};

struct pt_entry {
	uint32_t pid;         /* thread-group id; 0 never used by a process */
	uint8_t state;        /* enum pt_state */
	uint8_t comm_len;
	bool comm_known;      /* comm holds a name read for this process */
	bool exit_comm;       /* comm came from its taskstats exit record */
	bool walked;          /* reported by a /proc walk at time ts */
	uint8_t extended;     /* times its coalescing window was extended */
	uint8_t young;        /* walks left that re-read its comm (walked) */
	bool exec_reported;   /* spawned at its window's end under a name
			       * not its parent's: the exec message that
			       * follows is that same exec */
	bool renamed;         /* a comm event: it renamed itself (prctl) */
	bool kthread;         /* a kernel thread: never reported (procmodel.h) */
	bool held;            /* PT_SPAWNED whose exec's spawned waits: its
			       * name came from /proc (procmodel.h) */
	uint32_t ppid;        /* parent's thread-group id (PT_FORKED) */
	uint32_t gen;         /* identifies this incarnation (pending ring) */
	uint32_t seen;        /* epoch of the last /proc walk that saw it */
	uint64_t ts;          /* fork time (PT_FORKED), walk time (walked),
			       * exec time (held) */
	char comm[PT_COMM_LEN];
};

struct ptable {
	struct pt_entry *slots;
	size_t cap;           /* power of two */
	size_t mask;
	size_t count;
	size_t max_count;
};

/* Load limit: 7/8 of the slots. */
#define PTABLE_MAX_LOAD_NUM 7
#define PTABLE_MAX_LOAD_DEN 8

/* cap is rounded up to a power of two (at least 16).  Returns 0, or -1
 * with errno ENOMEM. */
int ptable_init(struct ptable *t, size_t cap);
void ptable_fini(struct ptable *t);

struct pt_entry *ptable_find(struct ptable *t, uint32_t pid);
/* Find pid, or insert a zeroed entry for it (*created = true; its state
 * is PT_EXIT_NOTED until the caller sets it).  NULL when the table is at
 * its load limit or pid is 0. */
struct pt_entry *ptable_get(struct ptable *t, uint32_t pid, bool *created);
/* Remove e (a pointer from find/get).  Other entries may move: pointers
 * into the table are invalid afterwards. */
void ptable_remove(struct ptable *t, struct pt_entry *e);

/* Iteration that tolerates removal of the visited entry:
 *   for (size_t i = 0; i < t->cap; ) {
 *       struct pt_entry *e = &t->slots[i];
 *       if (e->state != PT_FREE && want_gone(e)) { ptable_remove(t, e); continue; }
 *       i++;
 *   }
 * Removal shifts a later entry into slot i, so slot i is examined again;
 * an entry may be visited twice (when the shift wraps), never skipped. */

#endif /* CELLOS_AGENT_PTABLE_H */
