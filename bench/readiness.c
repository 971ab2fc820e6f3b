/*
 * readiness: time from exec of a program to an event, median of R runs.
 *
 *   readiness ready R AGENT ARGS...   exec AGENT ARGS... --ready-fd=3 and
 *                                     time until it writes its newline on fd 3
 *                                     (then SIGTERM it and reap it)
 *   readiness exit R PROGRAM ARGS...  time from fork+exec to exit
 * Prints the median in microseconds.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_RUNS 101
#define MAX_ARGS 32

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double one_run(int ready, char **args)
{
	int pfd[2] = { -1, -1 };
	double t0, t1;
	pid_t pid;
	char c;
	int st;

	if (ready && pipe(pfd) < 0)
		return -1;
	t0 = now_us();
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (ready) {
			close(pfd[0]);
			if (pfd[1] != 3 && (dup2(pfd[1], 3) < 0 || close(pfd[1]) < 0))
				_exit(127);
		}
		execv(args[0], args);
		_exit(127);
	}
	if (ready) {
		ssize_t n;

		close(pfd[1]);
		while ((n = read(pfd[0], &c, 1)) < 0 && errno == EINTR)
			;
		t1 = now_us();
		close(pfd[0]);
		if (n != 1 || c != '\n') {
			waitpid(pid, &st, 0);
			return -1;
		}
		kill(pid, SIGTERM);
		waitpid(pid, &st, 0);
	} else {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		t1 = now_us();
	}
	return t1 - t0;
}

int main(int argc, char **argv)
{
	double t[MAX_RUNS];
	char *args[MAX_ARGS + 2];
	int ready, runs, nargs = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: readiness ready|exit RUNS PROGRAM [ARGS...]\n");
		return 64;
	}
	ready = strcmp(argv[1], "ready") == 0;
	runs = atoi(argv[2]);
	if (runs < 1 || runs > MAX_RUNS || argc - 3 > MAX_ARGS) {
		fprintf(stderr, "readiness: RUNS must be 1..%d\n", MAX_RUNS);
		return 64;
	}
	for (int i = 3; i < argc; i++)
		args[nargs++] = argv[i];
	if (ready)
		args[nargs++] = (char *)"--ready-fd=3";
	args[nargs] = NULL;
	for (int r = 0; r < runs; r++) {
		t[r] = one_run(ready, args);
		if (t[r] < 0) {
			fprintf(stderr, "readiness: run %d failed\n", r);
			return 1;
		}
	}
	qsort(t, (size_t)runs, sizeof(t[0]), cmp);
	printf("%.1f\n", t[runs / 2]);
	return 0;
}
