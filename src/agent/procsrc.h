/*
 * procsrc.h - the process source: proc connector + taskstats + process
 * model, or the /proc walker when the connector cannot be subscribed.
 *
 * It follows the source lifecycle (source.h).  procsrc_start() opens
 * everything and registers its fds in the reactor; once the subscription
 * is confirmed (or the fallback chosen) it calls on_armed once and, from
 * the reactor right after, takes the startup snapshot of what already
 * runs.  The log says which source is active.  procsrc_stop() reads what
 * the connector holds, gives pending forks their spawned event and
 * releases everything.
 */
#ifndef CELLOS_AGENT_PROCSRC_H
#define CELLOS_AGENT_PROCSRC_H

#include <stdbool.h>
#include <stdint.h>

#include "cnproc.h"
#include "procmodel.h"
#include "procnames.h"
#include "procwalk.h"
#include "source.h"
#include "taskstats.h"

/* The probes this source serves, as a mask of (1u << enum wire_probe). */
#define PROCSRC_PROBES ((1u << WIRE_PROBE_PROCESS_SPAWNED) | \
			(1u << WIRE_PROBE_PROCESS_EXITED))

/* Slots of the process table (7/8 usable: 896 live processes; a microVM
 * runs a few dozen, a parallel build a few hundred).  Past that, the log
 * says so once and fork-without-exec and exit tracking degrade; memory
 * stays fixed and small (48 bytes a slot plus 16 a pending window, all
 * resident from the start: 64 KiB). */
#define PROCSRC_TABLE_CAPACITY 1024
/* How long to wait for the subscription's ack before falling back. */
#define PROCSRC_ACK_TIMEOUT_NS (1000ULL * 1000 * 1000)
/* Under load, wake for the connector at most once per interval: a wakeup
 * that found several messages pauses the socket, so the next one reads a
 * batch (and short-lived processes have exited by then, their comm
 * already in their exit record: no /proc read).  Light load (one message
 * per wakeup) is handled at once.  Wakeups, not the work per event, are
 * what the agent's CPU time is made of (a context switch in a guest costs
 * far more than handling a message: 5,000 spawns cost 190 ms of agent CPU
 * with 10 ms pauses, 70 ms with 50 ms pauses).  So the pause starts at
 * PROCSRC_BATCH_NS and doubles while every wakeup finds a batch, up to
 * PROCSRC_BATCH_MAX_NS: a sustained storm is read in large batches, a
 * short burst is late by at most the first pause. */
#define PROCSRC_BATCH_NS (10ULL * 1000 * 1000)
#define PROCSRC_BATCH_MAX_NS (80ULL * 1000 * 1000)
#define PROCSRC_BATCH_MIN_MSGS 2
/* At most one overrun warning per interval. */
#define PROCSRC_LOG_INTERVAL_NS (10ULL * 1000 * 1000 * 1000)

struct procsrc_config {
	uint64_t coalesce_ns;
	uint64_t poll_ns;        /* fallback walker period */
	int rcvbuf;              /* netlink receive buffers, bytes */
	bool force_walker;       /* tests: never use the connector */
	bool no_perf;            /* --no-perf: names from /proc and taskstats */
	size_t perf_pages;       /* --perf-ring-pages */
	bool kernel_threads;     /* --kernel-threads: report them too */
};

enum procsrc_mode {
	PROCSRC_STARTING = 0,
	PROCSRC_CONNECTOR,
	PROCSRC_WALKER,
};

struct procsrc {
	struct reactor *r;
	struct pump *pump;
	struct procsrc_config cfg;
	struct procmodel pm;
	struct cnproc cn;
	struct taskstats_src ts;
	struct procwalk walk;
	struct procnames names;
	char names_why[160];      /* the name source, for the log */
	bool have_taskstats;
	enum procsrc_mode mode;
	bool started;             /* procsrc_start() succeeded, not yet stopped */
	struct clock_timer deadline; /* coalescing windows */
	uint64_t deadline_armed;
	struct clock_timer ack;   /* subscription ack timeout */
	struct clock_timer poll;  /* walker period */
	struct clock_timer batch; /* end of a connector pause */
	bool paused;              /* connector fd not polled until batch_fd */
	uint64_t pause_ns;        /* the next pause (PROCSRC_BATCH_NS..MAX) */
	bool resync_needed;
	bool exits_fresh;         /* taskstats drained since the last read */
	bool snapshot_pending;    /* the startup walk runs after readiness */
	struct log_limit overrun_log;
	void (*on_armed)(void *ctx);
	void *armed_ctx;
};

/* 0 (msg->armed: PROCSRC_PROBES), or a negative errno value when no
 * process source at all can run (msg->text says why). */
int procsrc_start(struct procsrc *ps, const struct source_env *env,
		  const struct procsrc_config *cfg,
		  void (*on_armed)(void *ctx), void *ctx, struct source_msg *msg);

/* Stop reading; pending forks get their spawned event now; release
 * everything.  Safe after a failed start and twice. */
void procsrc_stop(struct procsrc *ps);

const char *procsrc_mode_name(const struct procsrc *ps);

#endif /* CELLOS_AGENT_PROCSRC_H */
