/* Unit tests of src/agent/statsreport.c: when the counters line and the
 * loss warning are due. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "agent/statsreport.h"

#define S(n) ((uint64_t)(n) * 1000000000ULL)
/* The agent's start, not 0: nothing may depend on the clock's origin. */
#define T0 S(1000)

static uint64_t c[STAT_COUNT];
static char loss[STATSREPORT_LOSS_BYTES];

static unsigned int due_at(struct statsreport *r, uint64_t t)
{
	loss[0] = '\0';
	return statsreport_due(r, c, T0 + t, loss, sizeof(loss));
}

static int setup(void **state)
{
	(void)state;
	memset(c, 0, sizeof(c));
	return 0;
}

static void line_comes_once_per_interval_when_something_changed(void **state)
{
	struct statsreport r;

	(void)state;
	statsreport_init(&r, 60, T0);
	c[STAT_PRODUCED] = 10;
	c[STAT_WRITTEN] = 10;
	assert_int_equal(due_at(&r, S(1)), 0);
	assert_int_equal(due_at(&r, S(59)), 0);
	assert_int_equal(due_at(&r, S(60)), STATSREPORT_LINE);
	/* Logged: nothing new, nothing due, however long. */
	assert_int_equal(due_at(&r, S(61)), 0);
	assert_int_equal(due_at(&r, S(600)), 0);
	/* A change at 601 is logged one interval after the last line. */
	c[STAT_PRODUCED]++;
	assert_int_equal(due_at(&r, S(601)), STATSREPORT_LINE);
	c[STAT_PRODUCED]++;
	assert_int_equal(due_at(&r, S(602)), 0);
	assert_int_equal(due_at(&r, S(660)), 0);
	assert_int_equal(due_at(&r, S(661)), STATSREPORT_LINE);
}

static void a_quiet_agent_logs_no_line(void **state)
{
	struct statsreport r;

	(void)state;
	statsreport_init(&r, 1, T0);
	for (unsigned int t = 0; t < 100; t++)
		assert_int_equal(due_at(&r, S(t)), 0);
}

static void interval_zero_never_logs_the_line(void **state)
{
	struct statsreport r;

	(void)state;
	statsreport_init(&r, 0, T0);
	for (unsigned int t = 0; t < 100000; t += 100) {
		c[STAT_PRODUCED] += 7;
		c[STAT_QUEUED] = t % 3;
		c[STAT_RECONNECTS] = t / 1000;
		assert_int_equal(due_at(&r, S(t)), 0);
	}
}

static void sigusr1_line_starts_the_interval_again(void **state)
{
	struct statsreport r;

	(void)state;
	statsreport_init(&r, 60, T0);
	c[STAT_PRODUCED] = 3;
	statsreport_line_logged(&r, c, T0 + S(50));
	c[STAT_PRODUCED] = 4;
	assert_int_equal(due_at(&r, S(60)), 0);
	assert_int_equal(due_at(&r, S(109)), 0);
	assert_int_equal(due_at(&r, S(110)), STATSREPORT_LINE);
}

/* Every loss counter is reported at once, whatever the interval; the
 * others never are. */
static void each_loss_counter_is_due_at_once(void **state)
{
	struct statsreport r;
	char want[64];

	(void)state;
	for (int id = 0; id < STAT_COUNT; id++) {
		bool is_loss = id == STAT_DROP_QUEUE_FULL || id == STAT_DROP_NETLINK ||
			       id == STAT_DROP_FS_OVERFLOW || id == STAT_DROP_AUDIT ||
			       id == STAT_DROP_UNKNOWN || id == STAT_DROP_PERF ||
			       id == STAT_DROP_BPF || id == STAT_RESYNC ||
			       id == STAT_WATCH_LOST;

		memset(c, 0, sizeof(c));
		statsreport_init(&r, 0, T0);
		assert_int_equal(statsreport_is_loss((enum stat_id)id), is_loss);
		c[id] = 3;
		if (!is_loss) {
			assert_int_equal(due_at(&r, S(1)), 0);
			continue;
		}
		assert_int_equal(due_at(&r, 1), STATSREPORT_LOSS);
		snprintf(want, sizeof(want), "%s +3", stats_name((enum stat_id)id));
		assert_string_equal(loss, want);
		/* Reported: not again until it grows. */
		assert_int_equal(due_at(&r, S(3600)), 0);
	}
}

/* At most one loss warning per STATSREPORT_LOSS_INTERVAL_NS; what grew in
 * between comes with the next one, so the deltas add up. */
static void loss_warnings_are_rate_limited_and_add_up(void **state)
{
	struct statsreport r;
	const uint64_t gap = STATSREPORT_LOSS_INTERVAL_NS;
	uint64_t reported = 0, t;
	unsigned int warnings = 0;

	(void)state;
	statsreport_init(&r, 3600, T0);
	/* One drop every 100 ms for 60 s. */
	for (t = 0; t <= S(60); t += S(1) / 10) {
		unsigned long long d;

		c[STAT_DROP_QUEUE_FULL]++;
		if (due_at(&r, t) != STATSREPORT_LOSS)
			continue;
		assert_int_equal(sscanf(loss, "dropped_queue_full +%llu", &d), 1);
		reported += d;
		warnings++;
	}
	/* The first at once, then one per interval. */
	assert_int_equal(warnings, 1 + S(60) / gap);
	assert_int_equal(reported, c[STAT_DROP_QUEUE_FULL]);
}

static void several_losses_are_named_together(void **state)
{
	struct statsreport r;

	(void)state;
	statsreport_init(&r, 60, T0);
	c[STAT_DROP_NETLINK] = 2;
	c[STAT_RESYNC] = 1;
	c[STAT_WATCH_LOST] = 4;
	c[STAT_PRODUCED] = 99;
	assert_int_equal(due_at(&r, S(1)), STATSREPORT_LOSS);
	assert_string_equal(loss, "dropped_netlink +2, resyncs +1, watch_lost +4");
}

/* The warning carries the counters line: no second line right after. */
static void a_loss_warning_counts_as_the_line(void **state)
{
	struct statsreport r;

	(void)state;
	statsreport_init(&r, 60, T0);
	c[STAT_PRODUCED] = 5;
	c[STAT_DROP_AUDIT] = 1;
	assert_int_equal(due_at(&r, S(59)), STATSREPORT_LOSS);
	assert_int_equal(due_at(&r, S(60)), 0);
	c[STAT_PRODUCED] = 6;
	assert_int_equal(due_at(&r, S(118)), 0);
	assert_int_equal(due_at(&r, S(119)), STATSREPORT_LINE);
}

static void the_loss_text_is_cut_to_its_buffer(void **state)
{
	struct statsreport r;
	char small[12];

	(void)state;
	statsreport_init(&r, 0, T0);
	c[STAT_DROP_QUEUE_FULL] = 123456;
	c[STAT_DROP_UNKNOWN] = 1;
	memset(small, 'x', sizeof(small));
	assert_int_equal(statsreport_due(&r, c, T0 + 1, small, sizeof(small)),
			 STATSREPORT_LOSS);
	assert_true(memchr(small, '\0', sizeof(small)) != NULL);
	assert_int_equal(strncmp(small, "dropped_queue_full", sizeof(small) - 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(line_comes_once_per_interval_when_something_changed, setup),
		cmocka_unit_test_setup(a_quiet_agent_logs_no_line, setup),
		cmocka_unit_test_setup(interval_zero_never_logs_the_line, setup),
		cmocka_unit_test_setup(sigusr1_line_starts_the_interval_again, setup),
		cmocka_unit_test_setup(each_loss_counter_is_due_at_once, setup),
		cmocka_unit_test_setup(loss_warnings_are_rate_limited_and_add_up, setup),
		cmocka_unit_test_setup(several_losses_are_named_together, setup),
		cmocka_unit_test_setup(a_loss_warning_counts_as_the_line, setup),
		cmocka_unit_test_setup(the_loss_text_is_cut_to_its_buffer, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
