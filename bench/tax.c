/*
 * tax: what a workload pays per system call, for make bench's tax figures
 * (bench/README, "Tax").  Times are CPU time (the calling thread's, or the
 * child's user + system), not wall time: on a shared, loaded machine the
 * wait for a CPU would drown the per-call cost.
 *
 *   tax [--cgroup=DIR] getppid N        N getppid(2) calls in BATCHES
 *                                       batches; prints the fastest batch's
 *                                       ns per call (interference from other
 *                                       jobs only ever adds time)
 *   tax [--cgroup=DIR] openread N FILE  the same for open+read+close of FILE
 *   tax [--cgroup=DIR] run CMD ARGS...  run CMD (stdout to /dev/null);
 *                                       prints its CPU time in ms (user +
 *                                       system of it and its children)
 *
 * --cgroup=DIR moves the process into the cgroup v2 directory DIR first,
 * so the workload runs where the agent's connect program is attached.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BATCHES 25
#define READ_BYTES 256

static double thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int join_cgroup(const char *dir)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0\n", 2) != 2) {
		fprintf(stderr, "tax: %s: %s\n", path, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

static int one_openread(const char *file)
{
	char buf[READ_BYTES];
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf));
	close(fd);
	return n < 0 ? -1 : 0;
}

static int per_call(long n, const char *file)
{
	double per[BATCHES];
	long each = n / BATCHES;

	if (each < 1)
		each = 1;
	for (int b = 0; b < BATCHES; b++) {
		double t0 = thread_ns();
		for (long i = 0; i < each; i++) {
			if (file) {
				if (one_openread(file) < 0) {
					fprintf(stderr, "tax: %s: %s\n", file, strerror(errno));
					return 1;
				}
			} else {
				(void)syscall(SYS_getppid);
			}
		}
		per[b] = (thread_ns() - t0) / (double)each;
	}
	qsort(per, BATCHES, sizeof(per[0]), cmp);
	printf("%.1f\n", per[0]);
	return 0;
}

static int run(char **argv)
{
	struct rusage ru;
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("wait4");
			return 1;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "tax: %s failed\n", argv[0]);
		return 1;
	}
	double ms = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
		    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	printf("%.1f\n", ms);
	return 0;
}

int main(int argc, char **argv)
{
	int i = 1;

	if (i < argc && strncmp(argv[i], "--cgroup=", 9) == 0) {
		if (join_cgroup(argv[i] + 9) < 0)
			return 1;
		i++;
	}
	if (argc - i == 2 && strcmp(argv[i], "getppid") == 0)
		return per_call(atol(argv[i + 1]), NULL);
	if (argc - i == 3 && strcmp(argv[i], "openread") == 0)
		return per_call(atol(argv[i + 1]), argv[i + 2]);
	if (argc - i >= 2 && strcmp(argv[i], "run") == 0)
		return run(argv + i + 1);
	fprintf(stderr, "usage: tax [--cgroup=DIR] getppid N | openread N FILE | run CMD...\n");
	return 2;
}
