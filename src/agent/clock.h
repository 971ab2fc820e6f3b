/*
 * clock.h - the agent's time: CLOCK_MONOTONIC in ns, and one-shot timers
 * that are timerfds in the reactor.
 *
 * Promises: every time the agent compares or stamps is clock_now_ns();
 * every timer is a struct clock_timer, so its descriptor is registered,
 * armed, acknowledged and closed in one place.  Nothing is allocated.
 */
#ifndef CELLOS_AGENT_CLOCK_H
#define CELLOS_AGENT_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "reactor.h"

#define CLOCK_NS_PER_MS 1000000ULL
#define CLOCK_NS_PER_SEC 1000000000ULL

/* CLOCK_MONOTONIC now, in ns. */
uint64_t clock_now_ns(void);

struct clock_timer {
	int fd;               /* -1: not open */
	bool armed;           /* armed and not yet acknowledged */
	struct reactor *r;
};

/* Mark t closed (fd -1), so clock_timer_close() is safe before open. */
void clock_timer_init(struct clock_timer *t);

/* Create a non-blocking timerfd and register it in r with fn(ctx) as its
 * handler.  0, or a negative errno value (nothing is left open). */
int clock_timer_open(struct clock_timer *t, struct reactor *r, reactor_fn fn,
		     void *ctx);

/* Fire once at the absolute clock_now_ns() time abs_ns (0 disarms), or
 * delay_ns from now.  0, or a negative errno value. */
int clock_timer_arm_at(struct clock_timer *t, uint64_t abs_ns);
int clock_timer_arm_in(struct clock_timer *t, uint64_t delay_ns);

/* Consume an expiry (call first thing in the handler). */
void clock_timer_ack(struct clock_timer *t);

/* Unregister and close; safe when not open, and twice. */
void clock_timer_close(struct clock_timer *t);

#endif /* CELLOS_AGENT_CLOCK_H */
