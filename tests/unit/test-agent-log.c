/*
 * test-agent-log.c - the agent's log (src/agent/log.c): the line format,
 * levels, and the rate limits the sources share.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "agent/log.h"
#include "agent-doubles.h"

#define SEC 1000000000ULL

static int setup(void **state)
{
	(void)state;
	log_set_level(LOG_INFO);
	test_log_reset();
	return 0;
}

static void a_line_names_program_and_level(void **state)
{
	(void)state;
	agent_log(LOG_WARN, "disk %d", 3);
	assert_int_equal(test_log_count(), 1);
	assert_string_equal(test_log_last(), "cellos-telemetry: warning: disk 3");
	agent_log(LOG_ERR, "x");
	assert_string_equal(test_log_last(), "cellos-telemetry: error: x");
}

static void levels_above_the_maximum_are_not_written(void **state)
{
	(void)state;
	agent_log(LOG_DEBUG, "hidden");
	assert_int_equal(test_log_count(), 0);
	log_set_level(LOG_DEBUG);
	agent_log(LOG_DEBUG, "shown");
	assert_int_equal(test_log_count(), 1);
	log_set_level(LOG_ERR);
	agent_log(LOG_WARN, "hidden");
	assert_int_equal(test_log_count(), 1);
}

static void a_long_message_is_cut_to_one_line(void **state)
{
	static char big[3 * LOG_LINE_BYTES];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	agent_log(LOG_INFO, "%s", big);
	assert_int_equal(test_log_count(), 1);
	assert_true(strlen(test_log_last()) < LOG_LINE_BYTES);
}

static void limit_lets_a_burst_through_per_window(void **state)
{
	struct log_limit l = LOG_LIMIT_INIT("t", 10 * SEC, 3);
	uint64_t held = 99;

	(void)state;
	for (int i = 0; i < 3; i++) {
		assert_true(log_limit_pass(&l, 100 * SEC + (uint64_t)i, &held));
		assert_int_equal(held, 0);
	}
	assert_false(log_limit_pass(&l, 101 * SEC, &held));
	assert_false(log_limit_pass(&l, 109 * SEC, &held));
	/* The next window: the count of what was held back comes along. */
	assert_true(log_limit_pass(&l, 110 * SEC, &held));
	assert_int_equal(held, 2);
	assert_true(log_limit_pass(&l, 110 * SEC, &held));
	assert_int_equal(held, 0);
}

static void limit_of_one_per_interval(void **state)
{
	struct log_limit l = LOG_LIMIT_INIT("t", SEC, 1);
	uint64_t held;

	(void)state;
	/* The first line passes whatever the clock says. */
	assert_true(log_limit_pass(&l, 0, &held));
	assert_false(log_limit_pass(&l, SEC / 2, NULL));
	assert_false(log_limit_pass(&l, SEC - 1, NULL));
	assert_true(log_limit_pass(&l, SEC, &held));
	assert_int_equal(held, 2);
}

static void limited_lines_summarize_what_was_held_back(void **state)
{
	struct log_limit l = LOG_LIMIT_INIT("fs watch", 10 * SEC, 2);

	(void)state;
	for (int i = 0; i < 5; i++)
		agent_log_limited(&l, 50 * SEC, LOG_WARN, "line %d", i);
	assert_int_equal(test_log_count(), 2);
	assert_int_equal(test_log_count_matching("line 1"), 1);
	agent_log_limited(&l, 60 * SEC, LOG_INFO, "later");
	assert_int_equal(test_log_count(), 4);
	assert_int_equal(test_log_count_matching(
		"fs watch: 3 messages not logged (more than 2 in 10 s)"), 1);
	assert_string_equal(test_log_last(), "cellos-telemetry: info: later");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(a_line_names_program_and_level, setup),
		cmocka_unit_test_setup(levels_above_the_maximum_are_not_written, setup),
		cmocka_unit_test_setup(a_long_message_is_cut_to_one_line, setup),
		cmocka_unit_test_setup(limit_lets_a_burst_through_per_window, setup),
		cmocka_unit_test_setup(limit_of_one_per_interval, setup),
		cmocka_unit_test_setup(limited_lines_summarize_what_was_held_back, setup),
	};

	return cmocka_run_group_tests_name("agent-log", tests, NULL, NULL);
}
