/*
 * stats.c - counters, log lines, clocks and timer helpers shared by every
 * module of the agent.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "stats.h"

static uint64_t counters[STAT_COUNT];
static uint64_t logged[STAT_COUNT];   /* values at the last summary */
static uint64_t last_summary_ns;
static bool summary_done;
static enum log_level max_level = LOG_INFO;
static const char *prog_name = "cellos-telemetry";

/* Keys of the counters line; stable, scripts parse them. */
static const char *const names[STAT_COUNT] = {
	[STAT_PRODUCED] = "produced",
	[STAT_WRITTEN] = "written",
	[STAT_QUEUED] = "queued",
	[STAT_DROP_QUEUE_FULL] = "dropped_queue_full",
	[STAT_DROP_NETLINK] = "dropped_netlink",
	[STAT_DROP_FS_OVERFLOW] = "dropped_fs_overflow",
	[STAT_DROP_AUDIT] = "dropped_audit",
	[STAT_DROP_UNKNOWN] = "dropped_unknown",
	[STAT_DROP_PERF] = "dropped_perf",
	[STAT_COMM_UNRESOLVED] = "comm_unresolved",
	[STAT_RESYNC] = "resyncs",
	[STAT_WATCH_LOST] = "watch_lost",
	[STAT_RECONNECTS] = "reconnects",
};

void stats_add(enum stat_id id, uint64_t n)
{
	if ((unsigned)id < STAT_COUNT)
		counters[id] += n;
}

void stats_set(enum stat_id id, uint64_t v)
{
	if ((unsigned)id < STAT_COUNT)
		counters[id] = v;
}

uint64_t stats_get(enum stat_id id)
{
	return (unsigned)id < STAT_COUNT ? counters[id] : 0;
}

const char *stats_name(enum stat_id id)
{
	return (unsigned)id < STAT_COUNT ? names[id] : "unknown";
}

void stats_reset(void)
{
	memset(counters, 0, sizeof(counters));
	memset(logged, 0, sizeof(logged));
	last_summary_ns = 0;
	summary_done = false;
}

size_t stats_format(char *buf, size_t cap)
{
	size_t len = 0;

	if (cap == 0)
		return 0;
	buf[0] = '\0';
	int n = snprintf(buf, cap, "counters:");
	if (n < 0 || (size_t)n >= cap)
		return cap - 1;
	len = (size_t)n;
	for (int i = 0; i < STAT_COUNT; i++) {
		n = snprintf(buf + len, cap - len, " %s=%llu", names[i],
			     (unsigned long long)counters[i]);
		if (n < 0 || (size_t)n >= cap - len)
			return strlen(buf);
		len += (size_t)n;
	}
	return len;
}

void stats_log(enum log_level level)
{
	char line[512];

	stats_format(line, sizeof(line));
	agent_log(level, "%s", line);
	memcpy(logged, counters, sizeof(logged));
	summary_done = true;
}

bool stats_log_if_changed(uint64_t now_ns)
{
	if (memcmp(logged, counters, sizeof(logged)) == 0)
		return false;
	if (summary_done && now_ns - last_summary_ns < STATS_LOG_INTERVAL_NS)
		return false;
	last_summary_ns = now_ns;
	stats_log(LOG_INFO);
	return true;
}

void log_set_level(enum log_level max)
{
	max_level = max;
}

enum log_level log_get_level(void)
{
	return max_level;
}

void log_set_prog(const char *prog)
{
	prog_name = prog;
}

static const char *level_name(enum log_level level)
{
	switch (level) {
	case LOG_ERR: return "error";
	case LOG_WARN: return "warning";
	case LOG_INFO: return "info";
	case LOG_DEBUG: return "debug";
	}
	return "info";
}

void agent_log(enum log_level level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n, m;

	if (level > max_level)
		return;
	n = snprintf(line, sizeof(line), "%s: %s: ", prog_name,
		     level_name(level));
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	size_t len = (size_t)n + (size_t)m;
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	/* One write per line; a failed log write has nowhere to be
	 * reported, so it is deliberately ignored after EINTR retries. */
	ssize_t w;
	do {
		w = write(STDERR_FILENO, line, len);
	} while (w < 0 && errno == EINTR);
}

bool ratelimit_pass(struct ratelimit *rl, uint64_t now_ns,
		    uint64_t *suppressed_out)
{
	if (rl->used && now_ns - rl->last_ns < rl->interval_ns) {
		rl->suppressed++;
		return false;
	}
	if (suppressed_out)
		*suppressed_out = rl->suppressed;
	rl->suppressed = 0;
	rl->last_ns = now_ns;
	rl->used = true;
	return true;
}

/* Smaller than any page size. */
#define PREFAULT_STEP 4096

void agent_prefault(void *buf, size_t len)
{
	volatile uint8_t *b = buf;

	for (size_t i = 0; i < len; i += PREFAULT_STEP)
		b[i] = 0;
}

uint64_t mono_now_ns(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail with a valid pointer. */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int agent_timer_create(void)
{
	return timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
}

int agent_timer_arm_at(int tfd, uint64_t abs_ns)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	if (abs_ns != 0) {
		its.it_value.tv_sec = (time_t)(abs_ns / 1000000000ULL);
		its.it_value.tv_nsec = (long)(abs_ns % 1000000000ULL);
		/* An all-zero it_value would disarm: never ask for time 0. */
		if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
			its.it_value.tv_nsec = 1;
	}
	return timerfd_settime(tfd, abs_ns ? TFD_TIMER_ABSTIME : 0, &its, NULL);
}

int agent_timer_ack(int tfd)
{
	uint64_t expirations;
	ssize_t n;

	do {
		n = read(tfd, &expirations, sizeof(expirations));
	} while (n < 0 && errno == EINTR);
	if (n < 0 && errno != EAGAIN)
		return -1;
	return 0;
}
