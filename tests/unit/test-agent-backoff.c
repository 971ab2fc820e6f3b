/*
 * test-agent-backoff.c - the reconnect schedule (src/agent/backoff.c).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/backoff.h"

#define MS BACKOFF_NS_PER_MS

static void without_jitter_delay_doubles_from_base_up_to_cap(void **state)
{
	struct backoff b;
	uint64_t rng = 1;
	const uint64_t want[] = { 50, 100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000 };
	size_t i;

	backoff_init(&b, 50 * MS, 5000 * MS, 0);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(backoff_next(&b, &rng), want[i] * MS);
}

static void reset_starts_the_schedule_over(void **state)
{
	struct backoff b;
	uint64_t rng = 1;
	int i;

	backoff_init(&b, 50 * MS, 5000 * MS, 0);
	for (i = 0; i < 20; i++)
		(void)backoff_next(&b, &rng);
	assert_int_equal(backoff_next(&b, &rng), 5000 * MS);
	backoff_reset(&b);
	assert_int_equal(backoff_next(&b, &rng), 50 * MS);
	assert_int_equal(backoff_next(&b, &rng), 100 * MS);
}

static void jittered_delay_stays_within_percent_of_nominal(void **state)
{
	struct backoff b;
	uint64_t rng = 42;
	int round, i;

	for (round = 0; round < 200; round++) {
		uint64_t nominal = 50 * MS;

		backoff_init(&b, 50 * MS, 5000 * MS, BACKOFF_JITTER_PCT);
		for (i = 0; i < 10; i++) {
			uint64_t d = backoff_next(&b, &rng);

			assert_true(d >= nominal - nominal * BACKOFF_JITTER_PCT / 100);
			assert_true(d <= nominal + nominal * BACKOFF_JITTER_PCT / 100);
			nominal = nominal * 2 > 5000 * MS ? 5000 * MS : nominal * 2;
		}
	}
}

static void jitter_actually_varies_the_delay(void **state)
{
	struct backoff b;
	uint64_t rng = 7, first, lo = UINT64_MAX, hi = 0;
	int i;

	/* At the cap every draw is 5 s +-20 %: over 1000 draws both ends of
	 * the band must be approached, or the jitter is not uniform. */
	backoff_init(&b, 5000 * MS, 5000 * MS, 20);
	first = backoff_next(&b, &rng);
	for (i = 0; i < 1000; i++) {
		uint64_t d = backoff_next(&b, &rng);

		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	assert_true(first >= 4000 * MS && first <= 6000 * MS);
	assert_true(lo < 4100 * MS);
	assert_true(hi > 5900 * MS);
}

static void same_seed_gives_same_schedule(void **state)
{
	struct backoff a, b;
	uint64_t ra = 99, rb = 99, rc = 100;
	int i, differ = 0;

	backoff_init(&a, 50 * MS, 5000 * MS, 20);
	backoff_init(&b, 50 * MS, 5000 * MS, 20);
	for (i = 0; i < 20; i++)
		assert_int_equal(backoff_next(&a, &ra), backoff_next(&b, &rb));
	backoff_init(&a, 50 * MS, 5000 * MS, 20);
	backoff_init(&b, 50 * MS, 5000 * MS, 20);
	ra = 99;
	for (i = 0; i < 20; i++)
		differ += backoff_next(&a, &ra) != backoff_next(&b, &rc);
	assert_true(differ > 0);
}

static void delay_is_never_zero_and_arguments_are_sanitised(void **state)
{
	struct backoff b;
	uint64_t rng = 3;
	int i;

	/* base 0 would disarm a timerfd; cap below base is raised; jitter is
	 * clamped so a delay cannot reach 0. */
	backoff_init(&b, 0, 0, 1000);
	assert_int_equal(b.jitter_pct, BACKOFF_JITTER_PCT_MAX);
	for (i = 0; i < 100; i++)
		assert_true(backoff_next(&b, &rng) >= 1);
	backoff_init(&b, 10, 1, 50);
	for (i = 0; i < 100; i++) {
		uint64_t d = backoff_next(&b, &rng);

		assert_true(d >= 5 && d <= 15);
	}
}

static void huge_cap_does_not_overflow(void **state)
{
	struct backoff b;
	uint64_t rng = 5, prev = 0;
	int i;

	backoff_init(&b, 1, UINT64_MAX / 4, 0);
	for (i = 0; i < 80; i++) {
		uint64_t d = backoff_next(&b, &rng);

		assert_true(d >= prev);
		assert_true(d <= UINT64_MAX / 4);
		prev = d;
	}
	assert_int_equal(prev, UINT64_MAX / 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(without_jitter_delay_doubles_from_base_up_to_cap),
		cmocka_unit_test(reset_starts_the_schedule_over),
		cmocka_unit_test(jittered_delay_stays_within_percent_of_nominal),
		cmocka_unit_test(jitter_actually_varies_the_delay),
		cmocka_unit_test(same_seed_gives_same_schedule),
		cmocka_unit_test(delay_is_never_zero_and_arguments_are_sanitised),
		cmocka_unit_test(huge_cap_does_not_overflow),
	};

	return cmocka_run_group_tests_name("agent-backoff", tests, NULL, NULL);
}
