/*
 * stats.h - the agent's health counters and its log.
 *
 * The counters themselves (stats_add/set/get/name) and agent_log() are
 * declared in source.h because every source uses them.  This header adds
 * what only main needs: the log level, the counters line and the
 * rate-limited "log when changed" check.
 *
 * Promises: no allocation; one log line is one write(2) to stderr, so
 * lines from concurrent processes never interleave mid-line.
 */
#ifndef CELLOS_AGENT_STATS_H
#define CELLOS_AGENT_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "source.h"

/* Minimum time between two "counters changed" lines. */
#define STATS_LOG_INTERVAL_NS (1000ULL * 1000 * 1000)

/* Messages above this level are not printed (default LOG_INFO). */
void log_set_level(enum log_level max);
enum log_level log_get_level(void);

/* Program name used in log lines (default "cellos-telemetry"). */
void log_set_prog(const char *prog);

/* Write the one-line counter summary, "counters: produced=N written=N ...",
 * into buf (always NUL-terminated when cap > 0).  Returns its length. */
size_t stats_format(char *buf, size_t cap);

/* Log the summary now at level (SIGUSR1, exit). */
void stats_log(enum log_level level);

/* Log the summary if any counter changed since the last summary and
 * STATS_LOG_INTERVAL_NS have passed since then.  Returns true if it
 * logged. */
bool stats_log_if_changed(uint64_t now_ns);

/* Reset every counter to 0 (for tests). */
void stats_reset(void);

/* A simple rate limit for repeated runtime warnings: at most one line per
 * interval; lines suppressed in between are counted and reported with the
 * next one that passes. */
struct ratelimit {
	uint64_t interval_ns;
	uint64_t last_ns;
	uint64_t suppressed;
	bool used;
};
#define RATELIMIT_INIT(ns) { (ns), 0, 0, false }

/* Returns true when a line may be logged now; *suppressed_out (may be
 * NULL) gets the number of lines dropped since the last one. */
bool ratelimit_pass(struct ratelimit *rl, uint64_t now_ns,
		    uint64_t *suppressed_out);

#endif /* CELLOS_AGENT_STATS_H */
