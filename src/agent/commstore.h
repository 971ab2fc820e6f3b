/*
 * commstore.h - what perf side-band records say each process was called,
 * and when: the answer to "which name did the exec of pid P at time T
 * set?" and "which name did P have when it exited at time T?".
 *
 * Pure: fed decoded records (perfcomm.h), asked by the process source.
 * Per process (thread-group leader) it keeps the last COMMSTORE_HIST
 * names with their kernel times: every exec's name (COMM_EXEC), renames
 * (prctl(PR_SET_NAME) or a kernel thread naming itself) and, at fork, the
 * parent's name as the child's first when the parent is followed.  Renames of other threads are not the process's name
 * and are ignored.
 *
 * What it promises:
 *  - commstore_exec_name(pid, T) answers with the name of the exec
 *    record in (previous exec asked about, T]: the exec's own name, never
 *    a later one, however fast the next exec or rename followed.  An exec
 *    whose record is missing (ring overrun, table full, exec before the
 *    rings were opened) is COMMSTORE_LATER when a later name is known
 *    (the live name is then not this exec's), else COMMSTORE_UNKNOWN.
 *  - commstore_exit_name(pid, T) answers with the latest name at or
 *    before T of the incarnation that exited, or COMMSTORE_UNKNOWN when
 *    that could be stale (a ring overrun since the process was first
 *    seen) or is not known; then it forgets the process.
 *  - Memory is fixed at commstore_init(): COMMSTORE_SETS x COMMSTORE_WAYS
 *    processes; a full set gives up its least recently named process
 *    (counted in evicted; its lookups fall back).
 */
#ifndef CELLOS_AGENT_COMMSTORE_H
#define CELLOS_AGENT_COMMSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "perfcomm.h"

#define COMMSTORE_SETS 256
#define COMMSTORE_WAYS 4
#define COMMSTORE_HIST 4

#define COMMSTORE_UNKNOWN (-1)
#define COMMSTORE_LATER (-2)

struct cs_name {
	uint64_t time;
	uint8_t len;
	bool exec;
	char name[PERFCOMM_NAME_LEN];
};

struct cs_entry {
	uint32_t pid;          /* 0: free */
	uint8_t n;             /* names in hist, oldest first */
	bool exited;           /* its EXIT record was seen */
	uint64_t born;         /* its FORK record's time (0: before us) */
	uint64_t created;      /* when this entry began to record names */
	uint64_t consumed;     /* the last exec time asked about */
	uint64_t touched;      /* newest record time (eviction order) */
	struct cs_name hist[COMMSTORE_HIST];
};

struct commstore {
	struct cs_entry *slots;
	uint64_t last_lost;    /* time of the latest PERF_RECORD_LOST */
	uint64_t lost;         /* records the kernel could not write */
	uint64_t evicted;
};

int commstore_init(struct commstore *cs);
void commstore_fini(struct commstore *cs);

void commstore_record(struct commstore *cs, const struct perfcomm_rec *r);
void commstore_lost(struct commstore *cs, uint64_t n, uint64_t time);

/* Each returns the name's length (0..PERFCOMM_NAME_LEN) with the name in
 * out, or COMMSTORE_UNKNOWN / COMMSTORE_LATER (see above). */
int commstore_exec_name(struct commstore *cs, uint32_t pid, uint64_t ts,
			char out[PERFCOMM_NAME_LEN]);
int commstore_exit_name(struct commstore *cs, uint32_t pid, uint64_t ts,
			char out[PERFCOMM_NAME_LEN]);

/* The set pid belongs to (tests). */
size_t commstore_set_index(uint32_t pid);

/* Processes held now (tests). */
size_t commstore_count(const struct commstore *cs);

#endif /* CELLOS_AGENT_COMMSTORE_H */
