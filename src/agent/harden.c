/*
 * harden.c - the agent's lock-down after setup (see harden.h).
 *
 * Capabilities go through the raw capset(2)/prctl(2) interface with
 * <linux/capability.h>, so no libcap is needed; the seccomp filter is
 * built with libseccomp.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "harden.h"
#include "source.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

/* Sanitizer runtimes make system calls of their own (LeakSanitizer stops
 * the world with a ptrace()ing clone at exit); such builds allow them. */
#if defined(__SANITIZE_ADDRESS__)
#define HARDEN_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HARDEN_SANITIZED 1
#endif
#endif

#ifdef HARDEN_SANITIZED
#define HARDEN_SECCOMP_IN_THIS_BUILD 0
#else
#define HARDEN_SECCOMP_IN_THIS_BUILD 1
#endif

/* The bounding set is walked up to the running kernel's last capability
 * (newer than our headers, possibly); this is the ceiling of that walk. */
#define HARDEN_CAP_CEILING 63

uint64_t harden_caps_keep(const struct harden_needs *n)
{
	uint64_t keep = 0;

	if (n->watches)
		keep |= 1ull << CAP_DAC_READ_SEARCH;
	if (n->audit)
		keep |= 1ull << CAP_AUDIT_CONTROL;
	return keep;
}

int harden_oom_value(int current, int target)
{
	return current < target ? current : target;
}

size_t harden_close_ranges(int keep, struct harden_fd_range out[2])
{
	if (keep < 3) {
		out[0] = (struct harden_fd_range){ 3, HARDEN_FD_MAX };
		return 1;
	}
	size_t n = 0;
	if (keep > 3)
		out[n++] = (struct harden_fd_range){ 3, (unsigned)keep - 1 };
	if ((unsigned)keep < HARDEN_FD_MAX)
		out[n++] = (struct harden_fd_range){ (unsigned)keep + 1, HARDEN_FD_MAX };
	return n;
}

bool harden_should_close(int fd, int keep, int dir_fd)
{
	return fd >= 3 && fd != keep && fd != dir_fd;
}

/* Without close_range (before Linux 5.9): close what /proc/self/fd lists. */
static int close_by_walk(int keep)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int rc = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL) {
		char *end;
		long fd;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		fd = strtol(de->d_name, &end, 10);
		if (*end != '\0' || fd > INT32_MAX)
			continue;
		/* Closing while reading the directory is fine: its entries
		 * are generated from the table as it is at each getdents. */
		if (harden_should_close((int)fd, keep, dirfd(d)) &&
		    close((int)fd) < 0 && errno != EINTR && errno != EBADF)
			rc = -1;
	}
	closedir(d);
	return rc;
}

int harden_close_inherited(int keep)
{
	struct harden_fd_range r[2];
	size_t n = harden_close_ranges(keep, r);

	for (size_t i = 0; i < n; i++) {
		if (syscall(SYS_close_range, r[i].first, r[i].last, 0) < 0) {
			if (errno == ENOSYS)
				return close_by_walk(keep);
			return -1;
		}
	}
	return 0;
}

static int lower_oom_score(void)
{
	char buf[32];
	ssize_t n;
	int fd, cur, want, len;

	fd = open("/proc/self/oom_score_adj", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	do {
		n = read(fd, buf, sizeof(buf) - 1);
	} while (n < 0 && errno == EINTR);
	if (n <= 0) {
		close(fd);
		if (n == 0)
			errno = EIO;
		return -1;
	}
	buf[n] = '\0';
	cur = atoi(buf);
	want = harden_oom_value(cur, HARDEN_OOM_SCORE_ADJ);
	if (want == cur) {
		close(fd);
		return 0;
	}
	len = snprintf(buf, sizeof(buf), "%d\n", want);
	do {
		n = pwrite(fd, buf, (size_t)len, 0);
	} while (n < 0 && errno == EINTR);
	int saved = errno;
	close(fd);
	errno = saved;
	return n == len ? 0 : -1;
}

static int last_cap(void)
{
	char buf[16];
	ssize_t n;
	int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	int v = CAP_LAST_CAP;

	if (fd < 0)
		return v;
	do {
		n = read(fd, buf, sizeof(buf) - 1);
	} while (n < 0 && errno == EINTR);
	close(fd);
	if (n > 0) {
		buf[n] = '\0';
		int k = atoi(buf);
		if (k > 0 && k <= HARDEN_CAP_CEILING)
			v = k;
	}
	return v;
}

/* Bounding set first (dropping from it needs CAP_SETPCAP, which the
 * capset below gives up), then ambient, then the process's own sets. */
static int drop_caps(uint64_t keep)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	int top = last_cap();
	int rc = 0;

	for (int c = 0; c <= top; c++) {
		if (keep & (1ull << c))
			continue;
		if (prctl(PR_CAPBSET_DROP, (unsigned long)c, 0, 0, 0) < 0 &&
		    errno != EINVAL) {
			agent_log(LOG_WARN, "harden: dropping capability %d from the bounding set: %s",
				  c, strerror(errno));
			rc = -1;
			break;
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL) {
		agent_log(LOG_WARN, "harden: clearing the ambient capabilities: %s",
			  strerror(errno));
		rc = -1;
	}
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) < 0) {
		agent_log(LOG_WARN, "harden: capget: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
		/* Only drops: what was not permitted stays out. */
		uint32_t k = (uint32_t)(keep >> (32 * i));
		d[i].permitted &= k;
		d[i].effective = d[i].permitted;
		d[i].inheritable = 0;
	}
	if (syscall(SYS_capset, &h, d) < 0) {
		agent_log(LOG_WARN, "harden: capset: %s", strerror(errno));
		return -1;
	}
	return rc;
}

/* The system calls the running agent makes, by name; a name the
 * architecture lacks (open, stat on arm64) is skipped.  Setup-only calls
 * (netlink sockets, fanotify_init, signalfd...) are not here: they have
 * happened.  socket, mmap, mprotect and ioctl get narrower rules below. */
static const char *const allowed[] = {
	/* the reactor, timers, signals */
	"epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_ctl",
	"timerfd_create", "timerfd_settime", "timerfd_gettime",
	"clock_gettime", "clock_getres", "gettimeofday", "time",
	"rt_sigreturn", "rt_sigprocmask", "restart_syscall",
	"getpid", "gettid",
	/* descriptors and I/O */
	"read", "readv", "pread64", "write", "writev", "pwrite64",
	"close", "fcntl", "lseek", "poll", "ppoll",
	/* netlink and the sink's sockets */
	"recvfrom", "recvmsg", "recvmmsg", "sendto", "sendmsg",
	"connect", "getsockopt",
	/* /proc walker, comm lookups, watches */
	"open", "openat", "stat", "lstat", "fstat", "newfstatat", "statx",
	"statfs", "fstatfs", "getdents64", "readlink", "readlinkat",
	"inotify_init", "inotify_init1", /* a watch re-armed on a filesystem fanotify refuses */
	"inotify_add_watch", "inotify_rm_watch", "fanotify_mark",
	"name_to_handle_at", "open_by_handle_at",
	/* malloc (opendir, stdio) */
	"brk", "munmap", "mremap", "madvise",
	"futex", "getrandom",
	"exit", "exit_group",
#ifdef HARDEN_SANITIZED
	"clone", "clone3", "ptrace", "wait4", "waitid", "prctl",
	"sched_yield", "sigaltstack", "rt_sigaction", "sched_getaffinity",
	"tgkill", "kill", "getppid", "pipe", "pipe2", "dup", "dup2", "dup3",
	"getrlimit", "prlimit64", "setrlimit", "nanosleep", "clock_nanosleep",
	"uname", "sysinfo", "process_vm_readv", "set_robust_list", "rseq",
	"mmap", "mprotect", "access", "faccessat", "faccessat2", "getuid",
	"geteuid", "getcwd", "unlink", "lstat", "ioctl",
#endif
};

static int add_rule(scmp_filter_ctx ctx, int nr, unsigned cnt,
		    const struct scmp_arg_cmp *args)
{
	int rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, cnt, args);

	/* -EEXIST: already allowed without condition (sanitized builds). */
	return rc == -EEXIST ? 0 : rc;
}

/* SCMP_Ax() leaves datum_b to the compiler's zeroing, which clang's
 * -Wmissing-field-initializers objects to. */
static struct scmp_arg_cmp arg_cmp(unsigned int arg, enum scmp_compare op,
				   scmp_datum_t a, scmp_datum_t b)
{
	struct scmp_arg_cmp c = { .arg = arg, .op = op, .datum_a = a, .datum_b = b };

	return c;
}

static int build_filter(scmp_filter_ctx ctx)
{
	const unsigned tty_ioctls[] = { TCGETS, TCSETS, TCSETSW, TCSETSF };
	int rc, nr;

	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		nr = seccomp_syscall_resolve_name(allowed[i]);
		if (nr == __NR_SCMP_ERROR)
			continue;
		if ((rc = add_rule(ctx, nr, 0, NULL)) < 0)
			return rc;
	}
	/* Reconnects make only the sink's sockets. */
	struct scmp_arg_cmp unix_sock = arg_cmp(0, SCMP_CMP_EQ, AF_UNIX, 0);
	struct scmp_arg_cmp vsock = arg_cmp(0, SCMP_CMP_EQ, AF_VSOCK, 0);
	if ((rc = add_rule(ctx, SCMP_SYS(socket), 1, &unix_sock)) < 0 ||
	    (rc = add_rule(ctx, SCMP_SYS(socket), 1, &vsock)) < 0)
		return rc;
	/* Memory, never executable memory. */
	struct scmp_arg_cmp noexec = arg_cmp(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
	if ((rc = add_rule(ctx, SCMP_SYS(mmap), 1, &noexec)) < 0 ||
	    (rc = add_rule(ctx, SCMP_SYS(mprotect), 1, &noexec)) < 0)
		return rc;
	/* A character-device sink that is a tty is made raw on each open. */
	for (size_t i = 0; i < sizeof(tty_ioctls) / sizeof(tty_ioctls[0]); i++) {
		struct scmp_arg_cmp req = arg_cmp(1, SCMP_CMP_EQ, tty_ioctls[i], 0);
		if ((rc = add_rule(ctx, SCMP_SYS(ioctl), 1, &req)) < 0)
			return rc;
	}
	return 0;
}

static int load_seccomp(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int rc;

	if (!ctx) {
		errno = ENOMEM;
		return -1;
	}
	/* Calls of another ABI (i386 int 0x80, x32) are killed, not
	 * translated; the kernel logs every kill. */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1);
	if (rc == 0)
		rc = build_filter(ctx);
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}

int harden_apply(const struct harden_config *cfg)
{
	uint64_t keep = harden_caps_keep(&cfg->needs);
	int failed = 0;

	if (lower_oom_score() < 0) {
		agent_log(LOG_WARN, "harden: oom_score_adj: %s", strerror(errno));
		failed++;
	}
	if (chdir("/") < 0) {
		agent_log(LOG_WARN, "harden: chdir /: %s", strerror(errno));
		failed++;
	}
#ifdef HARDEN_SANITIZED
	/* LeakSanitizer ptraces the process from a clone at exit, which a
	 * non-dumpable process without CAP_SYS_PTRACE refuses (it hangs). */
	agent_log(LOG_INFO, "harden: staying dumpable (sanitizer build: LeakSanitizer ptraces the agent at exit)");
#else
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		agent_log(LOG_WARN, "harden: PR_SET_DUMPABLE: %s", strerror(errno));
		failed++;
	}
#endif
	if (drop_caps(keep) < 0)
		failed++;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		agent_log(LOG_WARN, "harden: PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		failed++;
	}
	agent_log(failed ? LOG_WARN : LOG_DEBUG,
		  "harden: capabilities kept 0x%016llx, %d step(s) failed",
		  (unsigned long long)keep, failed);
	return failed;
}

int harden_seccomp(const struct harden_config *cfg)
{
	int failed = 0;

	if (!cfg->seccomp) {
		agent_log(LOG_INFO, "harden: seccomp filter off (--no-seccomp)");
	} else if (HARDEN_SECCOMP_IN_THIS_BUILD == 0) {
		/* LeakSanitizer stops the world at exit from a ptrace()ing
		 * clone; under the filter that clone dies and the agent spins
		 * forever instead of exiting.  Sanitizer builds exist to find
		 * memory errors, not to be deployed. */
		agent_log(LOG_INFO, "harden: seccomp filter off (sanitizer build)");
	} else if (load_seccomp() < 0) {
		agent_log(LOG_WARN, "harden: seccomp filter: %s", strerror(errno));
		failed++;
	}
	return failed;
}
