/* exec-probe - the integration tests' agent provocateur for
 * cellos-workload-exec.
 *
 *   exec-probe standin LOG [keep|PGID]
 *       A protected (or unprotected) stand-in: makes its own process group
 *       (joins PGID; stays in its parent's with "keep"), starts one extra
 *       thread, appends "ready pgid=G tid=T" to LOG and then "sig N" for
 *       every signal it handles (USR1, the real-time ones); runs until
 *       SIGTERM/SIGKILL.
 *   exec-probe calls PID [NAME...]
 *       Performs each call (default: all) against PID and prints one line
 *       "NAME RESULT" per call, RESULT being OK or the errno name.  Calls
 *       that deliver a signal deliver a real-time signal of their own and
 *       add " sig=N" to the line; calls aimed at every process
 *       or at the caller's own group use signal 0, so a broken gate cannot
 *       harm anything but the stand-ins.  Calls that would change the
 *       target set what they read from it.
 *   exec-probe tid-calls TID
 *       The thread-directed calls against one thread of another process.
 *   exec-probe escape PID
 *       Tries to lift the filter, then kill(PID, SIGUSR1).
 *   exec-probe pidns PID
 *       What a process sees of itself and of PID in its pid namespace.
 *   exec-probe sigwait FILE CODE
 *       Creates FILE once SIGTERM is handled; exits CODE on SIGTERM. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <linux/kcmp.h>
#include <linux/perf_event.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define IOPRIO_WHO_PROCESS_ 1
#define IOPRIO_WHO_PGRP_ 2
#define LINE_MAX_ 128
#define PATH_MAX_ 64
/* i386 and x32 numbers of kill(2). */
#define I386_NR_KILL 37
#define X32_SYSCALL_BIT 0x40000000L

static pid_t target;
static pid_t target_group;
/* The signal the current call delivers: a distinct real-time signal per
 * call, so the stand-in's log tells exactly which calls got through
 * (real-time signals queue; standard ones would merge). */
static int probe_sig = SIGUSR1;

/* ---- the calls ---------------------------------------------------------- */

/* syscall(2) reads every argument as a long: each unsigned long or size_t
 * argument below is passed as one, or its upper half would be garbage. */
static int rc_of(long r)
{
	return r < 0 ? errno : 0;
}

static int c_kill(void) { return rc_of(kill(target, probe_sig)); }

static int c_kill_hi(void)
{
	/* High bits set: the kernel sees an int, the filter 64 bits. */
	return rc_of(syscall(SYS_kill, (long)((UINT64_C(1) << 32) | (uint32_t)target), probe_sig));
}

static int c_kill_group(void)
{
	if (target_group <= 1)
		return ESRCH;
	return rc_of(kill(-target_group, probe_sig));
}

static int c_kill_neg_pid(void) { return rc_of(kill(-target, probe_sig)); }

static int c_kill_all(void) { return rc_of(kill(-1, 0)); }

static int c_kill_all_hi(void)
{
	/* -1 as a zero-extended 32-bit value. */
	return rc_of(syscall(SYS_kill, (long)UINT32_C(0xffffffff), 0));
}

static int c_kill_own_group(void) { return rc_of(kill(0, 0)); }

static int c_tkill(void) { return rc_of(syscall(SYS_tkill, target, probe_sig)); }

static int c_tgkill(void) { return rc_of(syscall(SYS_tgkill, target, target, probe_sig)); }

static void fill_queue_info(siginfo_t *si)
{
	memset(si, 0, sizeof *si);
	si->si_signo = probe_sig;
	si->si_code = SI_QUEUE;
	si->si_pid = getpid();
	si->si_uid = getuid();
}

static int c_rt_sigqueueinfo(void)
{
	siginfo_t si;
	fill_queue_info(&si);
	return rc_of(syscall(SYS_rt_sigqueueinfo, target, probe_sig, &si));
}

static int c_rt_tgsigqueueinfo(void)
{
	siginfo_t si;
	fill_queue_info(&si);
	return rc_of(syscall(SYS_rt_tgsigqueueinfo, target, target, probe_sig, &si));
}

#if defined(__x86_64__)
static int c_kill_i386(void)
{
	long r;
	/* The 32-bit entry: the filter must carry the x86 rules too. */
	__asm__ volatile("int $0x80"
			 : "=a"(r)
			 : "a"((long)I386_NR_KILL), "b"((long)target), "c"((long)probe_sig)
			 : "memory", "r8", "r9", "r10", "r11");
	return r < 0 ? (int)-r : 0;
}

static int c_kill_x32(void)
{
	return rc_of(syscall(X32_SYSCALL_BIT | SYS_kill, target, probe_sig));
}
#endif

/* Wait for the stop our attach asked for.  A signal that was pending in
 * the target shows up first as a signal-delivery stop: pass it on, or
 * detaching would discard it. */
static int wait_own_stop(bool seized)
{
	for (;;) {
		int status, sig;
		pid_t r = waitpid(target, &status, __WALL);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno;
		if (!WIFSTOPPED(status))
			return ESRCH;
		sig = WSTOPSIG(status);
		if (seized ? (status >> 16) == PTRACE_EVENT_STOP : sig == SIGSTOP)
			return 0;
		if (ptrace(PTRACE_CONT, target, 0, (void *)(long)sig) < 0)
			return errno;
	}
}

static int c_ptrace_attach(void)
{
	if (ptrace(PTRACE_ATTACH, target, 0, 0) < 0)
		return errno;
	int rc = wait_own_stop(false);
	ptrace(PTRACE_DETACH, target, 0, 0);
	return rc;
}

static int c_ptrace_seize(void)
{
	if (ptrace(PTRACE_SEIZE, target, 0, 0) < 0)
		return errno;
	int rc = rc_of(ptrace(PTRACE_INTERRUPT, target, 0, 0));
	if (rc == 0)
		rc = wait_own_stop(true);
	ptrace(PTRACE_DETACH, target, 0, 0);
	return rc;
}

static int c_ptrace_peek(void)
{
	errno = 0;
	long v = ptrace(PTRACE_PEEKDATA, target, 0, 0);
	return v == -1 ? errno : 0;
}

static int c_pidfd_open(void)
{
	long fd = syscall(SYS_pidfd_open, target, 0);
	if (fd < 0)
		return errno;
	close((int)fd);
	return 0;
}

/* The start of the target's first writable private mapping. */
static int writable_address(uintptr_t *addr)
{
	char path[PATH_MAX_], line[LINE_MAX_ * 4];
	FILE *f;
	int rc = ENOENT;

	snprintf(path, sizeof path, "/proc/%d/maps", (int)target);
	f = fopen(path, "re");
	if (!f)
		return errno;
	while (fgets(line, sizeof line, f)) {
		unsigned long start;
		char perms[8];
		if (sscanf(line, "%lx-%*x %7s", &start, perms) == 2 &&
		    strncmp(perms, "rw-p", 4) == 0) {
			*addr = start;
			rc = 0;
			break;
		}
	}
	fclose(f);
	return rc;
}

static unsigned char vm_byte;

static int c_process_vm_readv(void)
{
	uintptr_t addr = 0;
	/* An address is needed only when the call gets through; without one
	 * the call is still made (and answers EFAULT). */
	writable_address(&addr);
	struct iovec local = { &vm_byte, 1 }, remote = { (void *)addr, 1 };
	return rc_of(syscall(SYS_process_vm_readv, target, &local, 1UL, &remote, 1UL, 0UL));
}

static int c_process_vm_writev(void)
{
	uintptr_t addr = 0;
	writable_address(&addr);
	struct iovec local = { &vm_byte, 1 }, remote = { (void *)addr, 1 };
	/* Writes back what process_vm_readv read. */
	if (syscall(SYS_process_vm_readv, target, &local, 1UL, &remote, 1UL, 0UL) < 0 &&
	    errno != EPERM)
		return errno;
	return rc_of(syscall(SYS_process_vm_writev, target, &local, 1UL, &remote, 1UL, 0UL));
}

static int c_kcmp(void)
{
	long r = syscall(SYS_kcmp, target, target, KCMP_VM, 0UL, 0UL);
	return r < 0 ? errno : 0;
}

static int c_get_robust_list(void)
{
	void *head;
	size_t len;
	return rc_of(syscall(SYS_get_robust_list, target, &head, &len));
}

static int c_sched_setaffinity(void)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	/* Refused or not, the set is the target's own when readable. */
	if (sched_getaffinity(target, sizeof set, &set) < 0)
		CPU_SET(0, &set);
	return rc_of(sched_setaffinity(target, sizeof set, &set));
}

static int c_sched_setparam(void)
{
	struct sched_param p = { 0 };
	sched_getparam(target, &p);
	return rc_of(sched_setparam(target, &p));
}

static int c_sched_setscheduler(void)
{
	struct sched_param p = { 0 };
	int policy = sched_getscheduler(target);
	sched_getparam(target, &p);
	return rc_of(sched_setscheduler(target, policy < 0 ? SCHED_OTHER : policy, &p));
}

/* struct sched_attr as of the first version (glibc before 2.41 lacks it,
 * and the uapi header clashes with <sched.h>). */
struct probe_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
};

static int c_sched_setattr(void)
{
	struct probe_sched_attr a;
	memset(&a, 0, sizeof a);
	if (syscall(SYS_sched_getattr, target, &a, sizeof a, 0) < 0) {
		memset(&a, 0, sizeof a);
		a.size = sizeof a;
	}
	return rc_of(syscall(SYS_sched_setattr, target, &a, 0));
}

static int set_same_priority(int which, id_t who)
{
	errno = 0;
	int prio = getpriority(which, who);
	if (prio == -1 && errno)
		prio = 0;
	return rc_of(setpriority(which, who, prio));
}

static int c_setpriority(void) { return set_same_priority(PRIO_PROCESS, (id_t)target); }

static int c_setpriority_group(void)
{
	return set_same_priority(PRIO_PGRP, (id_t)target_group);
}

static int set_same_ioprio(int which, int who)
{
	long prio = syscall(SYS_ioprio_get, which, who);
	if (prio < 0)
		prio = 0;
	return rc_of(syscall(SYS_ioprio_set, which, who, prio));
}

static int c_ioprio_set(void) { return set_same_ioprio(IOPRIO_WHO_PROCESS_, target); }

static int c_ioprio_set_group(void)
{
	return set_same_ioprio(IOPRIO_WHO_PGRP_, target_group);
}

static int c_prlimit(void)
{
	struct rlimit old;
	return rc_of(prlimit(target, RLIMIT_NOFILE, NULL, &old));
}

static int c_migrate_pages(void)
{
	unsigned long nodes = 1;
	return rc_of(syscall(SYS_migrate_pages, target, sizeof nodes * 8, &nodes, &nodes));
}

static int c_move_pages(void)
{
	return rc_of(syscall(SYS_move_pages, target, 0UL, NULL, NULL, NULL, 0));
}

static int c_perf_event_open(void)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	a.disabled = 1;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	long fd = syscall(SYS_perf_event_open, &a, target, -1, -1, 0UL);
	if (fd < 0)
		return errno;
	close((int)fd);
	return 0;
}

static int c_setpgid_pid(void) { return rc_of(setpgid(target, target)); }

static int with_pipe(int (*fn)(int fd))
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return errno;
	int rc = fn(p[0]);
	return rc;
}

static int setown_pid(int fd) { return rc_of(fcntl(fd, F_SETOWN, target)); }

static int setown_group(int fd)
{
	return target_group > 1 ? rc_of(fcntl(fd, F_SETOWN, -target_group)) : ESRCH;
}

static int setown_ex(int fd)
{
	struct f_owner_ex o = { F_OWNER_PID, target };
	return rc_of(fcntl(fd, F_SETOWN_EX, &o));
}

static int c_fcntl_setown(void) { return with_pipe(setown_pid); }
static int c_fcntl_setown_group(void) { return with_pipe(setown_group); }
static int c_fcntl_setown_ex(void) { return with_pipe(setown_ex); }

static int open_proc_dir(void)
{
	char path[PATH_MAX_];
	snprintf(path, sizeof path, "/proc/%d", (int)target);
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int c_pidfd_send_signal(void)
{
	/* A /proc/PID directory is accepted as a pidfd by this call. */
	int fd = open_proc_dir();
	if (fd < 0)
		return errno;
	int rc = rc_of(syscall(SYS_pidfd_send_signal, fd, probe_sig, NULL, 0));
	close(fd);
	return rc;
}

static int c_pidfd_getfd(void)
{
	int fd = open_proc_dir();
	if (fd < 0)
		return errno;
	long r = syscall(SYS_pidfd_getfd, fd, 0, 0);
	int rc = r < 0 ? errno : 0;
	if (r >= 0)
		close((int)r);
	close(fd);
	return rc;
}

static int c_process_madvise(void)
{
	int fd = open_proc_dir();
	if (fd < 0)
		return errno;
	struct iovec iov = { NULL, 0 };
	int rc = rc_of(syscall(SYS_process_madvise, fd, &iov, (size_t)1, MADV_COLD, 0U));
	close(fd);
	return rc;
}

/* Last: the probe leaves its own group. */
static int c_setpgid_join(void)
{
	if (target_group <= 1)
		return ESRCH;
	return rc_of(setpgid(0, target_group));
}

struct call {
	const char *name;
	int (*fn)(void);
	bool signals;		/* delivers probe_sig when it gets through */
};

static const struct call calls[] = {
	{ "kill", c_kill, true },
	{ "kill-hi", c_kill_hi, true },
	{ "kill-group", c_kill_group, true },
	{ "kill-neg-pid", c_kill_neg_pid, true },
	{ "kill-all", c_kill_all, false },
	{ "kill-all-hi", c_kill_all_hi, false },
	{ "tkill", c_tkill, true },
	{ "tgkill", c_tgkill, true },
	{ "rt_sigqueueinfo", c_rt_sigqueueinfo, true },
	{ "rt_tgsigqueueinfo", c_rt_tgsigqueueinfo, true },
#if defined(__x86_64__)
	{ "kill-i386", c_kill_i386, true },
	{ "kill-x32", c_kill_x32, true },
#endif
	{ "ptrace-attach", c_ptrace_attach, false },
	{ "ptrace-seize", c_ptrace_seize, false },
	{ "ptrace-peek", c_ptrace_peek, false },
	{ "pidfd_open", c_pidfd_open, false },
	{ "process_vm_readv", c_process_vm_readv, false },
	{ "process_vm_writev", c_process_vm_writev, false },
	{ "kcmp", c_kcmp, false },
	{ "get_robust_list", c_get_robust_list, false },
	{ "sched_setaffinity", c_sched_setaffinity, false },
	{ "sched_setparam", c_sched_setparam, false },
	{ "sched_setscheduler", c_sched_setscheduler, false },
	{ "sched_setattr", c_sched_setattr, false },
	{ "setpriority", c_setpriority, false },
	{ "setpriority-group", c_setpriority_group, false },
	{ "ioprio_set", c_ioprio_set, false },
	{ "ioprio_set-group", c_ioprio_set_group, false },
	{ "prlimit", c_prlimit, false },
	{ "migrate_pages", c_migrate_pages, false },
	{ "move_pages", c_move_pages, false },
	{ "perf_event_open", c_perf_event_open, false },
	{ "setpgid-pid", c_setpgid_pid, false },
	{ "fcntl-setown", c_fcntl_setown, false },
	{ "fcntl-setown-group", c_fcntl_setown_group, false },
	{ "fcntl-setown-ex", c_fcntl_setown_ex, false },
	{ "pidfd_send_signal", c_pidfd_send_signal, true },
	{ "pidfd_getfd", c_pidfd_getfd, false },
	{ "process_madvise", c_process_madvise, false },
	{ "kill-own-group", c_kill_own_group, false },
	{ "setpgid-join", c_setpgid_join, false },
};

/* "NAME RESULT [sig=N]": flushed at once, the next call may be the last. */
static void report_sig(const char *name, int err, int sig)
{
	const char *e = err ? strerrorname_np(err) : "OK";
	if (sig)
		printf("%s %s sig=%d\n", name, e ? e : "E?", sig);
	else
		printf("%s %s\n", name, e ? e : "E?");
	fflush(stdout);
}

static void report(const char *name, int err)
{
	report_sig(name, err, 0);
}

static pid_t parse_pid(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v <= 0 || v > INT32_MAX) {
		fprintf(stderr, "exec-probe: bad pid '%s'\n", s);
		exit(2);
	}
	return (pid_t)v;
}

/* EXEC_PROBE_SKIP names calls (space-separated) the caller found this
 * kernel cannot make at all, such as kill-i386 without the int $0x80
 * entry: they are neither made nor reported. */
static bool skipped(const char *name)
{
	const char *list = getenv("EXEC_PROBE_SKIP");
	size_t n = strlen(name);

	for (const char *p = list; p && *p;) {
		size_t len = strcspn(p, " ");
		if (len == n && strncmp(p, name, n) == 0)
			return true;
		p += len;
		p += strspn(p, " ");
	}
	return false;
}

static int run_calls(int argc, char **argv)
{
	target = parse_pid(argv[0]);
	target_group = getpgid(target);
	for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
		bool wanted = argc == 1;
		for (int j = 1; j < argc; j++)
			wanted = wanted || strcmp(argv[j], calls[i].name) == 0;
		if (!wanted || skipped(calls[i].name))
			continue;
		probe_sig = SIGRTMIN + (int)(i % (size_t)(SIGRTMAX - SIGRTMIN + 1));
		report_sig(calls[i].name, calls[i].fn(), calls[i].signals ? probe_sig : 0);
	}
	return 0;
}

static int run_tid_calls(int argc, char **argv)
{
	(void)argc;
	pid_t tid = parse_pid(argv[0]);
	target = tid;
	probe_sig = SIGRTMIN;
	report_sig("tkill", c_tkill(), probe_sig);
	report("ptrace-attach", c_ptrace_attach());
	report("pidfd_open", rc_of(syscall(SYS_pidfd_open, tid, 0) < 0 ? -1 : 0));
	return 0;
}

/* ---- escape ------------------------------------------------------------- */

static int run_escape(int argc, char **argv)
{
	(void)argc;
	target = parse_pid(argv[0]);
	/* no_new_privs cannot be cleared. */
	report("clear-no-new-privs", rc_of(prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0)));
	/* A second, allow-everything filter: filters stack, the strictest
	 * answer wins. */
	struct sock_filter allow[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
	struct sock_fprog prog = { 1, allow };
	report("add-allow-filter", rc_of(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)));
	report("prctl-allow-filter", rc_of(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0)));
	probe_sig = SIGRTMIN;
	report_sig("kill", c_kill(), probe_sig);
	report("ptrace-attach", c_ptrace_attach());
	return 0;
}

/* ---- pid namespace view ------------------------------------------------- */

static int run_pidns(int argc, char **argv)
{
	(void)argc;
	char path[PATH_MAX_], self[PATH_MAX_];
	struct stat st;

	target = parse_pid(argv[0]);
	printf("pid %d\n", (int)getpid());
	report("kill0", rc_of(kill(target, 0)));
	snprintf(path, sizeof path, "/proc/%d", (int)target);
	printf("proc-target %s\n", stat(path, &st) == 0 ? "present" : "absent");
	ssize_t n = readlink("/proc/self", self, sizeof self - 1);
	self[n < 0 ? 0 : n] = '\0';
	printf("proc-self %s\n", self);
	/* Every process this /proc shows. */
	int count = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && (e = readdir(d)))
		count += e->d_name[0] >= '1' && e->d_name[0] <= '9';
	if (d)
		closedir(d);
	printf("proc-pids %d\n", count);
	fflush(stdout);
	return 0;
}

/* ---- stand-in ----------------------------------------------------------- */

static int log_fd = -1;

static void on_signal(int sig)
{
	char line[32];
	int n = snprintf(line, sizeof line, "sig %d\n", sig);
	if (n > 0 && write(log_fd, line, (size_t)n) < 0)
		_exit(3);
}

static void *idle_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static int run_standin(int argc, char **argv)
{
	char line[LINE_MAX_];
	struct sigaction sa;
	pthread_t th;
	pid_t tid = 0;

	if (argc < 2 || strcmp(argv[1], "keep") != 0) {
		pid_t group = argc >= 2 ? parse_pid(argv[1]) : 0;
		if (setpgid(0, group) < 0) {
			perror("exec-probe: setpgid");
			return 1;
		}
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		if (sigaction(sig, &sa, NULL) < 0)
			return 1;
	if (sigaction(SIGUSR1, &sa, NULL) < 0)
		return 1;
	log_fd = open(argv[0], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (log_fd < 0) {
		perror("exec-probe: log");
		return 1;
	}
	if (pthread_create(&th, NULL, idle_thread, NULL) != 0)
		return 1;
	/* The new thread is the task in /proc/self/task that is not us. */
	for (int tries = 0; tid == 0 && tries < 1000; tries++) {
		DIR *d = opendir("/proc/self/task");
		struct dirent *e;
		while (d && (e = readdir(d))) {
			long t = strtol(e->d_name, NULL, 10);
			if (t > 0 && t != getpid())
				tid = (pid_t)t;
		}
		if (d)
			closedir(d);
		if (tid == 0)
			usleep(1000);
	}
	int n = snprintf(line, sizeof line, "ready pgid=%d tid=%d\n", (int)getpgid(0), (int)tid);
	if (write(log_fd, line, (size_t)n) != n)
		return 1;
	for (;;)
		pause();
}

/* ---- sigwait ------------------------------------------------------------ */

/* Whether this kernel has the 32-bit int $0x80 entry at all: some x86_64
 * guest kernels (PVM guests among them) deliver SIGSEGV for it even with
 * IA32_EMULATION built in, before any seccomp filter could see the call.
 * The gate's i386 rules can only be tested where the entry exists.  Prints
 * "yes" or "no"; the trial runs in a child so its death is not ours. */
static int run_int80(int argc, char **argv)
{
	(void)argc;
	(void)argv;
#if defined(__x86_64__)
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return 1;
	if (pid == 0) {
		long r;
		__asm__ volatile("int $0x80"
				 : "=a"(r)
				 : "a"(20L) /* i386 getpid */
				 : "memory", "r8", "r9", "r10", "r11");
		_exit(r > 0 ? 0 : 1);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	puts(WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "yes" : "no");
	return 0;
#else
	puts("no");
	return 0;
#endif
}

static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

static int run_sigwait(int argc, char **argv)
{
	(void)argc;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) < 0)
		return 1;
	int fd = open(argv[0], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return 1;
	close(fd);
	while (!got_term)
		pause();
	return atoi(argv[1]);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *mode;
		int min_args;
		int (*fn)(int, char **);
	} modes[] = {
		{ "standin", 1, run_standin },
		{ "calls", 1, run_calls },
		{ "tid-calls", 1, run_tid_calls },
		{ "escape", 1, run_escape },
		{ "pidns", 1, run_pidns },
		{ "sigwait", 2, run_sigwait },
		{ "int80", 0, run_int80 },
	};

	if (argc >= 2) {
		for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
			if (strcmp(argv[1], modes[i].mode) == 0 && argc - 2 >= modes[i].min_args)
				return modes[i].fn(argc - 2, argv + 2);
	}
	fprintf(stderr, "usage: exec-probe standin|calls|tid-calls|escape|pidns|sigwait|int80 ARGS...\n");
	return 2;
}
