/*
 * storm: a spawn storm for the benchmarks.  W workers each spawn the
 * given program (vfork + exec, through posix_spawn) and wait for it, until
 * the total count or the time limit is reached.  Prints one line:
 *   spawns=N failed=F cpu_s=X wall_s=Y
 * where cpu_s is the user+system time of the workers and every process
 * they spawned (the storm's own CPU).
 *
 *   storm PROGRAM WORKERS COUNT [SECONDS]
 * COUNT 0 means "until SECONDS pass".
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One worker: returns through its exit status the count of failures. */
static void worker(const char *prog, unsigned long count, double until,
		   int report_fd)
{
	char *argv[] = { (char *)prog, NULL };
	unsigned long done = 0, failed = 0;
	char line[64];
	int len;

	while (count == 0 ? now_s() < until : done < count) {
		pid_t pid;
		int st;

		if (posix_spawn(&pid, prog, NULL, NULL, argv, environ) != 0) {
			failed++;
			done++;
			continue;
		}
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed++;
		done++;
	}
	len = snprintf(line, sizeof(line), "%lu %lu\n", done, failed);
	if (write(report_fd, line, (size_t)len) != len)
		_exit(2);
	_exit(0);
}

int main(int argc, char **argv)
{
	unsigned long workers, count, total = 0, failed = 0;
	double seconds = 0, t0, until;
	struct rusage ru;
	int pfd[2];
	FILE *rep;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: storm PROGRAM WORKERS COUNT [SECONDS]\n");
		return 64;
	}
	workers = strtoul(argv[2], NULL, 10);
	count = strtoul(argv[3], NULL, 10);
	if (argc == 5)
		seconds = strtod(argv[4], NULL);
	if (workers == 0 || (count == 0 && seconds <= 0)) {
		fprintf(stderr, "storm: need WORKERS > 0 and a COUNT or SECONDS\n");
		return 64;
	}
	if (pipe(pfd) < 0) {
		perror("storm: pipe");
		return 71;
	}
	t0 = now_s();
	until = t0 + seconds;
	for (unsigned long w = 0; w < workers; w++) {
		unsigned long share = count / workers + (w < count % workers);
		pid_t pid = fork();

		if (pid < 0) {
			perror("storm: fork");
			return 71;
		}
		if (pid == 0) {
			close(pfd[0]);
			worker(argv[1], share, until, pfd[1]);
		}
	}
	close(pfd[1]);
	rep = fdopen(pfd[0], "r");
	if (rep == NULL) {
		perror("storm: fdopen");
		return 71;
	}
	for (unsigned long w = 0; w < workers; w++) {
		unsigned long d, f;

		if (fscanf(rep, "%lu %lu", &d, &f) != 2) {
			fprintf(stderr, "storm: a worker did not report\n");
			return 70;
		}
		total += d;
		failed += f;
	}
	while (wait(NULL) > 0 || errno == EINTR)
		;
	if (getrusage(RUSAGE_CHILDREN, &ru) < 0) {
		perror("storm: getrusage");
		return 71;
	}
	printf("spawns=%lu failed=%lu cpu_s=%.6f wall_s=%.6f\n", total, failed,
	       (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6,
	       now_s() - t0);
	return failed ? 1 : 0;
}
