/*
 * backoff.c - capped exponential backoff with jitter (see backoff.h).
 */
#include "config.h"

#include "backoff.h"

void backoff_init(struct backoff *b, uint64_t base_ns, uint64_t cap_ns,
		  unsigned jitter_pct)
{
	if (base_ns == 0)
		base_ns = 1;
	if (cap_ns < base_ns)
		cap_ns = base_ns;
	if (jitter_pct > BACKOFF_JITTER_PCT_MAX)
		jitter_pct = BACKOFF_JITTER_PCT_MAX;
	b->base_ns = base_ns;
	b->cap_ns = cap_ns;
	b->nominal_ns = base_ns;
	b->jitter_pct = jitter_pct;
}

void backoff_reset(struct backoff *b)
{
	b->nominal_ns = b->base_ns;
}

uint64_t backoff_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t backoff_next(struct backoff *b, uint64_t *rng)
{
	uint64_t nominal = b->nominal_ns;
	/* Split the multiplication so a cap near UINT64_MAX cannot overflow. */
	uint64_t span = nominal / 100 * b->jitter_pct +
			nominal % 100 * b->jitter_pct / 100;
	uint64_t delay = nominal - span;

	if (span > 0)
		delay += backoff_rand(rng) % (2 * span + 1);
	if (delay == 0)
		delay = 1;
	b->nominal_ns = nominal > b->cap_ns / 2 ? b->cap_ns : nominal * 2;
	return delay;
}
