/*
 * backoff.h - capped exponential backoff with jitter, for reconnecting.
 *
 * What it promises: backoff_next() returns the delay before the next
 * attempt.  The nominal delay starts at base, doubles after every attempt
 * and stops growing at cap; the returned delay is the nominal one moved by
 * a uniformly drawn +-jitter_pct percent, so a fleet of agents that lost
 * the host at the same moment does not reconnect in lockstep.  It is never
 * 0 (a zero timerfd value would disarm the timer).  backoff_reset() goes
 * back to base (after a connection was established).  Pure: the only
 * state is the struct and the caller's PRNG state, so it is unit-testable
 * with a fixed seed.
 */
#ifndef CELLOS_AGENT_BACKOFF_H
#define CELLOS_AGENT_BACKOFF_H

#include <stdint.h>

#define BACKOFF_NS_PER_MS 1000000ULL
/* The sink's schedule: 50 ms, 100 ms, ... up to 5 s, each +-20 %. */
#define BACKOFF_BASE_NS (50 * BACKOFF_NS_PER_MS)
#define BACKOFF_CAP_NS (5000 * BACKOFF_NS_PER_MS)
#define BACKOFF_JITTER_PCT 20U
/* Larger jitter would let a delay reach 0 or double the cap. */
#define BACKOFF_JITTER_PCT_MAX 50U

struct backoff {
	uint64_t base_ns;
	uint64_t cap_ns;
	uint64_t nominal_ns;  /* the next attempt's delay before jitter */
	unsigned jitter_pct;
};

/* base_ns >= 1, cap_ns >= base_ns (raised to base_ns otherwise),
 * jitter_pct is clamped to BACKOFF_JITTER_PCT_MAX. */
void backoff_init(struct backoff *b, uint64_t base_ns, uint64_t cap_ns,
		  unsigned jitter_pct);
uint64_t backoff_next(struct backoff *b, uint64_t *rng);
void backoff_reset(struct backoff *b);

/* A small, fast PRNG (splitmix64): any seed, including 0, is fine. */
uint64_t backoff_rand(uint64_t *state);

#endif /* CELLOS_AGENT_BACKOFF_H */
