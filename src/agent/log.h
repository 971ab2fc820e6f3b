/*
 * log.h - the agent's log: one line per message on stderr, by level, and
 * rate limits for the messages a workload can provoke at will.
 *
 * Promises:
 * - A line is "cellos-telemetry: <level>: <message>\n", written with one
 *   write(2), so lines from concurrent processes never interleave.  A
 *   message longer than LOG_LINE_BYTES is cut; a failed write is dropped
 *   (there is nowhere to report it).  No allocation.
 * - A rate limit (struct log_limit) lets at most `burst` lines through per
 *   window; the lines it holds back are counted, and the count is either
 *   logged as one summary line when the next window opens
 *   (agent_log_limited) or handed to the caller to fold into its next line
 *   (log_limit_pass).  Time is passed in, so the limit is pure and
 *   testable; counters (stats.h) stay exact whatever the log drops.
 */
#ifndef CELLOS_AGENT_LOG_H
#define CELLOS_AGENT_LOG_H

#include <stdbool.h>
#include <stdint.h>

#define LOG_LINE_BYTES 1024

enum log_level { LOG_ERR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

void agent_log(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Messages above max are not written (default LOG_INFO). */
void log_set_level(enum log_level max);

/* Where lines go (default STDERR_FILENO); the unit tests read them back. */
void log_set_fd(int fd);

struct log_limit {
	const char *what;     /* names the summary line: "<what>: N messages ..." */
	uint64_t window_ns;
	unsigned burst;       /* lines let through per window, >= 1 */
	bool open;            /* a window has started */
	uint64_t window_start_ns;
	unsigned in_window;
	uint64_t suppressed;  /* held back since the last line let through */
};
#define LOG_LIMIT_INIT(what, window_ns, burst) \
	{ (what), (window_ns), (burst), false, 0, 0, 0 }

/* May a line go out now?  true: yes, and *suppressed (may be NULL) gets
 * the number held back since the previous one (the caller reports it);
 * false: it is counted as held back. */
bool log_limit_pass(struct log_limit *l, uint64_t now_ns, uint64_t *suppressed);

/* agent_log() through l: when a line passes after some were held back, a
 * summary line "<what>: N messages not logged (more than B in S s)" goes
 * out first. */
void agent_log_limited(struct log_limit *l, uint64_t now_ns,
		       enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif /* CELLOS_AGENT_LOG_H */
