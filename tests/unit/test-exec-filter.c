/* Unit tests of src/exec/filter.c: the gate's seccomp filter.  The
 * behaviour tests load the filter into a forked child (no_new_privs makes
 * that possible without privilege), which then re-executes this program
 * as "--probe NAME PID" to make one call and exit with its errno.  The
 * re-execution runs natively even under valgrind (which follows no exec
 * and does not know several of the calls). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec/filter.h"

static const char *self_path;

/* Load the filter built from spec in a child, make the call named probe
 * at target there and return its errno, or -SIG when a signal killed the
 * child. */
static int in_gated_child(const struct gate_spec *spec, const char *probe, pid_t target)
{
	char target_arg[16];
	scmp_filter_ctx ctx;
	int status;
	pid_t pid;

	snprintf(target_arg, sizeof target_arg, "%d", (int)target);
	assert_int_equal(gate_filter_build(spec, &ctx), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (gate_filter_load(ctx) < 0)
			_exit(200);
		execl(self_path, self_path, "--probe", probe, target_arg, (char *)NULL);
		_exit(201);
	}
	seccomp_release(ctx);
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	if (WIFSIGNALED(status))
		return -WTERMSIG(status);
	assert_true(WIFEXITED(status));
	assert_true(WEXITSTATUS(status) < 200);
	return WEXITSTATUS(status);
}

static int errno_of(long r)
{
	return r < 0 ? errno : 0;
}

/* Signal 0: permission and existence checks only, nothing is delivered. */
static int probe_kill(pid_t t) { return errno_of(kill(t, 0)); }
static int probe_kill_high_bits(pid_t t)
{
	return errno_of(syscall(SYS_kill, (long)((UINT64_C(0xdead) << 32) | (uint32_t)t), 0));
}
static int probe_kill_all(pid_t t) { (void)t; return errno_of(kill(-1, 0)); }
static int probe_kill_all_zero_extended(pid_t t)
{
	(void)t;
	return errno_of(syscall(SYS_kill, (long)UINT32_C(0xffffffff), 0));
}
static int probe_kill_group(pid_t t) { return errno_of(kill(-t, 0)); }
static int probe_kill_own_group(pid_t t) { (void)t; return errno_of(kill(0, 0)); }
static int probe_tgkill(pid_t t) { return errno_of(syscall(SYS_tgkill, t, t, 0)); }
static int probe_pidfd_open(pid_t t)
{
	long fd = syscall(SYS_pidfd_open, t, 0);
	if (fd >= 0)
		close((int)fd);
	return errno_of(fd);
}
static int probe_pidfd_send_signal(pid_t t)
{
	(void)t;
	return errno_of(syscall(SYS_pidfd_send_signal, -1, 0, NULL, 0));
}
static int probe_fcntl_setown_ex(pid_t t)
{
	struct f_owner_ex o = { F_OWNER_PID, t };
	return errno_of(fcntl(STDIN_FILENO, F_SETOWN_EX, &o));
}
static int probe_getpid(pid_t t) { (void)t; return errno_of(getpid()); }

#if defined(__x86_64__)
/* kill through the i386 entry point (int 0x80, kill is 37 there). */
static int probe_kill_i386(pid_t t)
{
	long r;
	/* Where the kernel has no int $0x80 entry the trap is SIGSEGV: die
	 * of it (the test skips then), not in a sanitizer's handler. */
	signal(SIGSEGV, SIG_DFL);
	__asm__ volatile("int $0x80"
			 : "=a"(r)
			 : "a"(37L), "b"((long)t), "c"(0L)
			 : "memory", "r8", "r9", "r10", "r11");
	return r < 0 ? (int)-r : 0;
}
#endif

static struct gate_spec protecting(pid_t pid)
{
	struct gate_spec spec;
	memset(&spec, 0, sizeof spec);
	assert_int_equal(gate_spec_add_target(&spec, pid), 0);
	return spec;
}

static void add_target_rejects_nonpositive_and_duplicates(void **state)
{
	struct gate_spec spec;
	(void)state;
	memset(&spec, 0, sizeof spec);
	assert_int_equal(gate_spec_add_target(&spec, 0), -EINVAL);
	assert_int_equal(gate_spec_add_target(&spec, -5), -EINVAL);
	assert_int_equal(gate_spec_add_target(&spec, 9), 0);
	assert_int_equal(gate_spec_add_target(&spec, 9), 0);
	assert_int_equal(spec.n_targets, 1);
}

static void add_target_refuses_when_full(void **state)
{
	struct gate_spec spec;
	(void)state;
	memset(&spec, 0, sizeof spec);
	for (pid_t p = 1; p <= GATE_MAX_TARGETS; p++)
		assert_int_equal(gate_spec_add_target(&spec, p), 0);
	assert_int_equal(gate_spec_add_target(&spec, GATE_MAX_TARGETS + 1), -E2BIG);
}

static void add_group_rejects_0_and_1(void **state)
{
	struct gate_spec spec;
	(void)state;
	memset(&spec, 0, sizeof spec);
	assert_int_equal(gate_spec_add_group(&spec, 0), -EINVAL);
	assert_int_equal(gate_spec_add_group(&spec, 1), -EINVAL);
	assert_int_equal(gate_spec_add_group(&spec, 2), 0);
	for (pid_t g = 3; g < GATE_MAX_GROUPS + 2; g++)
		assert_int_equal(gate_spec_add_group(&spec, g), 0);
	assert_int_equal(gate_spec_add_group(&spec, 1000), -E2BIG);
}

/* The largest spec must fit in one classic BPF program. */
static void full_spec_fits_in_a_bpf_program(void **state)
{
	struct gate_spec spec;
	scmp_filter_ctx ctx;
	FILE *f;
	long size;
	(void)state;

	memset(&spec, 0, sizeof spec);
	for (pid_t p = 0; p < GATE_MAX_TARGETS; p++)
		assert_int_equal(gate_spec_add_target(&spec, 1 + p * 997), 0);
	for (pid_t g = 0; g < GATE_MAX_GROUPS; g++)
		assert_int_equal(gate_spec_add_group(&spec, 2 + g * 991), 0);
	spec.own_group_protected = true;
	spec.refuse_opaque = true;
	assert_int_equal(gate_filter_build(&spec, &ctx), 0);
	f = tmpfile();
	assert_non_null(f);
	assert_int_equal(seccomp_export_bpf(ctx, fileno(f)), 0);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	fclose(f);
	seccomp_release(ctx);
	assert_true(size > 0);
	assert_true(size / (long)sizeof(struct sock_filter) <= BPF_MAXINSNS);
}

static void kill_of_protected_pid_is_refused(void **state)
{
	(void)state;
	struct gate_spec spec = protecting(getpid());
	assert_int_equal(in_gated_child(&spec, "kill", getpid()), EPERM);
	assert_int_equal(in_gated_child(&spec, "tgkill", getpid()), EPERM);
	assert_int_equal(in_gated_child(&spec, "pidfd_open", getpid()), EPERM);
}

static void high_bits_do_not_hide_a_protected_pid(void **state)
{
	(void)state;
	struct gate_spec spec = protecting(getpid());
	assert_int_equal(in_gated_child(&spec, "kill_high_bits", getpid()), EPERM);
}

static void kill_of_every_process_is_refused(void **state)
{
	(void)state;
	struct gate_spec spec = protecting(getpid());
	assert_int_equal(in_gated_child(&spec, "kill_all", 0), EPERM);
	assert_int_equal(in_gated_child(&spec, "kill_all_zero_extended", 0), EPERM);
}

static void unprotected_pid_is_reachable(void **state)
{
	(void)state;
	/* Protect a pid that is not ours: the same calls at us get through. */
	struct gate_spec spec = protecting(getpid() == 2 ? 3 : 2);
	assert_int_equal(in_gated_child(&spec, "kill", getpid()), 0);
	assert_int_equal(in_gated_child(&spec, "tgkill", getpid()), 0);
	assert_int_equal(in_gated_child(&spec, "pidfd_open", getpid()), 0);
	assert_int_equal(in_gated_child(&spec, "getpid", 0), 0);
}

static void protected_group_is_refused(void **state)
{
	(void)state;
	struct gate_spec spec;
	pid_t group = getpgid(0);
	memset(&spec, 0, sizeof spec);
	if (group <= 1)
		skip();
	assert_int_equal(gate_spec_add_group(&spec, group), 0);
	assert_int_equal(in_gated_child(&spec, "kill_group", group), EPERM);
	/* Only the group: the pid of its leader as a process is not listed. */
	assert_int_equal(in_gated_child(&spec, "kill_own_group", 0), 0);
}

static void own_group_rule_refuses_kill_0(void **state)
{
	(void)state;
	struct gate_spec spec;
	memset(&spec, 0, sizeof spec);
	spec.own_group_protected = true;
	assert_int_equal(in_gated_child(&spec, "kill_own_group", 0), EPERM);
}

static void opaque_calls_answer_not_supported(void **state)
{
	(void)state;
	struct gate_spec spec;
	memset(&spec, 0, sizeof spec);
	assert_int_equal(in_gated_child(&spec, "pidfd_send_signal", 0), EBADF);
	spec.refuse_opaque = true;
	assert_int_equal(in_gated_child(&spec, "pidfd_send_signal", 0), ENOSYS);
	assert_int_equal(in_gated_child(&spec, "fcntl_setown_ex", getpid()), EINVAL);
}

static void kill_action_kills_the_caller_with_sigsys(void **state)
{
	(void)state;
	struct gate_spec spec = protecting(getpid());
	spec.action = GATE_ACTION_KILL;
	assert_int_equal(in_gated_child(&spec, "kill", getpid()), -SIGSYS);
	/* Everything else still runs. */
	assert_int_equal(in_gated_child(&spec, "getpid", 0), 0);
}

static void compat_abi_meets_the_same_rules(void **state)
{
	(void)state;
#if defined(__x86_64__)
	struct gate_spec spec = protecting(getpid());
	int unfiltered = in_gated_child(&(struct gate_spec){ 0 }, "kill_i386", getpid());
	/* Without IA32 emulation in the kernel there is nothing to bypass. */
	if (unfiltered == ENOSYS || unfiltered == -SIGSEGV)
		skip();
	assert_int_equal(unfiltered, 0);
	assert_int_equal(in_gated_child(&spec, "kill_i386", getpid()), EPERM);
#else
	skip();
#endif
}

static const struct {
	const char *name;
	int (*fn)(pid_t target);
} probes[] = {
	{ "kill", probe_kill },
	{ "kill_high_bits", probe_kill_high_bits },
	{ "kill_all", probe_kill_all },
	{ "kill_all_zero_extended", probe_kill_all_zero_extended },
	{ "kill_group", probe_kill_group },
	{ "kill_own_group", probe_kill_own_group },
	{ "tgkill", probe_tgkill },
	{ "pidfd_open", probe_pidfd_open },
	{ "pidfd_send_signal", probe_pidfd_send_signal },
	{ "fcntl_setown_ex", probe_fcntl_setown_ex },
	{ "getpid", probe_getpid },
#if defined(__x86_64__)
	{ "kill_i386", probe_kill_i386 },
#endif
};

static int run_probe(const char *name, const char *target)
{
	for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
		if (strcmp(probes[i].name, name) == 0)
			return probes[i].fn((pid_t)atoi(target));
	return 202;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--probe") == 0)
		return run_probe(argv[2], argv[3]);
	self_path = argv[0];

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(add_target_rejects_nonpositive_and_duplicates),
		cmocka_unit_test(add_target_refuses_when_full),
		cmocka_unit_test(add_group_rejects_0_and_1),
		cmocka_unit_test(full_spec_fits_in_a_bpf_program),
		cmocka_unit_test(kill_of_protected_pid_is_refused),
		cmocka_unit_test(high_bits_do_not_hide_a_protected_pid),
		cmocka_unit_test(kill_of_every_process_is_refused),
		cmocka_unit_test(unprotected_pid_is_reachable),
		cmocka_unit_test(protected_group_is_refused),
		cmocka_unit_test(own_group_rule_refuses_kill_0),
		cmocka_unit_test(opaque_calls_answer_not_supported),
		cmocka_unit_test(kill_action_kills_the_caller_with_sigsys),
		cmocka_unit_test(compat_abi_meets_the_same_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
