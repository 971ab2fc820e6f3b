/*
 * test-procmodel-names.c - the process model (src/agent/procmodel.c) with
 * an exact name source, without one, and with kernel threads: exec chains
 * keep each exec's own name, an exec renamed again before /proc is read
 * gets "" (never the later name), and kernel threads are silent unless
 * asked for.  Kernel facts are fed as model calls; /proc, the name source
 * and PF_KTHREAD are tables the test controls.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "agent/kthread.h"
#include "agent/procmodel.h"
#include "agent/stats.h"

#define MAX_EVENTS 32
#define MAX_NAMES 8
#define MS 1000000ULL
#define WINDOW (5 * MS)

struct got {
	enum wire_probe probe;
	uint32_t pid;
	char comm[PT_COMM_LEN + 1];
};

struct name { uint32_t pid; uint64_t ts; const char *comm; bool exec; };

static struct {
	struct got ev[MAX_EVENTS];
	size_t n;
	uint32_t live_pid;             /* one live process in /proc */
	const char *live_comm;
	struct name names[MAX_NAMES];  /* what the exact source knows */
	size_t nnames;
	int source_answer;             /* when the source has no name */
	uint32_t kthreads[4];
	size_t nk;
	unsigned kthread_asks;
	struct procmodel pm;
} W;

static void fake_emit(void *ctx, enum wire_probe probe, uint32_t pid,
		      const char *comm, size_t len, uint64_t ts)
{
	(void)ctx;
	(void)ts;
	assert_true(W.n < MAX_EVENTS);
	struct got *g = &W.ev[W.n++];
	g->probe = probe;
	g->pid = pid;
	memcpy(g->comm, comm, len);
	g->comm[len] = '\0';
}

static int fake_read_comm(void *ctx, uint32_t pid, char comm[PT_COMM_LEN])
{
	(void)ctx;
	if (pid != W.live_pid || !W.live_comm)
		return -1;
	memcpy(comm, W.live_comm, strlen(W.live_comm));
	return (int)strlen(W.live_comm);
}

static int lookup(uint32_t pid, uint64_t ts, bool exec, char comm[PT_COMM_LEN])
{
	for (size_t i = 0; i < W.nnames; i++) {
		if (W.names[i].pid == pid && W.names[i].ts == ts &&
		    W.names[i].exec == exec) {
			memcpy(comm, W.names[i].comm, strlen(W.names[i].comm));
			return (int)strlen(W.names[i].comm);
		}
	}
	return W.source_answer;
}

static int fake_exec_name(void *ctx, uint32_t pid, uint64_t ts, char comm[PT_COMM_LEN])
{
	(void)ctx;
	return lookup(pid, ts, true, comm);
}

static int fake_exit_name(void *ctx, uint32_t pid, uint64_t ts, char comm[PT_COMM_LEN])
{
	(void)ctx;
	return lookup(pid, ts, false, comm);
}

static int fake_is_kthread(void *ctx, uint32_t pid)
{
	(void)ctx;
	W.kthread_asks++;
	for (size_t i = 0; i < W.nk; i++)
		if (W.kthreads[i] == pid)
			return 1;
	return pid == W.live_pid ? 0 : -1;
}

static void init_with(bool exact, bool report_kthreads, uint64_t hold)
{
	struct procmodel_config cfg = {
		.capacity = 64, .coalesce_ns = WINDOW,
		.exec_hold_ns = hold,
		.report_kthreads = report_kthreads,
	};
	struct procmodel_ops ops = {
		.emit = fake_emit, .read_comm = fake_read_comm,
		.exec_name = exact ? fake_exec_name : NULL,
		.exit_name = exact ? fake_exit_name : NULL,
		.is_kthread = fake_is_kthread,
	};

	assert_int_equal(procmodel_init(&W.pm, &cfg, &ops), 0);
}

static void init(bool exact, bool report_kthreads)
{
	init_with(exact, report_kthreads, 0);
}

static int setup(void **state)
{
	(void)state;
	memset(&W, 0, sizeof(W));
	W.source_answer = PM_NAME_UNKNOWN;
	stats_reset();
	log_set_level(LOG_ERR);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	procmodel_fini(&W.pm);
	return 0;
}

static void known(uint32_t pid, uint64_t ts, const char *comm, bool exec)
{
	W.names[W.nnames++] = (struct name){ pid, ts, comm, exec };
}

static void assert_event(size_t i, enum wire_probe probe, uint32_t pid,
			 const char *comm)
{
	assert_true(i < W.n);
	assert_int_equal(W.ev[i].probe, probe);
	assert_int_equal(W.ev[i].pid, pid);
	assert_string_equal(W.ev[i].comm, comm);
}

static void exact_source_names_each_exec_of_a_chain(void **state)
{
	(void)state;
	init(true, false);
	/* /proc already holds the last name when the batch is handled. */
	W.live_pid = 50;
	W.live_comm = "zz";
	known(50, 2 * MS, "sh", true);
	known(50, 3 * MS, "env", true);
	known(50, 4 * MS, "zz", true);
	known(50, 9 * MS, "zz", false);
	procmodel_fork(&W.pm, 1, 50, 50, 1 * MS);
	procmodel_exec(&W.pm, 50, 50, 2 * MS);
	procmodel_exec(&W.pm, 50, 50, 3 * MS);
	procmodel_exec(&W.pm, 50, 50, 4 * MS);
	procmodel_exit(&W.pm, 50, 50, 9 * MS);
	assert_int_equal(W.n, 4);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 50, "sh");
	assert_event(1, WIRE_PROBE_PROCESS_SPAWNED, 50, "env");
	assert_event(2, WIRE_PROBE_PROCESS_SPAWNED, 50, "zz");
	assert_event(3, WIRE_PROBE_PROCESS_EXITED, 50, "zz");
	assert_int_equal(stats_get(STAT_COMM_UNRESOLVED), 0);
}

static void exact_source_rename_is_the_exit_name_not_the_spawned(void **state)
{
	(void)state;
	init(true, false);
	W.live_pid = 51;
	W.live_comm = "renamed";
	known(51, 2 * MS, "prog", true);
	known(51, 9 * MS, "renamed", false);
	procmodel_exec(&W.pm, 51, 51, 2 * MS);
	procmodel_exit(&W.pm, 51, 51, 9 * MS);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 51, "prog");
	assert_event(1, WIRE_PROBE_PROCESS_EXITED, 51, "renamed");
}

static void source_that_knows_a_later_name_gives_empty_not_proc(void **state)
{
	(void)state;
	init(true, false);
	W.live_pid = 52;
	W.live_comm = "later";
	W.source_answer = PM_NAME_LATER;
	procmodel_exec(&W.pm, 52, 52, 2 * MS);
	assert_int_equal(W.n, 1);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 52, "");
	assert_int_equal(stats_get(STAT_COMM_UNRESOLVED), 1);
}

static void source_without_the_name_falls_back_to_proc(void **state)
{
	(void)state;
	init(true, false);
	W.live_pid = 53;
	W.live_comm = "fromproc";
	procmodel_exec(&W.pm, 53, 53, 2 * MS);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 53, "fromproc");
}

static void without_source_an_exec_followed_by_another_gets_empty(void **state)
{
	(void)state;
	init(false, false);
	W.live_pid = 60;
	W.live_comm = "zz"; /* the second exec's name, read for both */
	procmodel_ahead_begin(&W.pm);
	procmodel_ahead(&W.pm, 60, 2 * MS);
	procmodel_ahead(&W.pm, 60, 3 * MS);
	procmodel_exec(&W.pm, 60, 60, 2 * MS);
	procmodel_exec(&W.pm, 60, 60, 3 * MS);
	assert_int_equal(W.n, 2);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 60, "");
	assert_event(1, WIRE_PROBE_PROCESS_SPAWNED, 60, "zz");
	assert_int_equal(stats_get(STAT_COMM_UNRESOLVED), 1);
}

static void without_source_an_exec_then_rename_gets_empty(void **state)
{
	(void)state;
	init(false, false);
	W.live_pid = 61;
	W.live_comm = "renamed";
	procmodel_ahead_begin(&W.pm);
	procmodel_ahead(&W.pm, 61, 2 * MS);
	procmodel_ahead(&W.pm, 61, 3 * MS); /* the comm event */
	procmodel_exec(&W.pm, 61, 61, 2 * MS);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 61, "");
}

static void without_source_the_empty_exec_does_not_lend_its_old_name_at_exit(void **state)
{
	(void)state;
	init(false, false);
	W.live_pid = 62;
	W.live_comm = "parent";
	procmodel_fork(&W.pm, 1, 62, 62, 1 * MS);
	W.live_comm = "two";
	procmodel_ahead_begin(&W.pm);
	procmodel_ahead(&W.pm, 62, 2 * MS);
	procmodel_ahead(&W.pm, 62, 3 * MS);
	procmodel_exec(&W.pm, 62, 62, 2 * MS);
	W.live_comm = NULL; /* gone, and no exit record */
	procmodel_exit(&W.pm, 62, 62, 4 * MS);
	assert_int_equal(W.n, 2);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 62, "");
	assert_event(1, WIRE_PROBE_PROCESS_EXITED, 62, "");
}

static void without_source_an_exec_alone_in_its_read_keeps_its_name(void **state)
{
	(void)state;
	init(false, false);
	W.live_pid = 63;
	W.live_comm = "solo";
	procmodel_ahead_begin(&W.pm);
	procmodel_ahead(&W.pm, 63, 2 * MS);
	procmodel_ahead(&W.pm, 64, 3 * MS); /* another pid's exec */
	procmodel_exec(&W.pm, 63, 63, 2 * MS);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 63, "solo");
}

/* Held execs: the later exec's message can come after the /proc read,
 * in a later connector read (nothing "ahead"). */
#define HOLD (50 * MS)

static void held_exec_is_sent_with_its_name_when_the_hold_ends(void **state)
{
	(void)state;
	init_with(false, false, HOLD);
	W.live_pid = 80;
	W.live_comm = "solo";
	procmodel_exec(&W.pm, 80, 80, 2 * MS);
	assert_int_equal(W.n, 0);
	assert_int_equal(procmodel_next_deadline(&W.pm), 2 * MS + HOLD);
	procmodel_expire(&W.pm, 2 * MS + HOLD - 1);
	assert_int_equal(W.n, 0);
	procmodel_expire(&W.pm, 2 * MS + HOLD);
	assert_int_equal(W.n, 1);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 80, "solo");
	assert_int_equal(procmodel_next_deadline(&W.pm), 0);
	assert_int_equal(stats_get(STAT_COMM_UNRESOLVED), 0);
}

static void held_exec_followed_by_a_later_exec_in_the_next_read_gets_empty(void **state)
{
	(void)state;
	init_with(false, false, HOLD);
	W.live_pid = 81;
	W.live_comm = "zz"; /* the second exec set it before the first read */
	procmodel_exec(&W.pm, 81, 81, 2 * MS);
	procmodel_ahead_begin(&W.pm); /* the next read: only the second */
	procmodel_ahead(&W.pm, 81, 3 * MS);
	procmodel_exec(&W.pm, 81, 81, 3 * MS);
	assert_int_equal(W.n, 1);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 81, "");
	assert_int_equal(stats_get(STAT_COMM_UNRESOLVED), 1);
	procmodel_expire(&W.pm, 3 * MS + HOLD);
	assert_int_equal(W.n, 2);
	assert_event(1, WIRE_PROBE_PROCESS_SPAWNED, 81, "zz");
}

static void held_exec_is_sent_before_its_exit(void **state)
{
	(void)state;
	init_with(false, false, HOLD);
	W.live_pid = 82;
	W.live_comm = "short";
	procmodel_exec(&W.pm, 82, 82, 2 * MS);
	W.live_comm = NULL;
	procmodel_exit(&W.pm, 82, 82, 3 * MS);
	assert_int_equal(W.n, 2);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 82, "short");
	assert_event(1, WIRE_PROBE_PROCESS_EXITED, 82, "short");
	procmodel_expire(&W.pm, 3 * MS + HOLD);
	assert_int_equal(W.n, 2);
}

static void held_exec_then_rename_to_the_name_read_gets_empty(void **state)
{
	(void)state;
	init_with(false, false, HOLD);
	W.live_pid = 83;
	W.live_comm = "newname"; /* the rename came before the read */
	procmodel_exec(&W.pm, 83, 83, 2 * MS);
	procmodel_comm(&W.pm, 83, 83, "newname", 7);
	assert_int_equal(W.n, 1);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 83, "");
	W.live_comm = NULL;
	procmodel_exit(&W.pm, 83, 83, 4 * MS);
	assert_event(1, WIRE_PROBE_PROCESS_EXITED, 83, "newname");
}

static void held_exec_then_rename_to_another_name_keeps_it(void **state)
{
	(void)state;
	init_with(false, false, HOLD);
	W.live_pid = 84;
	W.live_comm = "prog";
	procmodel_exec(&W.pm, 84, 84, 2 * MS);
	procmodel_comm(&W.pm, 84, 84, "worker", 6);
	assert_int_equal(W.n, 1);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 84, "prog");
	assert_int_equal(stats_get(STAT_COMM_UNRESOLVED), 0);
}

static void held_exec_at_shutdown_gets_empty(void **state)
{
	(void)state;
	init_with(false, false, HOLD);
	W.live_pid = 85;
	W.live_comm = "late";
	procmodel_exec(&W.pm, 85, 85, 2 * MS);
	procmodel_flush(&W.pm);
	assert_int_equal(W.n, 1);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 85, "");
}

static void exact_name_is_not_held(void **state)
{
	(void)state;
	init_with(true, false, HOLD);
	known(86, 2 * MS, "exact", true);
	procmodel_exec(&W.pm, 86, 86, 2 * MS);
	assert_int_equal(W.n, 1);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 86, "exact");
}

static void child_of_a_held_parent_does_not_inherit_the_name_read(void **state)
{
	(void)state;
	init_with(false, false, HOLD);
	W.live_pid = 87;
	W.live_comm = "second"; /* read for the parent's first exec */
	procmodel_exec(&W.pm, 87, 87, 2 * MS);
	procmodel_fork(&W.pm, 87, 88, 88, 3 * MS); /* before the second */
	procmodel_exit(&W.pm, 88, 88, 4 * MS);     /* gone, no record */
	/* (The child's frames do not wait for its parent's.) */
	assert_int_equal(W.n, 2);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 88, "");
	assert_event(1, WIRE_PROBE_PROCESS_EXITED, 88, "");
}

static void kthreadd_child_is_silent_from_fork_to_exit(void **state)
{
	(void)state;
	init(true, false);
	W.kthreads[W.nk++] = 70;
	procmodel_fork(&W.pm, KTHREAD_KTHREADD_PID, 70, 70, 1 * MS);
	procmodel_expire(&W.pm, 100 * MS);
	procmodel_exit(&W.pm, 70, 70, 200 * MS);
	assert_int_equal(W.n, 0);
	assert_int_equal(W.kthread_asks, 1);
}

static void program_started_by_kthreadd_is_reported(void **state)
{
	(void)state;
	init(false, false);
	W.live_pid = 71;          /* no PF_KTHREAD: a user-mode helper */
	W.live_comm = "modprobe";
	procmodel_fork(&W.pm, KTHREAD_KTHREADD_PID, 71, 71, 1 * MS);
	procmodel_exec(&W.pm, 71, 71, 2 * MS);
	assert_int_equal(W.n, 1);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 71, "modprobe");
}

static void other_parents_children_are_not_asked_about(void **state)
{
	(void)state;
	init(false, false);
	W.live_pid = 72;
	W.live_comm = "x";
	procmodel_fork(&W.pm, 500, 72, 72, 1 * MS);
	assert_int_equal(W.kthread_asks, 0);
}

static void walk_leaves_kernel_threads_out_and_silent_at_their_end(void **state)
{
	(void)state;
	init(false, false);
	W.kthreads[W.nk++] = 2;
	W.live_pid = 80;
	W.live_comm = "init";
	procmodel_walk_begin(&W.pm);
	procmodel_walk_seen(&W.pm, 2, 1 * MS);
	procmodel_walk_seen(&W.pm, 80, 1 * MS);
	procmodel_walk_end(&W.pm, 1 * MS);
	assert_int_equal(W.n, 1);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 80, "init");
	/* A second walk does not ask again; a vanished one is silent. */
	unsigned asks = W.kthread_asks;
	procmodel_walk_begin(&W.pm);
	procmodel_walk_seen(&W.pm, 80, 2 * MS);
	procmodel_walk_end(&W.pm, 2 * MS);
	assert_int_equal(W.n, 1);
	assert_int_equal(W.kthread_asks, asks);
}

static void kernel_threads_are_reported_when_asked_for(void **state)
{
	(void)state;
	init(false, true);
	W.kthreads[W.nk++] = 90;
	W.live_pid = 90;
	W.live_comm = "kworker/0:1";
	procmodel_fork(&W.pm, KTHREAD_KTHREADD_PID, 90, 90, 1 * MS);
	procmodel_expire(&W.pm, 100 * MS);
	assert_int_equal(W.n, 1);
	assert_event(0, WIRE_PROBE_PROCESS_SPAWNED, 90, "kworker/0:1");
	assert_int_equal(W.kthread_asks, 0);
}

static void stat_flags_tell_a_kernel_thread(void **state)
{
	(void)state;
	const char *kt = "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0";
	const char *user = "1 (systemd) S 0 1 1 0 -1 4194560 100 200";
	/* A comm with spaces and parentheses: fields count from the last ')'. */
	const char *odd = "77 (a) b (c) R 1 77 77 0 -1 2097152 0";
	char s[64];

	assert_int_equal(kthread_parse_stat(kt, strlen(kt)), 1);
	assert_int_equal(kthread_parse_stat(user, strlen(user)), 0);
	assert_int_equal(kthread_parse_stat(odd, strlen(odd)), 1);
	assert_int_equal(kthread_parse_stat("garbage", 7), -1);
	snprintf(s, sizeof(s), "5 (x) S 1 2 3");
	assert_int_equal(kthread_parse_stat(s, strlen(s)), -1);
}

static void fork_without_exec_gone_unseen_keeps_the_inherited_name(void **state)
{
	(void)state;
	init(true, false);
	W.live_pid = 95;
	W.live_comm = "daemon";
	procmodel_walk_begin(&W.pm);
	procmodel_walk_seen(&W.pm, 95, 1 * MS);
	procmodel_walk_end(&W.pm, 1 * MS);
	/* The child lived too briefly to be read, and no exit record or
	 * name source knows it (no taskstats with the perf source). */
	procmodel_fork(&W.pm, 95, 96, 96, 2 * MS);
	procmodel_exit(&W.pm, 96, 96, 3 * MS);
	assert_int_equal(W.n, 3);
	assert_event(1, WIRE_PROBE_PROCESS_SPAWNED, 96, "daemon");
	assert_event(2, WIRE_PROBE_PROCESS_EXITED, 96, "daemon");
	assert_int_equal(stats_get(STAT_COMM_UNRESOLVED), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(exact_source_names_each_exec_of_a_chain),
		T(exact_source_rename_is_the_exit_name_not_the_spawned),
		T(source_that_knows_a_later_name_gives_empty_not_proc),
		T(source_without_the_name_falls_back_to_proc),
		T(without_source_an_exec_followed_by_another_gets_empty),
		T(without_source_an_exec_then_rename_gets_empty),
		T(without_source_the_empty_exec_does_not_lend_its_old_name_at_exit),
		T(without_source_an_exec_alone_in_its_read_keeps_its_name),
		T(held_exec_is_sent_with_its_name_when_the_hold_ends),
		T(held_exec_followed_by_a_later_exec_in_the_next_read_gets_empty),
		T(held_exec_is_sent_before_its_exit),
		T(held_exec_then_rename_to_the_name_read_gets_empty),
		T(held_exec_then_rename_to_another_name_keeps_it),
		T(held_exec_at_shutdown_gets_empty),
		T(exact_name_is_not_held),
		T(child_of_a_held_parent_does_not_inherit_the_name_read),
		T(kthreadd_child_is_silent_from_fork_to_exit),
		T(program_started_by_kthreadd_is_reported),
		T(other_parents_children_are_not_asked_about),
		T(walk_leaves_kernel_threads_out_and_silent_at_their_end),
		T(kernel_threads_are_reported_when_asked_for),
		T(fork_without_exec_gone_unseen_keeps_the_inherited_name),
		cmocka_unit_test(stat_flags_tell_a_kernel_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
