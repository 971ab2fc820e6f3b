/*
 * agent-doubles.h - stand-ins for the agent core's seam (source.h) so the
 * sink can be tested alone: a tiny epoll reactor, counters in an array, a
 * log that records its lines.
 */
#ifndef CELLOS_TEST_AGENT_DOUBLES_H
#define CELLOS_TEST_AGENT_DOUBLES_H

#include <stddef.h>
#include <stdint.h>

#include "agent/source.h"

#define DOUBLES_LOG_LINE_BYTES 512

struct reactor *test_reactor_new(void);
void test_reactor_free(struct reactor *r);
/* One epoll_wait of at most timeout_ms, dispatching what fired; returns the
 * number of handlers called. */
int test_reactor_run_once(struct reactor *r, int timeout_ms);
/* Fds registered now. */
size_t test_reactor_count(const struct reactor *r);

void test_stats_reset(void);

/* Lines agent_log() was given since test_log_reset(), and the last one. */
void test_log_reset(void);
unsigned test_log_count(void);
unsigned test_log_count_level(enum log_level level);
const char *test_log_last(void);
/* Number of logged lines containing needle. */
unsigned test_log_count_matching(const char *needle);

#endif
