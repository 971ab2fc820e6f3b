/* vm-init: pid 1 of the guest that `make check-vm` boots.
 *
 * It plays the part CellOS's guest init plays in production, in the same
 * order: mount what the agent needs, load the virtio modules, start the
 * agent first (own session, --ready-fd), wait for its readiness newline,
 * only then run the workload behind cellos-workload-exec (protecting pid 1
 * and the agent), then stop the agent with SIGTERM so it drains, and power
 * the VM off.
 *
 * Everything it has to say goes to the console as lines starting with
 * "vm-init: "; tests/vm/check-vm.sh reads them back from the console log
 * (the order of those lines is what proves "agent ready before workload").
 *
 * Its arguments (the kernel command line after "--"):
 *   channel   instead of the agent run, write a known test pattern to the
 *             port and power off: the boot and byte-channel plumbing alone
 *   serial    the channel is the second serial port (/dev/ttyS1, which the
 *             agent sets to raw mode) instead of the virtio-serial port
 *   vsock     the agent sends over AF_VSOCK to a receiver inside the guest,
 *             and the port carries what the receiver decoded (init-vsock.c)
 *
 * Linked statically: it runs before anything else exists in the guest.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"	/* _GNU_SOURCE, for pipe2 */
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "vm-init.h"

/* Where check-vm.sh puts things in the initramfs. */
#define MODULE_DIR "/lib/vm-modules"	/* NN-name.ko, loaded in name order */
#define AGENT_PATH "/bin/cellos-telemetry"
#define GATE_PATH "/bin/cellos-workload-exec"
#define WORKLOAD_PATH "/bin/vm-workload"
#define VPORT_CLASS_DIR "/sys/class/virtio-ports"
#define PORT_NAME "cellos.telemetry"	/* qemu's virtserialport name= */
#define SERIAL_PORT "/dev/ttyS1"	/* the second 8250 UART (built in) */

#define DEV_PATH_MAX 128
#define READY_FD 3			/* the agent's --ready-fd */
/* Software emulation runs the guest tens of times slower than hardware,
 * and a busy host deschedules the emulator for hundreds of ms: a fork's
 * exec can come later than the agent's coalescing window, which then
 * reports the fork on its own first.  Measured on a loaded host: 5 ms
 * (the default) failed 5 runs of 10, 200 ms 1 of 8.  A fork that never
 * execs is still reported at once when it exits. */
#define AGENT_COALESCE_ARG "--coalesce-ms=1000"
#define PORT_WAIT_MS 10000		/* virtio ports appear asynchronously */
#define READY_WAIT_MS 20000
#define AGENT_STOP_WAIT_MS 15000	/* the agent's drain is bounded */
#define POLL_STEP_MS 10
#define OOM_NEVER "-1000"
#define CHANNEL_PATTERN_LINES 64

void say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	size_t off = sizeof(PROG ": ") - 1;

	memcpy(line, PROG ": ", off);
	va_start(ap, fmt);
	n = vsnprintf(line + off, sizeof(line) - off - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	n += (int)off;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	/* One write per line so that the agent's stderr, which shares the
	 * console, cannot split it. */
	const char *p = line;
	size_t left = (size_t)n;
	while (left > 0) {
		ssize_t w = write(STDOUT_FILENO, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		left -= (size_t)w;
	}
}

uint64_t now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* pid 1 must never exit: power off instead, whatever happened. */
static void __attribute__((noreturn)) power_off(int failed)
{
	say("%s", failed ? "FAILED, powering off" : "done, powering off");
	sync();
	if (reboot(RB_POWER_OFF) != 0)
		say("reboot(RB_POWER_OFF): %s", strerror(errno));
	for (;;)
		pause();
}

static int mount_one(const char *src, const char *dir, const char *type)
{
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		say("mkdir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (mount(src, dir, type, MS_NOSUID | MS_NOEXEC, NULL) != 0 && errno != EBUSY) {
		say("mount %s on %s: %s", type, dir, strerror(errno));
		return -1;
	}
	return 0;
}

static int mount_filesystems(void)
{
	if (mount_one("proc", "/proc", "proc") != 0 ||
	    mount_one("sysfs", "/sys", "sysfs") != 0 ||
	    mount_one("devtmpfs", "/dev", "devtmpfs") != 0)
		return -1;
	return 0;
}

static int ko_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 3 && strcmp(d->d_name + n - 3, ".ko") == 0;
}

/* check-vm.sh names the modules NN-name.ko in dependency order. */
static int load_modules(void)
{
	struct dirent **list;
	int n = scandir(MODULE_DIR, &list, ko_filter, alphasort);
	int rc = 0;

	if (n < 0) {
		if (errno == ENOENT)
			return 0;	/* a kernel with virtio built in */
		say("scandir %s: %s", MODULE_DIR, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char path[512];
		int fd;

		snprintf(path, sizeof(path), "%s/%s", MODULE_DIR, list[i]->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			say("open %s: %s", path, strerror(errno));
			rc = -1;
		} else {
			if (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST) {
				say("finit_module %s: %s", path, strerror(errno));
				rc = -1;
			}
			close(fd);
		}
		free(list[i]);
	}
	free(list);
	return rc;
}

/* Reads a small sysfs file into buf, trailing newline removed. */
static int read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

/* The port's node under /dev is named by the kernel (vportNpM); its name
 * from qemu's command line is only in sysfs (udev would make the
 * /dev/virtio-ports/ link; there is no udev here).  The name arrives in a
 * control message after the device itself, so poll for both. */
static int find_port(char *dev, size_t size)
{
	uint64_t deadline = now_ms() + PORT_WAIT_MS;

	do {
		DIR *d = opendir(VPORT_CLASS_DIR);
		struct dirent *e;

		while (d != NULL && (e = readdir(d)) != NULL) {
			char path[512], name[128];

			if (e->d_name[0] == '.')
				continue;
			int pn = snprintf(path, sizeof(path), "%s/%s/name", VPORT_CLASS_DIR, e->d_name);

			if (pn < 0 || (size_t)pn >= sizeof(path))
				continue;
			if (read_small(path, name, sizeof(name)) != 0 || strcmp(name, PORT_NAME) != 0)
				continue;
			int n = snprintf(dev, size, "/dev/%s", e->d_name);

			if (n > 0 && (size_t)n < size && access(dev, W_OK) == 0) {
				closedir(d);
				return 0;
			}
		}
		if (d != NULL)
			closedir(d);
		sleep_ms(POLL_STEP_MS);
	} while (now_ms() < deadline);
	say("no virtio port named %s after %d ms", PORT_NAME, PORT_WAIT_MS);
	return -1;
}

int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The plumbing check: a known pattern the host compares byte for byte. */
static int channel_check(const char *dev)
{
	int fd = open(dev, O_WRONLY | O_NOCTTY | O_CLOEXEC);

	struct termios t;

	if (fd < 0) {
		say("open %s: %s", dev, strerror(errno));
		return -1;
	}
	/* A serial line would turn each '\n' into "\r\n". */
	if (isatty(fd)) {
		if (tcgetattr(fd, &t) != 0) {
			say("tcgetattr %s: %s", dev, strerror(errno));
			close(fd);
			return -1;
		}
		cfmakeraw(&t);
		t.c_cflag |= CLOCAL;
		if (tcsetattr(fd, TCSANOW, &t) != 0) {
			say("tcsetattr %s: %s", dev, strerror(errno));
			close(fd);
			return -1;
		}
	}
	for (int i = 0; i < CHANNEL_PATTERN_LINES; i++) {
		char line[64];
		int n = snprintf(line, sizeof(line), "cellos vm channel line %d\n", i);

		if (write_all(fd, line, (size_t)n) != 0) {
			say("write %s: %s", dev, strerror(errno));
			close(fd);
			return -1;
		}
	}
	if (close(fd) != 0) {
		say("close %s: %s", dev, strerror(errno));
		return -1;
	}
	say("channel: wrote %d lines to %s", CHANNEL_PATTERN_LINES, dev);
	return 0;
}

/* Reaps every child (pid 1 adopts orphans) until `pid` is gone or the
 * deadline passes; returns its wait status, or -1 on timeout. */
int reap_until(pid_t pid, uint64_t deadline_ms, int *status)
{
	for (;;) {
		int st;
		pid_t r = waitpid(-1, &st, deadline_ms ? WNOHANG : 0);

		if (r == pid) {
			*status = st;
			return 0;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			say("waitpid: %s", strerror(errno));
			return -1;
		}
		if (r == 0) {
			if (now_ms() >= deadline_ms)
				return -1;
			sleep_ms(POLL_STEP_MS);
		}
	}
}

void describe_status(const char *who, pid_t pid, int st)
{
	if (WIFEXITED(st))
		say("%s pid %d exited with status %d", who, (int)pid, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		say("%s pid %d killed by signal %d", who, (int)pid, WTERMSIG(st));
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = write_all(fd, text, strlen(text));
	if (close(fd) != 0)
		rc = -1;
	return rc;
}

pid_t start_agent(const char *sink, const char *extra, int err_fd, int *ready_rd)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0) {
		say("pipe2: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		say("fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		char rfd[32];
		char *argv[] = { "cellos-telemetry", (char *)sink, rfd, AGENT_COALESCE_ARG,
				 (char *)extra, NULL };

		snprintf(rfd, sizeof(rfd), "--ready-fd=%d", READY_FD);
		/* Its own session: nothing the workload does to init's
		 * session or process group reaches the agent. */
		/* stderr first: err_fd may well be READY_FD itself. */
		if (setsid() < 0 || (err_fd >= 0 && dup2(err_fd, STDERR_FILENO) < 0) ||
		    dup2(p[1], READY_FD) < 0) {
			say("agent child setup: %s", strerror(errno));
			_exit(127);
		}
		/* A workload that exhausts memory must not get the agent
		 * killed instead of itself. */
		if (write_file("/proc/self/oom_score_adj", OOM_NEVER) != 0)
			say("agent oom_score_adj: %s", strerror(errno));
		execv(AGENT_PATH, argv);
		say("exec %s: %s", AGENT_PATH, strerror(errno));
		_exit(127);
	}
	close(p[1]);
	*ready_rd = p[0];
	return pid;
}

/* The s6 readiness convention: one newline, then the fd is closed.  EOF
 * before the newline means the agent died or gave up on readiness. */
int wait_ready(int fd)
{
	uint64_t deadline = now_ms() + READY_WAIT_MS;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t now = now_ms();
		char buf[16];
		ssize_t n;
		int r;

		if (now >= deadline) {
			say("agent not ready after %d ms", READY_WAIT_MS);
			return -1;
		}
		r = poll(&pfd, 1, (int)(deadline - now));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			say("poll: %s", strerror(errno));
			return -1;
		}
		if (r == 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			say("read ready fd: %s", strerror(errno));
			return -1;
		}
		if (n == 0) {
			say("agent closed its ready fd without a newline");
			return -1;
		}
		if (memchr(buf, '\n', (size_t)n) != NULL)
			return 0;
	}
}

pid_t start_workload(pid_t agent)
{
	bool gated = access(GATE_PATH, X_OK) == 0;
	pid_t pid;

	if (!gated)
		say("no %s in the initramfs: workload runs ungated", GATE_PATH);
	pid = fork();
	if (pid < 0) {
		say("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		char protect[64];
		char *gate_argv[] = { "cellos-workload-exec", protect, "--", WORKLOAD_PATH, NULL };
		char *plain_argv[] = { "vm-workload", NULL };

		snprintf(protect, sizeof(protect), "--protect=1,%d", (int)agent);
		/* A session of its own too: kill(0) in the workload reaches
		 * only the workload's own group. */
		if (setsid() < 0) {
			say("workload setsid: %s", strerror(errno));
			_exit(127);
		}
		if (gated)
			execv(GATE_PATH, gate_argv);
		else
			execv(WORKLOAD_PATH, plain_argv);
		say("exec: %s", strerror(errno));
		_exit(127);
	}
	return pid;
}

static int run(const char *dev)
{
	int ready_rd, st;
	pid_t agent, workload;
	int failed = 0;
	char sink[DEV_PATH_MAX + 32];

	snprintf(sink, sizeof(sink), "--sink=chardev:%s", dev);
	agent = start_agent(sink, NULL, -1, &ready_rd);
	if (agent < 0)
		return -1;
	if (wait_ready(ready_rd) != 0) {
		close(ready_rd);
		return -1;
	}
	close(ready_rd);
	say("agent pid %d ready", (int)agent);

	workload = start_workload(agent);
	if (workload < 0)
		return -1;
	say("workload pid %d started", (int)workload);
	if (reap_until(workload, 0, &st) != 0)
		return -1;
	describe_status("workload", workload, st);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		failed = 1;

	if (kill(agent, SIGTERM) != 0) {
		say("kill agent: %s", strerror(errno));
		return -1;
	}
	if (reap_until(agent, now_ms() + AGENT_STOP_WAIT_MS, &st) != 0) {
		say("agent did not exit %d ms after SIGTERM", AGENT_STOP_WAIT_MS);
		return -1;
	}
	describe_status("agent", agent, st);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		failed = 1;
	return failed ? -1 : 0;
}

int main(int argc, char **argv)
{
	char dev[DEV_PATH_MAX];
	bool channel = false, serial = false, vsock = false;

	if (getpid() != 1) {
		fprintf(stderr, PROG ": must run as pid 1 of a test VM\n");
		return 64;
	}
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "channel") == 0)
			channel = true;
		else if (strcmp(argv[i], "serial") == 0)
			serial = true;
		else if (strcmp(argv[i], "vsock") == 0)
			vsock = true;
		else
			say("unknown argument '%s' ignored; allowed: channel, serial, vsock", argv[i]);
	}
	say("started (%s over %s)", channel ? "channel check" : "agent check",
	    vsock ? "vsock, results over virtio-serial" :
	    serial ? "the serial port" : "virtio-serial");
	if (mount_filesystems() != 0 || load_modules() != 0)
		power_off(1);
	if (serial) {
		snprintf(dev, sizeof(dev), "%s", SERIAL_PORT);
	} else {
		if (find_port(dev, sizeof(dev)) != 0)
			power_off(1);
		say("port %s is %s", PORT_NAME, dev);
	}
	if (channel)
		power_off(channel_check(dev) != 0);
	if (vsock)
		power_off(vsock_run(dev) != 0);
	power_off(run(dev) != 0);
}
