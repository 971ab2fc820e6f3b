/*
 * harden.h - lock the running agent down once its probes and sink are set up.
 *
 * The agent is the guest's evidence: a workload that took it over could
 * forge or silence the stream.  After setup it needs almost nothing of
 * what root can do, so it gives that up before it signals readiness.
 *
 * What it promises:
 * - harden_close_inherited(): at startup, before anything is opened,
 *   every descriptor >= 3 is closed except the --ready-fd (close_range(2),
 *   or a walk of /proc/self/fd where that is missing).  A descriptor the
 *   agent did not ask for (a leaked socket of init, a pipe of a test
 *   harness) can neither be written to by it nor keep a peer alive.
 * - harden_apply(), in this order:
 *     oom_score_adj lowered to at most HARDEN_OOM_SCORE_ADJ (a lower value,
 *       such as init's -1000, is kept): in a guest out of memory the
 *       workload, not the witness, should be killed;
 *     chdir("/"): no directory of the workload stays pinned or reachable
 *       by a relative path;
 *     PR_SET_DUMPABLE 0: no core dump, no ptrace attach from the same uid,
 *       /proc/PID files owned by root:root;
 *     capabilities: every capability outside harden_caps_keep() is dropped
 *       from the bounding set, the ambient set is cleared, the inheritable
 *       set emptied, and the permitted and effective sets cut to the kept
 *       ones;
 *     PR_SET_NO_NEW_PRIVS 1: nothing the agent could exec gains privileges;
 *     a seccomp filter (unless disabled) allowing exactly the system calls
 *       the running agent makes, on the native architecture only; any other
 *       call kills the process (SCMP_ACT_KILL_PROCESS, logged by the kernel
 *       to the audit log / dmesg as a SECCOMP record).
 *   A step that fails is logged with its errno text and the others still
 *   run: an agent that cannot harden itself keeps reporting (it is never
 *   worth a silent guest).  Returns the number of steps that failed.
 * - The pure decisions (which capabilities stay, which fd ranges close,
 *   which oom value to write) are separate functions so that they can be
 *   unit-tested without root.
 */
#ifndef CELLOS_AGENT_HARDEN_H
#define CELLOS_AGENT_HARDEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Written to /proc/self/oom_score_adj unless it already holds less.  Not
 * -1000 (which makes the process unkillable by the OOM killer): a leak in
 * the agent should still end the agent rather than hang the guest. */
#define HARDEN_OOM_SCORE_ADJ (-900)

/* What the running agent still does that needs a capability.  (The perf
 * side-band events are opened before harden_apply(), with CAP_PERFMON or
 * CAP_SYS_ADMIN; their rings are read from memory: nothing is kept for
 * them, and the filter needs no call for them beyond epoll, munmap and
 * close, which it allows anyway.) */
struct harden_needs {
	/* --watch paths: a lost path is re-armed by name (inotify_add_watch,
	 * fanotify_mark need read permission on it, whoever owns it), and a
	 * fanotify mark moved away is removed through open_by_handle_at:
	 * CAP_DAC_READ_SEARCH. */
	bool watches;
	/* Audit probes armed: the lost counter is polled with AUDIT_GET and
	 * the rules are removed at exit: CAP_AUDIT_CONTROL. */
	bool audit;
};

struct harden_config {
	struct harden_needs needs;
	bool seccomp;              /* false: --no-seccomp */
};

/* The capabilities to keep, as a mask of (1ull << CAP_x). */
uint64_t harden_caps_keep(const struct harden_needs *n);

/* The value to write to oom_score_adj given the current one: the lower of
 * current and target. */
int harden_oom_value(int current, int target);

/* An inclusive range of descriptors to close. */
struct harden_fd_range {
	unsigned int first, last;
};
#define HARDEN_FD_MAX (~0u)

/* The ranges covering every fd >= 3 except keep (keep < 3: none kept).
 * Fills out (room for 2) and returns how many. */
size_t harden_close_ranges(int keep, struct harden_fd_range out[2]);

/* Should fd (an entry of /proc/self/fd) be closed?  Not 0-2, not keep,
 * not dir_fd (the descriptor the walk itself reads). */
bool harden_should_close(int fd, int keep, int dir_fd);

/* Close inherited descriptors (see above).  0, or -1 with errno. */
int harden_close_inherited(int keep);

/* Apply the hardening (see above) but the seccomp filter.  Returns the
 * number of failed steps. */
int harden_apply(const struct harden_config *cfg);
/* Load the seccomp filter (see above), unless cfg->seccomp is off.
 * Returns 1 when it failed (logged), else 0.  Called after --ready-fd is
 * written and before the agent reads its first event: building the filter
 * takes as long as a tenth of the agent's start-up, and nothing the
 * workload does reaches the agent's code before it is in place (the agent
 * has one thread). */
int harden_seccomp(const struct harden_config *cfg);

#endif /* CELLOS_AGENT_HARDEN_H */
