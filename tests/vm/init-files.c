/* init-files.c - see init-files.h. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "init-files.h"
#include "vm-init.h"

#define LINE_BYTES 1024
#define COPY_BYTES 4096
#define PATH_BYTES 64

/* ---- files --------------------------------------------------------- */

/* fn on every whole line of path from byte off on, until it returns
 * true (then true).  A last line still without its newline is left for
 * the next scan; lines longer than LINE_BYTES are skipped. */
bool scan_lines(const char *path, off_t off, line_fn fn, void *arg)
{
	char buf[COPY_BYTES], line[LINE_BYTES];
	size_t len = 0;
	bool found = false, overlong = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (off > 0 && lseek(fd, off, SEEK_SET) < 0) {
		close(fd);
		return false;
	}
	while (!found) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n && !found; i++) {
			if (buf[i] == '\n') {
				line[len] = '\0';
				if (!overlong)
					found = fn(line, arg);
				len = 0;
				overlong = false;
			} else if (len < sizeof(line) - 1) {
				line[len++] = buf[i];
			} else {
				overlong = true;
			}
		}
	}
	close(fd);
	return found;
}

off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : 0;
}

struct needles {
	const char *a, *b;	/* b may be NULL */
};

static bool has_needles(const char *line, void *arg)
{
	const struct needles *n = arg;

	return strstr(line, n->a) != NULL && (n->b == NULL || strstr(line, n->b) != NULL);
}

/* Waits for a line of path (from off on) holding a and b. */
int wait_line(const char *path, off_t off, const char *a, const char *b,
		     unsigned wait_ms, const char *what)
{
	uint64_t start = now_ms(), deadline = start + wait_ms;
	struct needles n = { a, b };

	for (;;) {
		if (scan_lines(path, off, has_needles, &n)) {
			say("%s (after %" PRIu64 " ms)", what, now_ms() - start);
			return 0;
		}
		if (now_ms() >= deadline) {
			say("FAIL: not within %u ms: %s", wait_ms, what);
			return -1;
		}
		sleep_ms(SCAN_STEP_MS);
	}
}

int copy_file(const char *path, int out)
{
	char buf[COPY_BYTES];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = -1;
		if (n <= 0)
			break;
		if (write_all(out, buf, (size_t)n) != 0) {
			rc = -1;
			break;
		}
	}
	close(fd);
	return rc;
}

/* ---- the agent's counters and CPU time ------------------------------ */

static bool counter(const char *line, const char *key, uint64_t *v)
{
	const char *p = strstr(line, key);
	char *end;

	if (p == NULL)
		return false;
	errno = 0;
	unsigned long long x = strtoull(p + strlen(key), &end, 10);
	if (errno != 0 || end == p + strlen(key))
		return false;
	*v = x;
	return true;
}

static bool on_counters(const char *line, void *arg)
{
	struct counters_seen *c = arg;
	uint64_t q, d, p, w;

	if (strstr(line, "counters:") == NULL || !counter(line, " queued=", &q) ||
	    !counter(line, " dropped_queue_full=", &d) ||
	    !counter(line, " produced=", &p) || !counter(line, " written=", &w))
		return false;
	/* Records queued at a counters line may be a batch not yet written
	 * (the sink is corked around each batch); nothing written between
	 * two lines while events kept coming is a real stall. */
	if (c->lines > 0 && w == c->last_written && p > c->last_produced && q > 0)
		c->stalled = true;
	c->lines++;
	if (q > c->max_queued)
		c->max_queued = q;
	c->last_queued = q;
	c->last_dropped = d;
	c->last_produced = p;
	c->last_written = w;
	return false;	/* every line */
}

void read_counters(const char *path, off_t off, struct counters_seen *c)
{
	memset(c, 0, sizeof(*c));
	scan_lines(path, off, on_counters, c);
}

/* CPU time (user + system) of pid in microseconds: schedstat's run time
 * in ns, or stat's ticks where the kernel has no schedstat. */
int cpu_us(pid_t pid, uint64_t *us)
{
	char path[PATH_BYTES], buf[LINE_BYTES];
	unsigned long long ns, ut, st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			if (sscanf(buf, "%llu", &ns) == 1) {
				*us = ns / 1000u;
				return 0;
			}
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* After the comm's ")": state ppid pgrp session tty tpgid flags
	 * minflt cminflt majflt cmajflt utime stime. */
	const char *p = strrchr(buf, ')');
	long hz = sysconf(_SC_CLK_TCK);
	if (p == NULL || hz <= 0 ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
		   &ut, &st) != 2)
		return -1;
	*us = (ut + st) * 1000000ull / (unsigned long long)hz;
	return 0;
}

uint64_t mono_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

