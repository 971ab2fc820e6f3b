/*
 * stats.h - the receiver's counters, printed to stderr at exit.
 *
 * Promises: plain counters, no allocation; recv_stats_log prints them as
 * one log line "stats: frames=N bytes=N connections=N refused=N
 * silenced=N errors=N" followed, when errors > 0, by one "errors: NAME=N
 * ..." line naming each error that occurred.
 */
#ifndef RECV_STATS_H
#define RECV_STATS_H

#include <stdint.h>

#include "cellos_wire.h"

struct recv_stats {
	uint64_t frames;      /* frames decoded and printed */
	uint64_t bytes;       /* bytes received, all connections */
	uint64_t connections; /* connections accepted (and kept) */
	uint64_t refused;     /* connections closed at once: table full */
	uint64_t silenced;    /* agent_silenced lines */
	uint64_t errors;      /* error lines, all kinds */
	uint64_t by_error[WIRE_ERR_COUNT + 1]; /* [WIRE_ERR_COUNT]: out of range */
};

void recv_stats_count_error(struct recv_stats *s, enum wire_error code);
void recv_stats_log(const struct recv_stats *s);

#endif
