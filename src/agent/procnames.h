/*
 * procnames.h - the process source's exact name source: perf side-band
 * rings (perfcomm.h) feeding a name history (commstore.h).
 *
 * procnames_start() opens the rings (before the proc connector subscribes,
 * so every exec the connector reports has its record) and registers each
 * ring's fd for the half-full wakeup.  procnames_drain() reads every ring;
 * the process source calls it after each connector read and before that
 * read is handled, so each exec message finds its name already there.
 * The exec_name/exit_name functions are the procmodel_ops of the same
 * names (ctx: the struct procnames).  Ring overruns are counted in
 * STAT_DROP_PERF and logged (rate-limited); the names they took fall back.
 */
#ifndef CELLOS_AGENT_PROCNAMES_H
#define CELLOS_AGENT_PROCNAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "commstore.h"
#include "log.h"
#include "perfcomm.h"
#include "ptable.h"

#define PROCNAMES_LOG_INTERVAL_NS (10ULL * 1000 * 1000 * 1000)

struct reactor;

struct procnames {
	struct perfcomm perf;
	struct commstore store;
	struct reactor *r;
	bool active;
	struct log_limit lost_log;
};

/* Returns 0 when the rings run; else -1, with why (a phrase for the log:
 * "disabled", "perf_event_open: Permission denied (perf_event_paranoid
 * 3)", ...) and nothing left open. */
int procnames_start(struct procnames *pn, struct reactor *r, bool disabled,
		    size_t pages, char *why, size_t why_len);
void procnames_drain(struct procnames *pn);
void procnames_stop(struct procnames *pn);

int procnames_exec_name(void *ctx, uint32_t tgid, uint64_t ts,
			char comm[PT_COMM_LEN]);
int procnames_exit_name(void *ctx, uint32_t tgid, uint64_t ts,
			char comm[PT_COMM_LEN]);

#endif /* CELLOS_AGENT_PROCNAMES_H */
