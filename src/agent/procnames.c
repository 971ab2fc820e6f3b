/*
 * procnames.c - perf rings + name history for the process source (see
 * procnames.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>

#include "clock.h"
#include "procmodel.h"
#include "procnames.h"
#include "source.h"
#include "stats.h"

static void on_record(void *ctx, const struct perfcomm_rec *r)
{
	struct procnames *pn = ctx;

	commstore_record(&pn->store, r);
}

static void on_lost(void *ctx, uint64_t n, uint64_t time)
{
	struct procnames *pn = ctx;

	commstore_lost(&pn->store, n, time);
	if (n == 0)
		return; /* a full ring: the count comes with the kernel's record */
	stats_add(STAT_DROP_PERF, n);
	agent_log_limited(&pn->lost_log, clock_now_ns(), LOG_WARN,
			  "perf side-band: ring overrun, %llu records lost (%llu so far); "
			  "their names fall back to /proc (raise --perf-ring-pages?)",
			  (unsigned long long)n, (unsigned long long)pn->store.lost);
}

static void on_ring_half_full(void *ctx, uint32_t events)
{
	(void)events;
	procnames_drain(ctx);
}

int procnames_start(struct procnames *pn, struct reactor *r, bool disabled,
		    size_t pages, char *why, size_t why_len)
{
	const struct perfcomm_sink sink = { pn, on_record, on_lost };

	memset(pn, 0, sizeof(*pn));
	pn->r = r;
	pn->lost_log = (struct log_limit)LOG_LIMIT_INIT("perf side-band",
							PROCNAMES_LOG_INTERVAL_NS, 1);
	if (disabled) {
		snprintf(why, why_len, "--no-perf");
		return -1;
	}
	if (commstore_init(&pn->store) < 0) {
		snprintf(why, why_len, "name table: %s", strerror(errno));
		return -1;
	}
	if (perfcomm_open(&pn->perf, pages, &sink) < 0) {
		int e = errno;
		int paranoid = perfcomm_paranoid();
		if (paranoid != INT32_MIN)
			snprintf(why, why_len, "perf_event_open: %s (perf_event_paranoid %d%s)",
				 strerror(e), paranoid,
				 e == EACCES || e == EPERM ? "; needs CAP_PERFMON or CAP_SYS_ADMIN" : "");
		else
			snprintf(why, why_len, "perf_event_open: %s", strerror(e));
		commstore_fini(&pn->store);
		return -1;
	}
	for (size_t i = 0; i < pn->perf.n_rings; i++)
		if (reactor_add(r, pn->perf.rings[i].fd, EPOLLIN, on_ring_half_full, pn) < 0)
			agent_log(LOG_WARN, "perf side-band: cpu %d: no half-full wakeup: %s",
				  pn->perf.rings[i].cpu, strerror(errno));
	pn->active = true;
	snprintf(why, why_len, "%zu CPUs, %zu pages a ring", pn->perf.n_rings, pages);
	return 0;
}

void procnames_drain(struct procnames *pn)
{
	if (pn->active)
		(void)perfcomm_drain(&pn->perf);
}

void procnames_stop(struct procnames *pn)
{
	if (!pn->active)
		return;
	for (size_t i = 0; i < pn->perf.n_rings; i++)
		(void)reactor_del(pn->r, pn->perf.rings[i].fd);
	perfcomm_close(&pn->perf);
	commstore_fini(&pn->store);
	pn->active = false;
}

static int answer(int n)
{
	if (n == COMMSTORE_LATER)
		return PM_NAME_LATER;
	return n < 0 ? PM_NAME_UNKNOWN : n;
}

int procnames_exec_name(void *ctx, uint32_t tgid, uint64_t ts,
			char comm[PT_COMM_LEN])
{
	struct procnames *pn = ctx;

	if (!pn->active)
		return PM_NAME_UNKNOWN;
	return answer(commstore_exec_name(&pn->store, tgid, ts, comm));
}

int procnames_exit_name(void *ctx, uint32_t tgid, uint64_t ts,
			char comm[PT_COMM_LEN])
{
	struct procnames *pn = ctx;

	if (!pn->active)
		return PM_NAME_UNKNOWN;
	return answer(commstore_exit_name(&pn->store, tgid, ts, comm));
}
