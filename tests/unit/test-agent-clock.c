/*
 * test-agent-clock.c - monotonic time and reactor timers
 * (src/agent/clock.c), with the agent's own reactor.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/clock.h"
#include "agent/reactor.h"

/* Far more than any timer here needs, so a slow machine does not fail. */
#define WAIT_MS 5000

static unsigned fired;

static void on_timer(void *ctx, uint32_t events)
{
	struct clock_timer *t = ctx;

	(void)events;
	clock_timer_ack(t);
	fired++;
}

static void now_does_not_go_back(void **state)
{
	uint64_t a, b;

	(void)state;
	a = clock_now_ns();
	b = clock_now_ns();
	assert_true(a > 0);
	assert_true(b >= a);
}

static void a_timer_fires_once_when_due(void **state)
{
	struct reactor *r = reactor_create();
	struct clock_timer t;
	uint64_t start = clock_now_ns();

	(void)state;
	assert_non_null(r);
	fired = 0;
	assert_int_equal(clock_timer_open(&t, r, on_timer, &t), 0);
	assert_int_equal(reactor_count(r), 1);
	assert_false(t.armed);
	assert_int_equal(clock_timer_arm_in(&t, 20 * CLOCK_NS_PER_MS), 0);
	assert_true(t.armed);
	while (fired == 0 && clock_now_ns() - start < WAIT_MS * CLOCK_NS_PER_MS)
		assert_true(reactor_run_once(r, WAIT_MS) >= 0);
	assert_int_equal(fired, 1);
	assert_false(t.armed);
	assert_true(clock_now_ns() - start >= 20 * CLOCK_NS_PER_MS);
	/* One shot: nothing more comes. */
	assert_int_equal(reactor_run_once(r, 50), 0);
	assert_int_equal(fired, 1);
	clock_timer_close(&t);
	assert_int_equal(t.fd, -1);
	assert_int_equal(reactor_count(r), 0);
	clock_timer_close(&t);  /* twice is fine */
	reactor_destroy(r);
}

static void a_disarmed_timer_does_not_fire(void **state)
{
	struct reactor *r = reactor_create();
	struct clock_timer t;

	(void)state;
	assert_non_null(r);
	fired = 0;
	assert_int_equal(clock_timer_open(&t, r, on_timer, &t), 0);
	assert_int_equal(clock_timer_arm_in(&t, 10 * CLOCK_NS_PER_MS), 0);
	assert_int_equal(clock_timer_arm_at(&t, 0), 0);
	assert_false(t.armed);
	assert_int_equal(reactor_run_once(r, 60), 0);
	assert_int_equal(fired, 0);
	clock_timer_close(&t);
	reactor_destroy(r);
}

static void a_closed_timer_cannot_be_armed(void **state)
{
	struct clock_timer t;

	(void)state;
	clock_timer_init(&t);
	assert_int_equal(clock_timer_arm_in(&t, 1), -EBADF);
	clock_timer_ack(&t);
	clock_timer_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(now_does_not_go_back),
		cmocka_unit_test(a_timer_fires_once_when_due),
		cmocka_unit_test(a_disarmed_timer_does_not_fire),
		cmocka_unit_test(a_closed_timer_cannot_be_armed),
	};

	return cmocka_run_group_tests_name("agent-clock", tests, NULL, NULL);
}
