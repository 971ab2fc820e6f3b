/*
 * stats.c - the health counters and their summary line (see stats.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "stats.h"

static uint64_t counters[STAT_COUNT];
static uint64_t logged[STAT_COUNT];   /* values at the last summary */
static uint64_t last_summary_ns;
static bool summary_done;

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
	char line[STATS_LINE_BYTES];

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
