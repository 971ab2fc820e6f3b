/*
 * test-agent-ptable.c - the process table (src/agent/ptable.c): lookups stay
 * right through any sequence of inserts and backward-shift removals,
 * including clusters that wrap around the end of the table; the load limit
 * holds; removal during a scan visits every survivor.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent/ptable.h"

#define CAP 64
#define MAX_PID 400
#define STEPS 200000
#define SEED 12345u

static uint32_t rng_state;

static uint32_t rnd(void)
{
	/* xorshift32: a fixed seed makes every run the same sequence. */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static void random_inserts_and_removals_match_a_reference(void **state)
{
	struct ptable t;
	bool present[MAX_PID + 1];
	size_t count = 0;

	(void)state;
	rng_state = SEED;
	memset(present, 0, sizeof(present));
	assert_int_equal(ptable_init(&t, CAP), 0);
	for (int step = 0; step < STEPS; step++) {
		uint32_t pid = 1 + rnd() % MAX_PID;
		bool created;
		if (rnd() % 2) {
			struct pt_entry *e = ptable_get(&t, pid, &created);
			if (!e) {
				assert_false(present[pid]);
				assert_int_equal(count, t.max_count);
				continue;
			}
			assert_int_equal(created, !present[pid]);
			e->state = PT_SPAWNED;
			e->ts = pid;
			if (created) {
				present[pid] = true;
				count++;
			}
		} else {
			struct pt_entry *e = ptable_find(&t, pid);
			assert_int_equal(e != NULL, present[pid]);
			if (e) {
				assert_int_equal(e->pid, pid);
				assert_int_equal(e->ts, pid);
				ptable_remove(&t, e);
				present[pid] = false;
				count--;
			}
		}
		assert_int_equal(t.count, count);
		if (step % 1000 == 0) {
			for (uint32_t p = 1; p <= MAX_PID; p++) {
				struct pt_entry *e = ptable_find(&t, p);
				assert_int_equal(e != NULL, present[p]);
			}
		}
	}
	ptable_fini(&t);
}

static void table_refuses_inserts_past_its_load_limit(void **state)
{
	struct ptable t;
	bool created;
	uint32_t pid = 1;

	(void)state;
	assert_int_equal(ptable_init(&t, CAP), 0);
	assert_int_equal(t.cap, CAP);
	while (ptable_get(&t, pid, &created))
		ptable_get(&t, pid++, &created)->state = PT_SPAWNED;
	assert_int_equal(t.count, CAP / PTABLE_MAX_LOAD_DEN * PTABLE_MAX_LOAD_NUM);
	/* Existing pids are still found; pid 0 is never a process. */
	assert_non_null(ptable_find(&t, 1));
	assert_null(ptable_get(&t, 0, &created));
	ptable_fini(&t);
}

static void removal_during_a_scan_keeps_every_survivor(void **state)
{
	struct ptable t;
	bool created;

	(void)state;
	rng_state = SEED;
	assert_int_equal(ptable_init(&t, CAP), 0);
	for (uint32_t pid = 1; t.count < t.max_count; pid++) {
		struct pt_entry *e = ptable_get(&t, pid, &created);
		e->state = PT_SPAWNED;
		e->seen = pid % 3 == 0; /* the ones to remove */
	}
	size_t survivors = 0;
	for (size_t i = 0; i < t.cap; i++)
		if (t.slots[i].state != PT_FREE && !t.slots[i].seen)
			survivors++;
	/* The scan pattern procmodel_walk_end uses. */
	for (size_t i = 0; i < t.cap;) {
		struct pt_entry *e = &t.slots[i];
		if (e->state != PT_FREE && e->seen) {
			ptable_remove(&t, e);
			continue;
		}
		i++;
	}
	assert_int_equal(t.count, survivors);
	for (size_t i = 0; i < t.cap; i++) {
		if (t.slots[i].state == PT_FREE)
			continue;
		assert_false(t.slots[i].seen);
		assert_ptr_equal(ptable_find(&t, t.slots[i].pid), &t.slots[i]);
	}
	ptable_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(random_inserts_and_removals_match_a_reference),
		cmocka_unit_test(table_refuses_inserts_past_its_load_limit),
		cmocka_unit_test(removal_during_a_scan_keeps_every_survivor),
	};
	return cmocka_run_group_tests_name("agent-ptable", tests, NULL, NULL);
}
