/* vm-workload: the workload vm-init runs in the test guest.
 *
 * One static binary with several names (the initramfs has /bin/wl-* as
 * symlinks to it): the kernel names a process after the path it exec'd,
 * so every step of the workload is a process with a distinct comm that
 * check-vm.sh can look for in the stream.  What it does depends on the
 * name it was started as.
 *
 * For every process it makes it prints one console line with the pid,
 * from the parent's side of fork():
 *   vm-workload: ran NAME pid N        a child that exec'd /bin/NAME
 *   vm-workload: forked NAME pid N     a child that never exec'd
 *   vm-workload: thread NAME tid N     a thread (must produce no event)
 *   vm-workload: connected NAME pid N port P   a TCP connect to 127.0.0.1:P,
 *                                      to a listening socket of its own
 *                                      (loopback brought up first)
 * The host compares these pids, which come from fork()/gettid() inside the
 * guest, with what the agent reported.
 *
 * wl-steady (the vsock check's background load, init-vsock.c) is not part
 * of that: until SIGTERM it forks a child that exits at once, naps, and
 * again, then prints "vm-workload: steady made N children".
 *
 * wl-chain execs /bin/wl-omega at once: an exec chain (one pid, two
 * programs within a millisecond), whose two process.spawned must carry
 * wl-chain and then wl-omega.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"	/* _GNU_SOURCE, for gettid */
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BIN_DIR "/bin/"
#define SHORT_NAP_MS 20
#define ALPHA_RUNS 3
/* wl-steady: one short-lived child per nap, a steady flow of events that
 * leaves the CPU mostly idle (a stalled agent that spun would show). */
#define STEADY_NAP_MS 5

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n = snprintf(line, sizeof(line), "vm-workload: ");

	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	/* One write per line: the console is shared with other processes. */
	if (write(STDOUT_FILENO, line, (size_t)n) < 0)
		return;
}

static void nap_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)ms * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int wait_ok(pid_t pid, const char *name)
{
	int st;

	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			say("waitpid %s: %s", name, strerror(errno));
			return -1;
		}
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		say("%s pid %d failed (status 0x%x)", name, (int)pid, (unsigned)st);
		return -1;
	}
	return 0;
}

/* fork + exec /bin/NAME, report the pid, wait for it. */
static int run(const char *name)
{
	char path[64];
	pid_t pid;

	snprintf(path, sizeof(path), BIN_DIR "%s", name);
	pid = fork();
	if (pid < 0) {
		say("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		char *argv[] = { (char *)name, NULL };

		execv(path, argv);
		say("exec %s: %s", path, strerror(errno));
		_exit(127);
	}
	say("ran %s pid %d", name, (int)pid);
	return wait_ok(pid, name);
}

static int driver(void)
{
	static const char *const steps[] = {
		"wl-beta", "wl-gamma", "wl-forker", "wl-thread", "wl-chain", "wl-connect",
	};
	int rc = 0;

	/* Short-lived processes first: their comm must still be right. */
	for (int i = 0; i < ALPHA_RUNS; i++)
		rc |= run("wl-alpha");
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		rc |= run(steps[i]);
	return rc ? 1 : 0;
}

static int forker(void)
{
	pid_t pid = fork();

	if (pid < 0) {
		say("fork: %s", strerror(errno));
		return 1;
	}
	if (pid == 0)
		_exit(0);	/* never execs: keeps the comm it inherited */
	say("forked wl-forker pid %d", (int)pid);
	return wait_ok(pid, "wl-forker child") ? 1 : 0;
}

static void *thread_main(void *arg)
{
	say("thread wl-thread tid %d", (int)gettid());
	nap_ms(SHORT_NAP_MS);
	return arg;
}

static int threader(void)
{
	pthread_t t;
	int err = pthread_create(&t, NULL, thread_main, NULL);

	if (err != 0) {
		say("pthread_create: %s", strerror(err));
		return 1;
	}
	err = pthread_join(t, NULL);
	if (err != 0) {
		say("pthread_join: %s", strerror(err));
		return 1;
	}
	return 0;
}

static volatile sig_atomic_t steady_stop;

static void on_steady_term(int sig)
{
	(void)sig;
	steady_stop = 1;
}

static int steady(void)
{
	struct sigaction sa;
	unsigned long made = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_steady_term;
	if (sigemptyset(&sa.sa_mask) != 0 || sigaction(SIGTERM, &sa, NULL) != 0) {
		say("sigaction: %s", strerror(errno));
		return 1;
	}
	while (!steady_stop) {
		pid_t pid = fork();

		if (pid < 0 && errno == EAGAIN) {
			nap_ms(STEADY_NAP_MS);
			continue;
		}
		if (pid < 0) {
			say("fork: %s", strerror(errno));
			return 1;
		}
		if (pid == 0)
			_exit(0);
		if (wait_ok(pid, "wl-steady child") != 0)
			return 1;
		made++;
		nap_ms(STEADY_NAP_MS);
	}
	say("steady made %lu children", made);
	return 0;
}

/* A fresh guest's loopback is down (and has no 127.0.0.1 until up). */
static int loopback_up(int fd)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	if (ifr.ifr_flags & IFF_UP)
		return 0;
	ifr.ifr_flags |= IFF_UP;
	return ioctl(fd, SIOCSIFFLAGS, &ifr);
}

/* One TCP connect to a port in the guest: what the agent's connect
 * program must report (pid and comm). */
static int connector(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int srv = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int cli = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (srv < 0 || cli < 0 || loopback_up(srv) < 0) {
		say("wl-connect setup: %s", strerror(errno));
		return 1;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(srv, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(srv, 1) < 0 ||
	    getsockname(srv, (struct sockaddr *)&sin, &len) < 0) {
		say("wl-connect listen: %s", strerror(errno));
		return 1;
	}
	if (connect(cli, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		say("wl-connect connect: %s", strerror(errno));
		return 1;
	}
	say("connected wl-connect pid %d port %u", (int)getpid(), ntohs(sin.sin_port));
	close(cli);
	close(srv);
	return 0;
}

int main(int argc, char **argv)
{
	const char *name;

	if (argc < 1 || argv[0] == NULL)
		return 64;
	name = strrchr(argv[0], '/');
	name = name ? name + 1 : argv[0];

	if (strcmp(name, "vm-workload") == 0)
		return driver();
	if (strcmp(name, "wl-alpha") == 0 || strcmp(name, "wl-delta") == 0 ||
	    strcmp(name, "wl-omega") == 0)
		return 0;
	if (strcmp(name, "wl-chain") == 0) {
		char *args[] = { "wl-omega", NULL };

		execv(BIN_DIR "wl-omega", args);
		say("exec " BIN_DIR "wl-omega: %s", strerror(errno));
		return 127;
	}
	if (strcmp(name, "wl-beta") == 0) {
		nap_ms(SHORT_NAP_MS);
		return 0;
	}
	if (strcmp(name, "wl-gamma") == 0)
		return run("wl-delta") ? 1 : 0;
	if (strcmp(name, "wl-forker") == 0)
		return forker();
	if (strcmp(name, "wl-thread") == 0)
		return threader();
	if (strcmp(name, "wl-steady") == 0)
		return steady();
	if (strcmp(name, "wl-connect") == 0)
		return connector();
	say("unknown name %s", name);
	return 64;
}
