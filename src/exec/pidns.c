/* pidns.c - the pid-namespace child and its relay (see pidns.h). */
#include "config.h"

#include "exec/pidns.h"
#include "exec/log.h"

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

/* What a shell reports for a process killed by a signal. */
#define SIGNALED_BASE 128

static const int forwarded[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT,
};

/* In the child: private mounts and a /proc that shows this namespace. */
static int mount_own_proc(void)
{
	if (unshare(CLONE_NEWNS) < 0) {
		gate_log("error", "--pid-namespace: unshare(CLONE_NEWNS): %s", strerror(errno));
		return -1;
	}
	/* Keep the new /proc from propagating back to the parent's mounts. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		gate_log("error", "--pid-namespace: making mounts private: %s", strerror(errno));
		return -1;
	}
	/* The inherited /proc shows the parent namespace: detach it rather
	 * than cover it, so that unmounting ours cannot uncover it.  EINVAL:
	 * nothing was mounted there. */
	if (umount2("/proc", MNT_DETACH) < 0 && errno != EINVAL) {
		gate_log("error", "--pid-namespace: unmounting the inherited /proc: %s",
			  strerror(errno));
		return -1;
	}
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		gate_log("error", "--pid-namespace: mounting /proc: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int child_main(int (*run)(void *), void *arg, const sigset_t *oldmask)
{
	/* Without the relay nobody would reap or relay this namespace. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
		gate_log("error", "--pid-namespace: prctl(PR_SET_PDEATHSIG): %s", strerror(errno));
		return EX_OSERR;
	}
	if (sigprocmask(SIG_SETMASK, oldmask, NULL) < 0) {
		gate_log("error", "--pid-namespace: sigprocmask: %s", strerror(errno));
		return EX_OSERR;
	}
	if (mount_own_proc() < 0)
		return EX_OSERR;
	return run(arg);
}

static int status_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return SIGNALED_BASE + WTERMSIG(status);
	return EX_SOFTWARE;
}

/* Relay signals until the child has exited; return its status code. */
static int relay(pid_t child, const sigset_t *set)
{
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(set, &si);
		bool block = false;

		if (sig < 0) {
			if (errno == EINTR)
				continue;
			gate_log("error", "--pid-namespace: sigwaitinfo: %s", strerror(errno));
			/* Cannot relay any more: wait for the child plainly. */
			sig = SIGCHLD;
			block = true;
		}
		if (sig != SIGCHLD) {
			if (kill(child, sig) < 0 && errno != ESRCH)
				gate_log("warning", "forwarding signal %d: %s", sig, strerror(errno));
			continue;
		}
		for (;;) {
			int status;
			pid_t r = waitpid(child, &status, block ? 0 : WNOHANG);

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				gate_log("error", "--pid-namespace: waitpid: %s", strerror(errno));
				return EX_OSERR;
			}
			if (r == child)
				return status_code(status);
			break;
		}
	}
}

int gate_pidns_run(int (*run)(void *), void *arg)
{
	sigset_t set, oldmask;
	pid_t child;
	int code;

	/* Blocked before the fork, so none arrives before the relay waits. */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
		sigaddset(&set, forwarded[i]);
	if (sigprocmask(SIG_BLOCK, &set, &oldmask) < 0) {
		gate_log("error", "--pid-namespace: sigprocmask: %s", strerror(errno));
		return -1;
	}
	/* clone(CLONE_NEWPID) rather than unshare + fork: unshare would leave
	 * the relay's own later children in the new namespace, where every
	 * fork fails with ENOMEM once its pid 1 has exited (the sanitizers'
	 * leak checker forks at exit).  The raw call with no stack forks like
	 * fork(2); flags come first on x86-64 and arm64 alike. */
	child = (pid_t)syscall(SYS_clone, (unsigned long)(CLONE_NEWPID | SIGCHLD),
			       NULL, NULL, NULL, NULL);
	if (child < 0) {
		gate_log("error", "--pid-namespace: clone(CLONE_NEWPID): %s%s", strerror(errno),
			  errno == EPERM ? " (needs CAP_SYS_ADMIN)" : "");
		sigprocmask(SIG_SETMASK, &oldmask, NULL);
		return -1;
	}
	if (child == 0)
		_exit(child_main(run, arg, &oldmask));
	code = relay(child, &set);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	return code;
}
