/*
 * proc-helper.c - workloads for the agent's process tests, so that the
 * tests know exactly which pids and names to look for.
 *
 *   proc-helper spawn PATH...     posix_spawn each PATH (no arguments),
 *                                 wait for it; print "PID NAME" per child
 *   proc-helper threads N NAME    start N threads named NAME that each
 *                                 exit at once; print "main PID" and
 *                                 "thread TID" lines
 *   proc-helper fork N LIVE_MS    fork N children that never exec; each
 *                                 odd one lives LIVE_MS, each even one exits
 *                                 at once; print "PID" per child
 *   proc-helper fork-on CPU N LIVE_MS
 *                                 move to CPU first, then as fork: so
 *                                 the forks are recorded on another
 *                                 CPU than this program's exec
 *   proc-helper setcomm HEX MS    set our comm to the bytes HEX, live MS
 *                                 more; print our pid first
 *   proc-helper storm MS WORKERS PATH
 *                                 a spawn storm: WORKERS processes each
 *                                 posix_spawn PATH and wait for it, again
 *                                 and again for MS milliseconds; print
 *                                 "spawns=N" at the end
 *   proc-helper chain KIND PATH...
 *                                 for each PATH, posix_spawn an exec chain
 *                                 and wait for it: KIND sh runs
 *                                 sh -c 'exec "$0"' PATH, KIND env runs
 *                                 sh -c 'exec env "$0"' PATH, KIND rename
 *                                 runs sh -c 'exec "$0" setcomm HEX 5'
 *                                 PATH, HEX naming "n" + PATH's base name
 *                                 without its first byte; print "PID NS"
 *                                 per chain (the pid every exec keeps, and
 *                                 CLOCK_MONOTONIC before it was spawned)
 *   proc-helper now               print CLOCK_MONOTONIC in ns
 *   proc-helper (no arguments): exit 0 at once; this is what the
 *   spawned links run, under their own names.
 * Output is line-buffered on stdout, pids first, so the test has them
 * before it looks at the stream.
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int do_spawn(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		pid_t pid;
		char *args[] = { argv[i], NULL };
		int rc = posix_spawn(&pid, argv[i], NULL, NULL, args, environ);
		if (rc != 0) {
			fprintf(stderr, "proc-helper: spawn %s: %s\n", argv[i], strerror(rc));
			return 1;
		}
		const char *base = strrchr(argv[i], '/');
		printf("%d %s\n", (int)pid, base ? base + 1 : argv[i]);
		int st;
		while (waitpid(pid, &st, 0) < 0) {
			if (errno != EINTR) {
				perror("proc-helper: waitpid");
				return 1;
			}
		}
	}
	return 0;
}

static const char *thread_name;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void *thread_main(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, thread_name, 0, 0, 0);
	pthread_mutex_lock(&out_lock);
	printf("thread %ld\n", (long)syscall(SYS_gettid));
	pthread_mutex_unlock(&out_lock);
	return NULL;
}

static int do_threads(int n, const char *name)
{
	pthread_t t[256];

	if (n < 1 || n > 256)
		return 2;
	thread_name = name;
	printf("main %d\n", (int)getpid());
	for (int i = 0; i < n; i++) {
		if (pthread_create(&t[i], NULL, thread_main, NULL) != 0)
			return 1;
		/* One at a time, so each is a new tid, not a reused one. */
		pthread_join(t[i], NULL);
	}
	return 0;
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

static int do_chain(const char *kind, int argc, char **argv)
{
	const char *script;
	char hex[40];

	if (strcmp(kind, "sh") == 0)
		script = "exec \"$0\"";
	else if (strcmp(kind, "env") == 0)
		script = "exec env \"$0\"";
	else if (strcmp(kind, "rename") == 0)
		script = "exec \"$0\" setcomm \"$1\" 5 >/dev/null";
	else
		return 2;
	for (int i = 0; i < argc; i++) {
		pid_t pid;
		const char *base = strrchr(argv[i], '/');
		base = base ? base + 1 : argv[i];
		/* The new name: "n" and the rest of the base name. */
		size_t k = 0;
		k += (size_t)snprintf(hex, sizeof(hex), "%02x", 'n');
		for (const char *c = base + 1; *c && k + 2 < sizeof(hex); c++)
			k += (size_t)snprintf(hex + k, sizeof(hex) - k, "%02x",
					      (unsigned char)*c);
		char *args[] = { "sh", "-c", (char *)script, argv[i], hex, NULL };
		unsigned long long t0 = now_ns();
		int rc = posix_spawn(&pid, "/bin/sh", NULL, NULL, args, environ);
		if (rc != 0) {
			fprintf(stderr, "proc-helper: spawn sh: %s\n", strerror(rc));
			return 1;
		}
		printf("%d %llu\n", (int)pid, t0);
		int st;
		while (waitpid(pid, &st, 0) < 0) {
			if (errno != EINTR) {
				perror("proc-helper: waitpid");
				return 1;
			}
		}
	}
	return 0;
}

static int do_fork(int n, long live_ms)
{
	pid_t kids[1024];

	if (n < 1 || n > 1024)
		return 2;
	for (int i = 0; i < n; i++) {
		fflush(stdout);
		pid_t p = fork();
		if (p < 0) {
			perror("proc-helper: fork");
			return 1;
		}
		if (p == 0) {
			if (i % 2)
				sleep_ms(live_ms);
			_exit(0);
		}
		kids[i] = p;
		printf("%d\n", (int)p);
	}
	fflush(stdout);
	for (int i = 0; i < n; i++)
		while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR)
			;
	return 0;
}

static int do_fork_on(int cpu, int n, long live_ms)
{
	cpu_set_t set;

	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return 2;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0) {
		perror("proc-helper: sched_setaffinity");
		return 1;
	}
	return do_fork(n, live_ms);
}

static int do_setcomm(const char *hex, long ms)
{
	char name[17];
	size_t len = strlen(hex) / 2;

	if (len > 15)
		len = 15;
	for (size_t i = 0; i < len; i++) {
		unsigned int b;
		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return 2;
		name[i] = (char)b;
	}
	name[len] = '\0';
	printf("%d\n", (int)getpid());
	fflush(stdout);
	if (prctl(PR_SET_NAME, name, 0, 0, 0) < 0) {
		perror("proc-helper: prctl");
		return 1;
	}
	sleep_ms(ms);
	return 0;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int do_storm(long ms, int workers, char *path)
{
	long until = now_ms() + ms;
	int fds[2];
	unsigned long total = 0;

	if (workers < 1 || workers > 64 || pipe(fds) < 0)
		return 2;
	for (int i = 0; i < workers; i++) {
		pid_t p = fork();
		if (p < 0) {
			perror("proc-helper: fork");
			return 1;
		}
		if (p > 0)
			continue;
		close(fds[0]);
		unsigned long n = 0;
		char *args[] = { path, NULL };
		while (now_ms() < until) {
			pid_t c;
			int st;
			if (posix_spawn(&c, path, NULL, NULL, args, environ) != 0)
				_exit(1);
			while (waitpid(c, &st, 0) < 0 && errno == EINTR)
				;
			n++;
		}
		_exit(write(fds[1], &n, sizeof(n)) == sizeof(n) ? 0 : 1);
	}
	close(fds[1]);
	for (int i = 0; i < workers; i++) {
		unsigned long n;
		if (read(fds[0], &n, sizeof(n)) == sizeof(n))
			total += n;
	}
	while (wait(NULL) > 0 || errno == EINTR)
		;
	printf("spawns=%lu\n", total);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Run with no arguments (the program a storm or a spawn list execs):
	 * leave at once.  _exit, not return: in a sanitizer build the
	 * LeakSanitizer exit check would clone a tracer, one more process
	 * under the same name that the tests would have to tell apart. */
	if (argc < 2)
		_exit(0);
	if (strcmp(argv[1], "spawn") == 0)
		return do_spawn(argc - 2, argv + 2);
	if (strcmp(argv[1], "now") == 0) {
		printf("%llu\n", now_ns());
		return 0;
	}
	if (strcmp(argv[1], "chain") == 0 && argc >= 3)
		return do_chain(argv[2], argc - 3, argv + 3);
	if (strcmp(argv[1], "threads") == 0 && argc == 4)
		return do_threads(atoi(argv[2]), argv[3]);
	if (strcmp(argv[1], "fork") == 0 && argc == 4)
		return do_fork(atoi(argv[2]), atol(argv[3]));
	if (strcmp(argv[1], "fork-on") == 0 && argc == 5)
		return do_fork_on(atoi(argv[2]), atoi(argv[3]), atol(argv[4]));
	if (strcmp(argv[1], "setcomm") == 0 && argc == 4)
		return do_setcomm(argv[2], atol(argv[3]));
	if (strcmp(argv[1], "storm") == 0 && argc == 5)
		return do_storm(atol(argv[2]), atoi(argv[3]), argv[4]);
	fprintf(stderr, "proc-helper: bad usage\n");
	return 2;
}
