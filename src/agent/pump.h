/*
 * pump.h - the single way into the stream (pump_emit, declared in
 * source.h).
 *
 * pump_emit() sanitizes comm through the wire library, clamps the
 * timestamp so guest_monotonic_ns is strictly increasing over the whole
 * run, encodes the record (a wire frame, or a JSON line for people) into a
 * stack buffer and hands it to the sink.  A refused push (queue full) is
 * counted in STAT_DROP_QUEUE_FULL; every record built counts in
 * STAT_PRODUCED.  No allocation, no blocking.
 */
#ifndef CELLOS_AGENT_PUMP_H
#define CELLOS_AGENT_PUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "source.h"

enum pump_format {
	PUMP_FORMAT_FRAMES = 0, /* wire v1 frames (the product) */
	PUMP_FORMAT_JSON,       /* one JSON object per line (--format=json) */
};

/* Take one whole record; false when it does not fit (dropped). */
typedef bool (*pump_push_fn)(void *ctx, const uint8_t *rec, size_t len);

struct pump {
	enum pump_format format;
	pump_push_fn push;
	void *push_ctx;
	uint64_t last_ts;       /* last guest_monotonic_ns sent */
	uint64_t encode_errors; /* cannot happen with a sanitized comm */
	unsigned int probes;    /* probes that may pass (1u << enum wire_probe) */
};

void pump_init(struct pump *p, enum pump_format format, pump_push_fn push,
	       void *push_ctx);

/* Only these probes (a mask of 1u << enum wire_probe, --probes) reach the
 * stream; pump_init() lets every probe through.  So a source serving
 * several probes (process.spawned and process.exited) need not know the
 * choice.  A probe left out is not an event: nothing is counted. */
void pump_set_probes(struct pump *p, unsigned int mask);

/* The timestamp the next event with kernel time ts_ns gets: ts_ns, or
 * one more than the last one sent if that is not larger.  0 means
 * "unknown" and takes the current time.  Updates the pump's state. */
uint64_t pump_clamp_ts(struct pump *p, uint64_t ts_ns);

#endif /* CELLOS_AGENT_PUMP_H */
