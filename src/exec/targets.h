/* targets.h - what the gate protects, looked up once at setup.
 *
 * Promises: gate_collect() fills a gate_spec from the protected pids: the
 * pids, the threads they have now (/proc/PID/task), the process groups
 * they are in (and each pid as a group, should it become a group leader),
 * and whether the caller's own group holds one of them.  Threads and
 * groups that appear later are not seen; the man page says so.
 *
 * With in_new_pid_namespace the workload will live in a new pid namespace,
 * where these numbers name other (or no) processes: then no pid or group
 * rule is made, only the own-group rule (a process group spans pid
 * namespaces, so kill(0) would still reach a protected member).  Nothing
 * is printed; what could not be looked up is reported in notes. */
#ifndef CELLOS_EXEC_TARGETS_H
#define CELLOS_EXEC_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "exec/filter.h"

struct gate_notes {
	/* Protected pids that do not exist now: only their number is
	 * protected. */
	size_t n_missing;
	pid_t missing[GATE_MAX_TARGETS];
	/* Protected pids whose threads could not be listed (no /proc?). */
	size_t n_unlisted;
	pid_t unlisted[GATE_MAX_TARGETS];
};

/* Return 0, or -E2BIG when the pids, their threads or their groups do not
 * fit in a gate_spec. */
int gate_collect(struct gate_spec *spec, const pid_t *protect, size_t n,
		 bool in_new_pid_namespace, struct gate_notes *notes);

#endif
