/*
 * agent-doubles.c - test doubles for the agent core (see agent-doubles.h).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "agent-doubles.h"

#define DOUBLES_MAX_FDS 16
#define DOUBLES_MAX_LINES 64

struct slot {
	int fd;
	reactor_fn fn;
	void *ctx;
};

struct reactor {
	int epfd;
	struct slot slots[DOUBLES_MAX_FDS];
};

struct reactor *test_reactor_new(void)
{
	struct reactor *r = calloc(1, sizeof(*r));
	size_t i;

	if (!r)
		return NULL;
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (r->epfd < 0) {
		free(r);
		return NULL;
	}
	for (i = 0; i < DOUBLES_MAX_FDS; i++)
		r->slots[i].fd = -1;
	return r;
}

void test_reactor_free(struct reactor *r)
{
	if (!r)
		return;
	close(r->epfd);
	free(r);
}

size_t test_reactor_count(const struct reactor *r)
{
	size_t i, n = 0;

	for (i = 0; i < DOUBLES_MAX_FDS; i++)
		n += r->slots[i].fd >= 0;
	return n;
}

static struct slot *find(struct reactor *r, int fd)
{
	size_t i;

	for (i = 0; i < DOUBLES_MAX_FDS; i++)
		if (r->slots[i].fd == fd)
			return &r->slots[i];
	return NULL;
}

int reactor_add(struct reactor *r, int fd, uint32_t events, reactor_fn fn, void *ctx)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };
	struct slot *s = find(r, -1);

	if (fd < 0 || find(r, fd)) {
		errno = EEXIST;
		return -1;
	}
	if (!s) {
		errno = ENOSPC;
		return -1;
	}
	if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -1;
	s->fd = fd;
	s->fn = fn;
	s->ctx = ctx;
	return 0;
}

int reactor_mod(struct reactor *r, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	if (!find(r, fd)) {
		errno = ENOENT;
		return -1;
	}
	return epoll_ctl(r->epfd, EPOLL_CTL_MOD, fd, &ev);
}

int reactor_del(struct reactor *r, int fd)
{
	struct slot *s = find(r, fd);

	if (!s) {
		errno = ENOENT;
		return -1;
	}
	s->fd = -1;
	return epoll_ctl(r->epfd, EPOLL_CTL_DEL, fd, NULL);
}

int test_reactor_run_once(struct reactor *r, int timeout_ms)
{
	struct epoll_event evs[DOUBLES_MAX_FDS];
	int n, i, called = 0;

	n = epoll_wait(r->epfd, evs, DOUBLES_MAX_FDS, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	for (i = 0; i < n; i++) {
		/* A handler may have removed (and even reused) an fd of
		 * this batch: look it up again for every event. */
		struct slot *s = find(r, evs[i].data.fd);

		if (!s)
			continue;
		s->fn(s->ctx, evs[i].events);
		called++;
	}
	return called;
}

/* ---- stats ---- */

static uint64_t stats[STAT_COUNT];

void test_stats_reset(void)
{
	memset(stats, 0, sizeof(stats));
}

void stats_add(enum stat_id id, uint64_t n)
{
	if (id < STAT_COUNT)
		stats[id] += n;
}

void stats_set(enum stat_id id, uint64_t v)
{
	if (id < STAT_COUNT)
		stats[id] = v;
}

uint64_t stats_get(enum stat_id id)
{
	return id < STAT_COUNT ? stats[id] : 0;
}

const char *stats_name(enum stat_id id)
{
	return "test";
}

/* ---- log ---- */

static char lines[DOUBLES_MAX_LINES][DOUBLES_LOG_LINE_BYTES];
static enum log_level levels[DOUBLES_MAX_LINES];
static unsigned nlines;

void test_log_reset(void)
{
	nlines = 0;
}

unsigned test_log_count(void)
{
	return nlines;
}

unsigned test_log_count_level(enum log_level level)
{
	unsigned i, n = 0;

	for (i = 0; i < nlines && i < DOUBLES_MAX_LINES; i++)
		n += levels[i] == level;
	return n;
}

const char *test_log_last(void)
{
	if (nlines == 0)
		return "";
	return lines[(nlines - 1) % DOUBLES_MAX_LINES];
}

unsigned test_log_count_matching(const char *needle)
{
	unsigned i, n = 0;

	for (i = 0; i < nlines && i < DOUBLES_MAX_LINES; i++)
		n += strstr(lines[i], needle) != NULL;
	return n;
}

void agent_log(enum log_level level, const char *fmt, ...)
{
	char *line = lines[nlines % DOUBLES_MAX_LINES];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(line, DOUBLES_LOG_LINE_BYTES, fmt, ap);
	va_end(ap);
	levels[nlines % DOUBLES_MAX_LINES] = level;
	nlines++;
	if (getenv("TEST_VERBOSE"))
		fprintf(stderr, "log[%d]: %s\n", (int)level, line);
}

uint64_t mono_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
