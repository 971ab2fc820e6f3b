/* filter.h - the seccomp filter of cellos-workload-exec.
 *
 * Promises: gate_filter_build() turns a gate_spec (numbers looked up once,
 * at setup; see targets.h) into a libseccomp filter that
 *   - allows every system call by default;
 *   - refuses (EPERM, or kills the process with --action=kill) each call
 *     that names a protected pid or thread in a pid argument, aims a signal
 *     at every process (kill(-1)) or at a protected process group, or joins
 *     a protected group (the full list is in cellos-workload-exec(1));
 *   - when asked, answers the calls whose target it cannot inspect
 *     (pidfd_send_signal, pidfd_getfd, process_madvise: their pidfd may come
 *     from /proc/PID; fcntl F_SETOWN_EX: the pid is in memory) with
 *     "not supported" (ENOSYS, EINVAL for the fcntl command), so callers
 *     take their fallback, which the filter can inspect;
 *   - carries the same rules for the compat ABIs that reach the same kernel
 *     (x86 and x32 on x86_64, arm on aarch64) and kills the process for a
 *     system call made with any other architecture.
 * Pid arguments are C ints: every comparison is on the low 32 bits, so a
 * sign-extended -1 or a value with high bits set cannot slip past.
 * Nothing is installed until gate_filter_load(). */
#ifndef CELLOS_EXEC_FILTER_H
#define CELLOS_EXEC_FILTER_H

#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum gate_action {
	GATE_ACTION_EPERM,	/* the refused call fails with EPERM */
	GATE_ACTION_KILL,	/* the calling process dies of SIGSYS */
};

/* Bounds: every target costs a few BPF instructions per rule and ABI, and
 * a classic BPF program holds at most 4096 of them. */
#define GATE_MAX_TARGETS 32
#define GATE_MAX_GROUPS 16

struct gate_spec {
	enum gate_action action;
	/* Pids and thread ids (> 0): any listed call naming one is refused. */
	size_t n_targets;
	pid_t targets[GATE_MAX_TARGETS];
	/* Process groups (> 1) holding a protected process: kill(-g),
	 * setpgid(_, g), setpriority/ioprio_set on group g, F_SETOWN -g. */
	size_t n_groups;
	pid_t groups[GATE_MAX_GROUPS];
	/* The caller's own group holds a protected process: refuse kill(0)
	 * and the "own group" forms of setpriority and ioprio_set. */
	bool own_group_protected;
	/* Answer the uninspectable calls (see above) with "not supported". */
	bool refuse_opaque;
};

/* Add a pid/tid or a group to the spec; duplicates are ignored.  Return 0,
 * -EINVAL for a value out of range (targets > 0, groups > 1) or -E2BIG
 * when the spec is full. */
int gate_spec_add_target(struct gate_spec *spec, pid_t pid);
int gate_spec_add_group(struct gate_spec *spec, pid_t pgid);

/* Build the filter into *ctx (release it with seccomp_release).  Return 0
 * or a negative errno (from libseccomp). */
int gate_filter_build(const struct gate_spec *spec, scmp_filter_ctx *ctx);

/* Set no_new_privs and load the filter into the calling thread; it is
 * inherited by every descendant and cannot be removed.  Return 0 or a
 * negative errno. */
int gate_filter_load(scmp_filter_ctx ctx);

#endif
