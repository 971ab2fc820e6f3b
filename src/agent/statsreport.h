/*
 * statsreport.h - when the agent logs its counters.
 *
 * The counters line ("counters: produced=N ...") is the operator's view of
 * the agent's health, and on a guest it lands on the console.  This module
 * decides when it is due; the caller logs it.
 *
 * Promises: pure (no clock, no log, no I/O, no allocation): the caller
 * passes the counters and the time and logs what the answer asks for.
 *  - The counters line: at most once per interval (--stats-interval),
 *    and only when a counter changed since the last one; interval 0:
 *    never (the caller logs it on SIGUSR1 and at exit).
 *  - A loss (any dropped_* counter, resyncs or watch_lost grew): due at
 *    once, whatever the interval, through a log_limit (log.h) of one line
 *    per STATSREPORT_LOSS_INTERVAL_NS, like the agent's other repeated
 *    warnings (the proc connector's overruns); growth while it holds back
 *    is reported with the next one, so the deltas always add up to the
 *    totals.  The caller logs the counters
 *    line with that warning, so it also counts as the line.
 */
#ifndef CELLOS_AGENT_STATSREPORT_H
#define CELLOS_AGENT_STATSREPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "log.h"
#include "stats.h"

#define STATSREPORT_LOSS_INTERVAL_NS (10ULL * CLOCK_NS_PER_SEC)
/* Room for the loss summary of every loss counter. */
#define STATSREPORT_LOSS_BYTES 320

enum {
	STATSREPORT_LINE = 1u << 0,  /* log the counters line */
	STATSREPORT_LOSS = 1u << 1,  /* log a warning with the loss summary */
};

struct statsreport {
	uint64_t interval_ns;          /* 0: no periodic line */
	uint64_t line_ns;              /* when the last line was logged */
	uint64_t line_seen[STAT_COUNT];
	uint64_t loss_seen[STAT_COUNT]; /* values at the last loss warning */
	struct log_limit loss_limit;
};

/* Start at now_ns with every counter 0 seen: the first line is due one
 * interval later, a loss at once. */
void statsreport_init(struct statsreport *r, unsigned int interval_s,
		      uint64_t now_ns);

/* True for the counters whose growth is a loss (dropped_*, resyncs,
 * watch_lost). */
bool statsreport_is_loss(enum stat_id id);

/* What is due now: 0, STATSREPORT_LINE or STATSREPORT_LOSS (the warning,
 * with the counters line in it); what it answers is taken as logged.  With STATSREPORT_LOSS, loss gets "NAME +DELTA, ..." for each
 * loss counter that grew since the last report (NUL-terminated, cut to
 * cap). */
unsigned int statsreport_due(struct statsreport *r,
			     const uint64_t counters[STAT_COUNT],
			     uint64_t now_ns, char *loss, size_t cap);

/* The caller logged the line for another reason (SIGUSR1): the interval
 * starts again from now. */
void statsreport_line_logged(struct statsreport *r,
			     const uint64_t counters[STAT_COUNT],
			     uint64_t now_ns);

#endif /* CELLOS_AGENT_STATSREPORT_H */
