/*
 * test-commstore.c - per-process name history from perf records
 * (src/agent/commstore.c): exec chains, renames, pid reuse, overruns and
 * a full table, fed decoded records in the orders the rings can give.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "agent/commstore.h"

static struct commstore CS;

static int setup(void **state)
{
	(void)state;
	return commstore_init(&CS);
}

static int teardown(void **state)
{
	(void)state;
	commstore_fini(&CS);
	return 0;
}

static void comm(uint32_t pid, uint32_t tid, const char *name, bool exec,
		 uint64_t t)
{
	struct perfcomm_rec r = {
		.kind = PERFCOMM_COMM, .pid = pid, .tid = tid, .time = t,
		.exec = exec, .name_len = (uint8_t)strlen(name),
	};

	memcpy(r.name, name, r.name_len);
	commstore_record(&CS, &r);
}

static void task(enum perfcomm_kind k, uint32_t pid, uint32_t ppid, uint64_t t)
{
	struct perfcomm_rec r = {
		.kind = k, .pid = pid, .tid = pid, .ppid = ppid, .ptid = ppid, .time = t,
	};

	commstore_record(&CS, &r);
}

static void assert_name(int len, const char *out, const char *want)
{
	assert_int_equal(len, (int)strlen(want));
	assert_memory_equal(out, want, strlen(want));
}

static void each_exec_of_a_chain_gets_its_own_name(void **state)
{
	char out[PERFCOMM_NAME_LEN];

	(void)state;
	/* sh -> env -> zz all recorded before either exec is asked about;
	 * the connector stamps each exec just after its name was set. */
	comm(10, 10, "sh", true, 100);
	comm(10, 10, "env", true, 200);
	comm(10, 10, "zz", true, 300);
	assert_name(commstore_exec_name(&CS, 10, 105, out), out, "sh");
	assert_name(commstore_exec_name(&CS, 10, 205, out), out, "env");
	assert_name(commstore_exec_name(&CS, 10, 305, out), out, "zz");
}

static void records_from_two_rings_out_of_order_still_match(void **state)
{
	char out[PERFCOMM_NAME_LEN];

	(void)state;
	/* The task moved CPUs: the second exec's ring is read first. */
	comm(10, 10, "second", true, 200);
	comm(10, 10, "first", true, 100);
	assert_name(commstore_exec_name(&CS, 10, 150, out), out, "first");
	assert_name(commstore_exec_name(&CS, 10, 250, out), out, "second");
}

static void missing_exec_record_with_a_later_name_says_later(void **state)
{
	char out[PERFCOMM_NAME_LEN];

	(void)state;
	comm(10, 10, "second", true, 200);
	/* The first exec's record was lost: the live name is not its own. */
	assert_int_equal(commstore_exec_name(&CS, 10, 150, out), COMMSTORE_LATER);
	assert_name(commstore_exec_name(&CS, 10, 250, out), out, "second");
}

static void an_exec_record_is_never_used_for_a_second_exec(void **state)
{
	char out[PERFCOMM_NAME_LEN];

	(void)state;
	comm(10, 10, "first", true, 100);
	assert_name(commstore_exec_name(&CS, 10, 150, out), out, "first");
	/* The second exec's record is missing: not "first" again. */
	assert_int_equal(commstore_exec_name(&CS, 10, 250, out), COMMSTORE_UNKNOWN);
}

static void rename_after_exec_keeps_the_exec_name_and_is_the_exit_name(void **state)
{
	char out[PERFCOMM_NAME_LEN];

	(void)state;
	comm(10, 10, "prog", true, 100);
	comm(10, 10, "renamed", false, 120);
	assert_name(commstore_exec_name(&CS, 10, 105, out), out, "prog");
	assert_name(commstore_exit_name(&CS, 10, 500, out), out, "renamed");
	assert_int_equal(commstore_count(&CS), 0);
}

static void thread_renames_are_not_the_process_name(void **state)
{
	char out[PERFCOMM_NAME_LEN];

	(void)state;
	comm(10, 10, "prog", true, 100);
	comm(10, 11, "worker", false, 120);
	assert_name(commstore_exit_name(&CS, 10, 500, out), out, "prog");
}

static void exit_name_is_the_name_at_exit_time(void **state)
{
	char out[PERFCOMM_NAME_LEN];

	(void)state;
	comm(10, 10, "prog", true, 100);
	comm(10, 10, "late", false, 600); /* after the exit asked about: not it */
	assert_name(commstore_exit_name(&CS, 10, 500, out), out, "prog");
}

static void fork_child_inherits_the_parent_name(void **state)
{
	char out[PERFCOMM_NAME_LEN];

	(void)state;
	comm(10, 10, "parent", true, 100);
	comm(10, 10, "parent2", false, 300);
	task(PERFCOMM_FORK, 20, 10, 200);
	assert_name(commstore_exit_name(&CS, 20, 400, out), out, "parent");
}

static void fork_of_an_unknown_parent_follows_the_child_without_a_name(void **state)
{
	char out[PERFCOMM_NAME_LEN];

	(void)state;
	task(PERFCOMM_FORK, 20, 1, 200);
	assert_int_equal(commstore_count(&CS), 1);
	assert_int_equal(commstore_exit_name(&CS, 20, 400, out), COMMSTORE_UNKNOWN);
	/* A kernel thread names itself after kthreadd forked it. */
	task(PERFCOMM_FORK, 21, 2, 500);
	comm(21, 21, "audit_send_repl", false, 510);
	assert_name(commstore_exit_name(&CS, 21, 600, out), out, "audit_send_repl");
}

static void rename_of_an_unknown_process_starts_nothing(void **state)
{
	char out[PERFCOMM_NAME_LEN];

	(void)state;
	comm(30, 30, "kworker/0:1", false, 10);
	assert_int_equal(commstore_count(&CS), 0);
	assert_int_equal(commstore_exit_name(&CS, 30, 20, out), COMMSTORE_UNKNOWN);
}

static void reused_pid_does_not_inherit_the_previous_names(void **state)
{
	char out[PERFCOMM_NAME_LEN];

	(void)state;
	comm(10, 10, "old", true, 100);
	task(PERFCOMM_EXIT, 10, 1, 150);
	task(PERFCOMM_FORK, 10, 1, 200); /* parent 1 unknown */
	assert_int_equal(commstore_exit_name(&CS, 10, 300, out), COMMSTORE_UNKNOWN);
	comm(10, 10, "old", true, 100);
	task(PERFCOMM_FORK, 10, 1, 200);
	comm(10, 10, "new", true, 250);
	assert_name(commstore_exec_name(&CS, 10, 260, out), out, "new");
	/* The old holder's exit, stamped before the new fork: not known. */
	assert_int_equal(commstore_exit_name(&CS, 10, 150, out), COMMSTORE_UNKNOWN);
}

static void exit_name_after_a_ring_overrun_is_unknown(void **state)
{
	char out[PERFCOMM_NAME_LEN];

	(void)state;
	comm(10, 10, "prog", true, 100);
	commstore_lost(&CS, 5, 150); /* a rename may have been among them */
	assert_int_equal(commstore_exit_name(&CS, 10, 500, out), COMMSTORE_UNKNOWN);
	assert_int_equal(CS.lost, 5);
	/* Exec names stay exact: each record is matched by its own time. */
	comm(11, 11, "other", true, 200);
	assert_name(commstore_exec_name(&CS, 11, 210, out), out, "other");
}

/* COMMSTORE_WAYS + 1 pids that share a set. */
static void same_set(uint32_t out[COMMSTORE_WAYS + 1])
{
	size_t n = 0;

	for (uint32_t pid = 100; n < COMMSTORE_WAYS + 1; pid++)
		if (commstore_set_index(pid) == commstore_set_index(100))
			out[n++] = pid;
}

static void full_set_evicts_an_exited_process_first(void **state)
{
	char out[PERFCOMM_NAME_LEN];
	uint32_t p[COMMSTORE_WAYS + 1];

	(void)state;
	same_set(p);
	for (size_t i = 0; i < COMMSTORE_WAYS; i++)
		comm(p[i], p[i], "live", true, 10 + i);
	/* The newest of them has exited (its connector exit not yet read). */
	task(PERFCOMM_EXIT, p[COMMSTORE_WAYS - 1], 1, 50);
	comm(p[COMMSTORE_WAYS], p[COMMSTORE_WAYS], "new", true, 60);
	assert_int_equal(CS.evicted, 1);
	assert_int_equal(commstore_exec_name(&CS, p[COMMSTORE_WAYS - 1], 20, out),
			 COMMSTORE_UNKNOWN);
	for (size_t i = 0; i + 1 < COMMSTORE_WAYS; i++)
		assert_name(commstore_exec_name(&CS, p[i], 10 + i, out), out, "live");
	assert_name(commstore_exec_name(&CS, p[COMMSTORE_WAYS], 60, out), out, "new");
}

static void full_set_of_live_processes_evicts_the_least_recently_named(void **state)
{
	char out[PERFCOMM_NAME_LEN];
	uint32_t p[COMMSTORE_WAYS + 1];

	(void)state;
	same_set(p);
	for (size_t i = 0; i < COMMSTORE_WAYS; i++)
		comm(p[i], p[i], "live", true, 10 + i);
	comm(p[0], p[0], "again", false, 40); /* p[0] is now the freshest */
	comm(p[COMMSTORE_WAYS], p[COMMSTORE_WAYS], "new", true, 60);
	assert_int_equal(CS.evicted, 1);
	assert_int_equal(commstore_exec_name(&CS, p[1], 11, out), COMMSTORE_UNKNOWN);
	assert_name(commstore_exec_name(&CS, p[0], 10, out), out, "live");
	assert_int_equal(commstore_count(&CS), COMMSTORE_WAYS);
}

static void memory_stays_fixed_under_many_processes(void **state)
{
	(void)state;
	const size_t total = COMMSTORE_SETS * COMMSTORE_WAYS * 3;

	for (uint32_t pid = 2; pid < 2 + total; pid++)
		comm(pid, pid, "q", true, pid);
	assert_true(commstore_count(&CS) <= COMMSTORE_SETS * COMMSTORE_WAYS);
	assert_true(commstore_count(&CS) > COMMSTORE_SETS * COMMSTORE_WAYS / 2);
	assert_int_equal(CS.evicted + commstore_count(&CS), total);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(each_exec_of_a_chain_gets_its_own_name),
		T(records_from_two_rings_out_of_order_still_match),
		T(missing_exec_record_with_a_later_name_says_later),
		T(an_exec_record_is_never_used_for_a_second_exec),
		T(rename_after_exec_keeps_the_exec_name_and_is_the_exit_name),
		T(thread_renames_are_not_the_process_name),
		T(exit_name_is_the_name_at_exit_time),
		T(fork_child_inherits_the_parent_name),
		T(fork_of_an_unknown_parent_follows_the_child_without_a_name),
		T(rename_of_an_unknown_process_starts_nothing),
		T(reused_pid_does_not_inherit_the_previous_names),
		T(exit_name_after_a_ring_overrun_is_unknown),
		T(full_set_evicts_an_exited_process_first),
		T(full_set_of_live_processes_evicts_the_least_recently_named),
		T(memory_stays_fixed_under_many_processes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
