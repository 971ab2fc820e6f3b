/*
 * source.h - the seam between event sources and the rest of the agent.
 *
 * A source is an fd plus a handler registered in the reactor.  When it has
 * an event it calls pump_emit(); that is the only way into the stream.
 * pump_emit() sanitizes comm, clamps the timestamp so the stream's
 * guest_monotonic_ns is strictly increasing, encodes the frame into the
 * sink's queue (dropping and counting if the queue is full) and never
 * blocks or allocates.  Sources count their own losses with stats_add().
 */
#ifndef CELLOS_AGENT_SOURCE_H
#define CELLOS_AGENT_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "cellos_wire.h"

struct reactor;
struct pump;

/* Called with the epoll events that fired for fd. */
typedef void (*reactor_fn)(void *ctx, uint32_t events);

/* Register fd (already non-blocking) for events (EPOLLIN, ...).  Returns 0
 * or -1 with errno set. */
int reactor_add(struct reactor *r, int fd, uint32_t events, reactor_fn fn,
		void *ctx);
int reactor_mod(struct reactor *r, int fd, uint32_t events);
int reactor_del(struct reactor *r, int fd);

/* Hand one event to the stream.  comm_raw is untrusted bytes (len bytes,
 * or up to the first NUL); ts_ns is the event's CLOCK_MONOTONIC time as
 * best the source knows it. */
void pump_emit(struct pump *p, enum wire_probe probe, uint32_t pid,
	       const void *comm_raw, size_t comm_len, uint64_t ts_ns);

/* Health counters, logged when they change, on SIGUSR1 and at exit. */
enum stat_id {
	STAT_PRODUCED = 0,       /* frames built by pump_emit */
	STAT_WRITTEN,            /* frames fully written to the sink */
	STAT_QUEUED,             /* gauge: frames in the queue now */
	STAT_DROP_QUEUE_FULL,    /* frames dropped: queue full */
	STAT_DROP_NETLINK,       /* proc connector messages lost (seq gaps, ENOBUFS) */
	STAT_DROP_FS_OVERFLOW,   /* fanotify/inotify queue overflows */
	STAT_DROP_AUDIT,         /* audit records lost (kernel lost counter, ENOBUFS) */
	STAT_DROP_UNKNOWN,       /* anything else lost */
	STAT_DROP_PERF,          /* perf side-band records lost (ring overruns) */
	STAT_COMM_UNRESOLVED,    /* events sent with comm "" */
	STAT_RESYNC,             /* process-table resynchronisations from /proc */
	STAT_WATCH_LOST,         /* watched paths that disappeared */
	STAT_RECONNECTS,         /* sink connections established */
	STAT_COUNT
};

void stats_add(enum stat_id id, uint64_t n);
void stats_set(enum stat_id id, uint64_t v);
uint64_t stats_get(enum stat_id id);
const char *stats_name(enum stat_id id);

/* Log to stderr as "cellos-telemetry: <level>: <message>". */
enum log_level { LOG_ERR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };
void agent_log(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* CLOCK_MONOTONIC now, in ns. */
uint64_t mono_now_ns(void);

/* Touch every page of buf[0..len) so it is resident now: the agent's
 * memory is allocated and touched at start and never grows after.  (A
 * memset after malloc is turned into calloc by the compiler, which
 * touches nothing.) */
void agent_prefault(void *buf, size_t len);

/* Timers are timerfds in the reactor.  agent_timer_create() returns a
 * non-blocking CLOCK_MONOTONIC timerfd or -1 with errno set;
 * agent_timer_arm_at() arms it to fire once at the absolute time abs_ns
 * (0 disarms); agent_timer_ack() consumes an expiry.  Each returns 0 or -1
 * with errno set. */
int agent_timer_create(void);
int agent_timer_arm_at(int tfd, uint64_t abs_ns);
int agent_timer_ack(int tfd);

#endif /* CELLOS_AGENT_SOURCE_H */
