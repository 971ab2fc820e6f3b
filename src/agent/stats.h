/*
 * stats.h - the agent's health counters.
 *
 * Every module counts what it produced and lost with stats_add/stats_set;
 * main logs the summary line when statsreport.h says it is due, on
 * SIGUSR1 and at exit.  The keys of the line are stable: scripts and tests
 * parse them.
 *
 * Promises: no allocation; the counters are exact (logging never drops a
 * count).
 */
#ifndef CELLOS_AGENT_STATS_H
#define CELLOS_AGENT_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

/* Room for the summary line. */
#define STATS_LINE_BYTES 512

enum stat_id {
	STAT_PRODUCED = 0,       /* frames built by pump_emit */
	STAT_WRITTEN,            /* frames fully written to the sink */
	STAT_QUEUED,             /* gauge: frames in the queue now */
	STAT_DROP_QUEUE_FULL,    /* frames dropped: queue full */
	STAT_DROP_NETLINK,       /* proc connector messages lost (seq gaps, ENOBUFS) */
	STAT_DROP_FS_OVERFLOW,   /* fanotify/inotify queue overflows */
	STAT_DROP_AUDIT,         /* audit records lost (kernel lost counter, ENOBUFS) */
	STAT_DROP_UNKNOWN,       /* anything else lost */
	STAT_DROP_PERF,          /* perf side-band records lost (ring overruns) */
	STAT_DROP_BPF,           /* connect records the BPF ring could not hold */
	STAT_COMM_UNRESOLVED,    /* events sent with comm "" */
	STAT_RESYNC,             /* process-table resynchronisations from /proc */
	STAT_WATCH_LOST,         /* watched paths that disappeared */
	STAT_RECONNECTS,         /* sink connections established */
	STAT_COUNT
};

void stats_add(enum stat_id id, uint64_t n);
void stats_set(enum stat_id id, uint64_t v);
uint64_t stats_get(enum stat_id id);
const char *stats_name(enum stat_id id);

/* Write the one-line counter summary, "counters: produced=N written=N ...",
 * into buf (always NUL-terminated when cap > 0).  Returns its length. */
size_t stats_format(char *buf, size_t cap);

/* Log the summary now at level (SIGUSR1, exit). */
void stats_log(enum log_level level);

/* Reset every counter to 0 (for tests). */
void stats_reset(void);

#endif /* CELLOS_AGENT_STATS_H */
