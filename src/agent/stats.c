/*
 * stats.c - the health counters and their summary line (see stats.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "stats.h"

static uint64_t counters[STAT_COUNT];

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
	[STAT_DROP_BPF] = "dropped_bpf",
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
}
