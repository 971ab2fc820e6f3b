/* filter.c - build and load the gate's seccomp filter (see filter.h). */
#include "config.h"

#include "exec/filter.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/resource.h>

/* The kernel's values for ioprio_set(2)'s "which" (no glibc header). */
#define IOPRIO_WHO_PROCESS_ 1
#define IOPRIO_WHO_PGRP_ 2

/* Only the low 32 bits of a pid argument mean anything to the kernel. */
#define PID_MASK UINT64_C(0xffffffff)

/* A system call argument that holds a pid or a thread id.  The kernel
 * resolves each in the caller's pid namespace. */
struct pid_arg {
	int sys;
	unsigned int arg;
};

static const struct pid_arg pid_args[] = {
	{ SCMP_SYS(kill), 0 },
	{ SCMP_SYS(tkill), 0 },
	{ SCMP_SYS(tgkill), 0 },
	{ SCMP_SYS(tgkill), 1 },
	{ SCMP_SYS(rt_sigqueueinfo), 0 },
	{ SCMP_SYS(rt_tgsigqueueinfo), 0 },
	{ SCMP_SYS(rt_tgsigqueueinfo), 1 },
	/* Any request: PTRACE_ATTACH, PTRACE_SEIZE and the rest. */
	{ SCMP_SYS(ptrace), 1 },
	{ SCMP_SYS(pidfd_open), 0 },
	{ SCMP_SYS(process_vm_readv), 0 },
	{ SCMP_SYS(process_vm_writev), 0 },
	{ SCMP_SYS(kcmp), 0 },
	{ SCMP_SYS(kcmp), 1 },
	{ SCMP_SYS(get_robust_list), 0 },
	{ SCMP_SYS(sched_setaffinity), 0 },
	{ SCMP_SYS(sched_setparam), 0 },
	{ SCMP_SYS(sched_setscheduler), 0 },
	{ SCMP_SYS(sched_setattr), 0 },
	{ SCMP_SYS(prlimit64), 0 },
	{ SCMP_SYS(migrate_pages), 0 },
	{ SCMP_SYS(move_pages), 0 },
	{ SCMP_SYS(perf_event_open), 1 },
	{ SCMP_SYS(setpgid), 0 },
};

/* System calls that take the pid (or -pgid) after a selector argument. */
struct selected_arg {
	int sys;
	unsigned int sel_arg;
	uint32_t sel;
	unsigned int arg;
	bool negate_group;	/* the group is named as -pgid */
	bool is_group;		/* the selector names a group, not a process */
};

static const struct selected_arg selected_args[] = {
	{ SCMP_SYS(setpriority), 0, PRIO_PROCESS, 1, false, false },
	{ SCMP_SYS(setpriority), 0, PRIO_PGRP, 1, false, true },
	{ SCMP_SYS(ioprio_set), 0, IOPRIO_WHO_PROCESS_, 1, false, false },
	{ SCMP_SYS(ioprio_set), 0, IOPRIO_WHO_PGRP_, 1, false, true },
	/* F_SETOWN takes a pid or a negated group: both forms are listed. */
	{ SCMP_SYS(fcntl), 1, F_SETOWN, 2, false, false },
	{ SCMP_SYS(fcntl), 1, F_SETOWN, 2, true, true },
	{ SCMP_SYS(fcntl64), 1, F_SETOWN, 2, false, false },
	{ SCMP_SYS(fcntl64), 1, F_SETOWN, 2, true, true },
};

/* Calls whose target the filter cannot see. */
static const int opaque_calls[] = {
	SCMP_SYS(pidfd_send_signal),
	SCMP_SYS(pidfd_getfd),
	SCMP_SYS(process_madvise),
};

/* The compat ABIs of each native one: a 32-bit call must meet the same
 * rules, not the bad-arch default. */
static const struct {
	uint32_t native;
	uint32_t compat[2];
} compat_abis[] = {
	{ SCMP_ARCH_X86_64, { SCMP_ARCH_X86, SCMP_ARCH_X32 } },
	{ SCMP_ARCH_AARCH64, { SCMP_ARCH_ARM, 0 } },
};

static bool contains(const pid_t *v, size_t n, pid_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

int gate_spec_add_target(struct gate_spec *spec, pid_t pid)
{
	if (pid <= 0)
		return -EINVAL;
	if (contains(spec->targets, spec->n_targets, pid))
		return 0;
	if (spec->n_targets >= GATE_MAX_TARGETS)
		return -E2BIG;
	spec->targets[spec->n_targets++] = pid;
	return 0;
}

int gate_spec_add_group(struct gate_spec *spec, pid_t pgid)
{
	/* kill(-1) means "every process", not group 1; it has its own rule. */
	if (pgid <= 1)
		return -EINVAL;
	if (contains(spec->groups, spec->n_groups, pgid))
		return 0;
	if (spec->n_groups >= GATE_MAX_GROUPS)
		return -E2BIG;
	spec->groups[spec->n_groups++] = pgid;
	return 0;
}

/* A syscall that does not exist on any ABI of the filter (a pseudo number
 * such as fcntl64 on a 64-bit-only filter) is not an error. */
static int rule_result(int rc)
{
	return rc == -EDOM ? 0 : rc;
}

static int refuse_if(scmp_filter_ctx ctx, uint32_t act, int sys,
		     unsigned int arg, pid_t value)
{
	struct scmp_arg_cmp cmp = {
		.arg = arg, .op = SCMP_CMP_MASKED_EQ,
		.datum_a = PID_MASK, .datum_b = (uint32_t)value,
	};
	return rule_result(seccomp_rule_add_array(ctx, act, sys, 1, &cmp));
}

static int refuse_if_selected(scmp_filter_ctx ctx, uint32_t act,
			      const struct selected_arg *s, pid_t value)
{
	struct scmp_arg_cmp cmp[2] = {
		{ .arg = s->sel_arg, .op = SCMP_CMP_MASKED_EQ,
		  .datum_a = PID_MASK, .datum_b = s->sel },
		{ .arg = s->arg, .op = SCMP_CMP_MASKED_EQ,
		  .datum_a = PID_MASK, .datum_b = (uint32_t)value },
	};
	return rule_result(seccomp_rule_add_array(ctx, act, s->sys, 2, cmp));
}

static int add_arches(scmp_filter_ctx ctx)
{
	uint32_t native = seccomp_arch_native();

	for (size_t i = 0; i < sizeof compat_abis / sizeof compat_abis[0]; i++) {
		if (compat_abis[i].native != native)
			continue;
		for (size_t j = 0; j < 2 && compat_abis[i].compat[j]; j++) {
			int rc = seccomp_arch_add(ctx, compat_abis[i].compat[j]);
			if (rc < 0 && rc != -EEXIST)
				return rc;
		}
	}
	return 0;
}

static int add_target_rules(scmp_filter_ctx ctx, uint32_t act, pid_t pid)
{
	int rc;

	for (size_t i = 0; i < sizeof pid_args / sizeof pid_args[0]; i++) {
		rc = refuse_if(ctx, act, pid_args[i].sys, pid_args[i].arg, pid);
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < sizeof selected_args / sizeof selected_args[0]; i++) {
		if (selected_args[i].is_group)
			continue;
		rc = refuse_if_selected(ctx, act, &selected_args[i], pid);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int add_group_rules(scmp_filter_ctx ctx, uint32_t act, pid_t pgid)
{
	int rc = refuse_if(ctx, act, SCMP_SYS(kill), 0, -pgid);
	if (rc < 0)
		return rc;
	/* Joining the group would make kill(0) reach it. */
	rc = refuse_if(ctx, act, SCMP_SYS(setpgid), 1, pgid);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < sizeof selected_args / sizeof selected_args[0]; i++) {
		const struct selected_arg *s = &selected_args[i];
		if (!s->is_group)
			continue;
		rc = refuse_if_selected(ctx, act, s, s->negate_group ? -pgid : pgid);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* kill(0), setpriority(PRIO_PGRP, 0), ioprio_set(IOPRIO_WHO_PGRP, 0): the
 * caller's own group, whatever its number. */
static int add_own_group_rules(scmp_filter_ctx ctx, uint32_t act)
{
	int rc = refuse_if(ctx, act, SCMP_SYS(kill), 0, 0);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < sizeof selected_args / sizeof selected_args[0]; i++) {
		const struct selected_arg *s = &selected_args[i];
		if (!s->is_group || s->negate_group)
			continue;
		rc = refuse_if_selected(ctx, act, s, 0);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int add_opaque_rules(scmp_filter_ctx ctx)
{
	int rc;

	for (size_t i = 0; i < sizeof opaque_calls / sizeof opaque_calls[0]; i++) {
		rc = rule_result(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
						  opaque_calls[i], 0));
		if (rc < 0)
			return rc;
	}
	/* Kernels before 2.6.32 answered EINVAL: callers fall back to F_SETOWN. */
	static const int fcntls[] = { SCMP_SYS(fcntl), SCMP_SYS(fcntl64) };
	for (size_t i = 0; i < 2; i++) {
		rc = refuse_if(ctx, SCMP_ACT_ERRNO(EINVAL), fcntls[i], 1, F_SETOWN_EX);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Killing the whole process needs seccomp API level 3 (Linux 4.14).  Below
 * that (or where seccomp(2) is hidden, as under valgrind) the calling
 * thread is killed instead, which for a single-threaded caller is the
 * same. */
static uint32_t kill_action(void)
{
	return seccomp_api_get() >= 3 ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_KILL;
}

int gate_filter_build(const struct gate_spec *spec, scmp_filter_ctx *out)
{
	uint32_t act = spec->action == GATE_ACTION_KILL ?
		kill_action() : SCMP_ACT_ERRNO(EPERM);
	scmp_filter_ctx ctx;
	int rc;

	*out = NULL;
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return -ENOMEM;
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, kill_action());
	if (rc == 0)
		rc = add_arches(ctx);
	/* kill(-1): every process the caller may signal. */
	if (rc == 0)
		rc = refuse_if(ctx, act, SCMP_SYS(kill), 0, -1);
	for (size_t i = 0; rc == 0 && i < spec->n_targets; i++)
		rc = add_target_rules(ctx, act, spec->targets[i]);
	for (size_t i = 0; rc == 0 && i < spec->n_groups; i++)
		rc = add_group_rules(ctx, act, spec->groups[i]);
	if (rc == 0 && spec->own_group_protected)
		rc = add_own_group_rules(ctx, act);
	if (rc == 0 && spec->refuse_opaque)
		rc = add_opaque_rules(ctx);
	if (rc < 0) {
		seccomp_release(ctx);
		return rc;
	}
	*out = ctx;
	return 0;
}

int gate_filter_load(scmp_filter_ctx ctx)
{
	/* Explicit, not left to libseccomp's default: without it an
	 * unprivileged caller may not load a filter, and with it no exec in
	 * the workload can gain privileges the filter did not foresee. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return seccomp_load(ctx);
}
