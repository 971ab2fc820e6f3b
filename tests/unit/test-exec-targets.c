/* Unit tests of src/exec/targets.c: what the gate looks up at setup.
 * Helper children re-execute this program ("--wait-fd N", "--exit") so
 * that, under valgrind, no forked copy of the test runner exits. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec/targets.h"

static const char *self_path;

static bool has(const pid_t *v, size_t n, pid_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static pid_t thread_tid;
static bool release_thread;

static void *thread_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	thread_tid = gettid();
	pthread_cond_broadcast(&cond);
	while (!release_thread)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void collects_pid_threads_and_groups(void **state)
{
	struct gate_spec spec;
	struct gate_notes notes;
	pthread_t th;
	pid_t self = getpid();
	(void)state;

	assert_int_equal(pthread_create(&th, NULL, thread_main, NULL), 0);
	pthread_mutex_lock(&lock);
	while (thread_tid == 0)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);

	memset(&spec, 0, sizeof spec);
	assert_int_equal(gate_collect(&spec, &self, 1, false, &notes), 0);

	pthread_mutex_lock(&lock);
	release_thread = true;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	assert_int_equal(pthread_join(th, NULL), 0);

	assert_true(has(spec.targets, spec.n_targets, self));
	assert_true(has(spec.targets, spec.n_targets, thread_tid));
	assert_true(has(spec.groups, spec.n_groups, self));
	if (getpgid(0) > 1)
		assert_true(has(spec.groups, spec.n_groups, getpgid(0)));
	/* We are in our own group: kill(0) from here would reach us. */
	assert_true(spec.own_group_protected);
	assert_true(spec.refuse_opaque);
	assert_int_equal(notes.n_missing, 0);
	assert_int_equal(notes.n_unlisted, 0);
}

static void new_pid_namespace_makes_no_pid_rules(void **state)
{
	struct gate_spec spec;
	struct gate_notes notes;
	pid_t self = getpid();
	(void)state;

	memset(&spec, 0, sizeof spec);
	assert_int_equal(gate_collect(&spec, &self, 1, true, &notes), 0);
	assert_int_equal(spec.n_targets, 0);
	assert_int_equal(spec.n_groups, 0);
	/* The group still spans the namespaces. */
	assert_true(spec.own_group_protected);
	assert_false(spec.refuse_opaque);
}

static void other_group_is_not_own_group(void **state)
{
	struct gate_spec spec;
	struct gate_notes notes;
	int status;
	pid_t child;
	int p[2];
	(void)state;

	/* A child in a group of its own, waiting on a pipe. */
	assert_int_equal(pipe(p), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		char fd_arg[16];
		close(p[1]);
		snprintf(fd_arg, sizeof fd_arg, "%d", p[0]);
		if (setpgid(0, 0) == 0)
			execl(self_path, self_path, "--wait-fd", fd_arg, (char *)NULL);
		_exit(1);
	}
	close(p[0]);
	/* Set it from here too, so it holds before we look. */
	assert_true(setpgid(child, child) == 0 || errno == EACCES);
	memset(&spec, 0, sizeof spec);
	assert_int_equal(gate_collect(&spec, &child, 1, false, &notes), 0);
	close(p[1]);
	assert_int_equal(waitpid(child, &status, 0), child);

	assert_true(has(spec.targets, spec.n_targets, child));
	assert_true(has(spec.groups, spec.n_groups, child));
	assert_false(spec.own_group_protected);
}

static void missing_pid_is_reported_and_still_protected(void **state)
{
	struct gate_spec spec;
	struct gate_notes notes;
	int status;
	pid_t gone;
	(void)state;

	/* A pid that just exited and was reaped. */
	gone = fork();
	assert_true(gone >= 0);
	if (gone == 0) {
		execl(self_path, self_path, "--exit", (char *)NULL);
		_exit(1);
	}
	assert_int_equal(waitpid(gone, &status, 0), gone);

	memset(&spec, 0, sizeof spec);
	assert_int_equal(gate_collect(&spec, &gone, 1, false, &notes), 0);
	assert_int_equal(notes.n_missing, 1);
	assert_int_equal(notes.missing[0], gone);
	assert_true(has(spec.targets, spec.n_targets, gone));
}

/* Block until fd reaches end of file. */
static int wait_fd(const char *arg)
{
	int fd = atoi(arg);
	char c;
	ssize_t n;

	do
		n = read(fd, &c, 1);
	while (n > 0 || (n < 0 && errno == EINTR));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--wait-fd") == 0)
		return wait_fd(argv[2]);
	if (argc == 2 && strcmp(argv[1], "--exit") == 0)
		return 0;
	self_path = argv[0];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(collects_pid_threads_and_groups),
		cmocka_unit_test(new_pid_namespace_makes_no_pid_rules),
		cmocka_unit_test(other_group_is_not_own_group),
		cmocka_unit_test(missing_pid_is_reported_and_still_protected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
