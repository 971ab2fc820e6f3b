/*
 * agent-doubles.h - the agent unit tests' one set of helpers.  They link
 * the real agent code (src/agent/libagent.la: reactor, clock, log, stats,
 * pump) and add only what a test needs to look at it:
 * - a pump whose records are decoded back into events (test_pump_init),
 * - the log lines the code wrote (test_log_*), captured through
 *   log_set_fd() into a memory file.
 */
#ifndef CELLOS_TEST_AGENT_DOUBLES_H
#define CELLOS_TEST_AGENT_DOUBLES_H

#include <stddef.h>
#include <stdint.h>

#include "agent/pump.h"
#include "agent/source.h"

#define TEST_MAX_FRAMES 256

/* A pump (frames format, every probe) whose records land in
 * test_frames[0 .. test_frame_count()). */
void test_pump_init(struct pump *p);
extern struct wire_event test_frames[TEST_MAX_FRAMES];
unsigned test_frame_count(void);
void test_frames_reset(void);

/* Capture the log from now on; forget what was captured. */
void test_log_reset(void);
/* Lines written since test_log_reset(), the last one (without its
 * newline; "" when none), and those containing needle. */
unsigned test_log_count(void);
const char *test_log_last(void);
unsigned test_log_count_matching(const char *needle);

#endif
