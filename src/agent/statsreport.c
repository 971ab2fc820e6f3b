/* statsreport.c - when the agent logs its counters (see statsreport.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "statsreport.h"

void statsreport_init(struct statsreport *r, unsigned int interval_s,
		      uint64_t now_ns)
{
	memset(r, 0, sizeof(*r));
	r->interval_ns = (uint64_t)interval_s * CLOCK_NS_PER_SEC;
	r->line_ns = now_ns;
	r->loss_limit = (struct log_limit)LOG_LIMIT_INIT("counters",
		STATSREPORT_LOSS_INTERVAL_NS, 1);
}

bool statsreport_is_loss(enum stat_id id)
{
	switch (id) {
	case STAT_DROP_QUEUE_FULL:
	case STAT_DROP_NETLINK:
	case STAT_DROP_FS_OVERFLOW:
	case STAT_DROP_AUDIT:
	case STAT_DROP_UNKNOWN:
	case STAT_DROP_PERF:
	case STAT_DROP_BPF:
	case STAT_RESYNC:
	case STAT_WATCH_LOST:
		return true;
	default:
		return false;
	}
}

static bool loss_grew(const struct statsreport *r,
		      const uint64_t counters[STAT_COUNT])
{
	for (int i = 0; i < STAT_COUNT; i++)
		if (statsreport_is_loss((enum stat_id)i) &&
		    counters[i] > r->loss_seen[i])
			return true;
	return false;
}

static void format_loss(const struct statsreport *r,
			const uint64_t counters[STAT_COUNT], char *buf,
			size_t cap)
{
	size_t len = 0;

	if (cap == 0)
		return;
	buf[0] = '\0';
	for (int i = 0; i < STAT_COUNT; i++) {
		int n;

		if (!statsreport_is_loss((enum stat_id)i) ||
		    counters[i] <= r->loss_seen[i])
			continue;
		n = snprintf(buf + len, cap - len, "%s%s +%llu", len ? ", " : "",
			     stats_name((enum stat_id)i),
			     (unsigned long long)(counters[i] - r->loss_seen[i]));
		if (n < 0 || (size_t)n >= cap - len)
			return;	/* cut: snprintf left it terminated */
		len += (size_t)n;
	}
}

unsigned int statsreport_due(struct statsreport *r,
			     const uint64_t counters[STAT_COUNT],
			     uint64_t now_ns, char *loss, size_t cap)
{
	/* What the limit holds back stays in loss_seen's difference and goes
	 * out with the next warning, so its own count is not needed. */
	if (loss_grew(r, counters) &&
	    log_limit_pass(&r->loss_limit, now_ns, NULL)) {
		format_loss(r, counters, loss, cap);
		memcpy(r->loss_seen, counters, sizeof(r->loss_seen));
		/* The warning carries the counters line: it counts as one. */
		statsreport_line_logged(r, counters, now_ns);
		return STATSREPORT_LOSS;
	}
	if (r->interval_ns != 0 && now_ns - r->line_ns >= r->interval_ns &&
	    memcmp(r->line_seen, counters, sizeof(r->line_seen)) != 0) {
		statsreport_line_logged(r, counters, now_ns);
		return STATSREPORT_LINE;
	}
	return 0;
}

void statsreport_line_logged(struct statsreport *r,
			     const uint64_t counters[STAT_COUNT],
			     uint64_t now_ns)
{
	memcpy(r->line_seen, counters, sizeof(r->line_seen));
	r->line_ns = now_ns;
}
