/*
 * summary.h - --summary: what a run showed, counted as it goes.
 *
 * Promises: the accounting behind the end-of-run report, fed one event
 * at a time by the receiver (frames, error lines, silences, connections
 * opening and closing).  Every table is a fixed array inside struct
 * recv_summary, sized by the limits below: nothing is allocated per
 * frame, and a run that outgrows a table is counted, not lost (its
 * events go to the table's "overflow", reported as such).  Lookups are
 * open-addressed hashes, so a frame costs a few comparisons whatever the
 * run's length.  Pure: no I/O, no clock, no global state; the struct is
 * big (about a megabyte), so the caller allocates it once.
 *
 * What is kept:
 *  - span: host time of the first and last frame; the smallest and the
 *    largest guest_monotonic_ns;
 *  - frames per probe, decode errors per name, silences;
 *  - connections: how many, how many ended each way (by the reason the
 *    receiver gave), and the first RECV_SUMMARY_MAX_CONNS one by one;
 *  - per comm: processes spawned, connect attempts, denials, watched-path
 *    events (RECV_SUMMARY_MAX_COMMS distinct comms per table);
 *  - processes running at the end: spawned and not (yet) exited, by
 *    connection and pid (RECV_SUMMARY_MAX_LIVE at once).
 */
#ifndef RECV_SUMMARY_H
#define RECV_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cellos_wire.h"

/* Names listed per table in the report; the rest are "others". */
#define RECV_SUMMARY_TOP 20
/* Distinct comms kept per table, and its hash slots (twice as many, so a
 * probe sequence stays short). */
#define RECV_SUMMARY_MAX_COMMS 256
#define RECV_SUMMARY_COMM_SLOTS (2 * RECV_SUMMARY_MAX_COMMS)
/* Processes tracked as running at once, and the slots. */
#define RECV_SUMMARY_MAX_LIVE 4096
#define RECV_SUMMARY_LIVE_SLOTS (2 * RECV_SUMMARY_MAX_LIVE)
/* Connections listed one by one (the rest are only counted). */
#define RECV_SUMMARY_MAX_CONNS 64
/* Distinct reasons a connection ended; more go to "other". */
#define RECV_SUMMARY_MAX_ENDINGS 16
/* A reason's text, cut to fit. */
#define RECV_SUMMARY_WHY_BYTES 64

_Static_assert((RECV_SUMMARY_COMM_SLOTS & (RECV_SUMMARY_COMM_SLOTS - 1)) == 0,
	       "comm slots: a power of two");
_Static_assert((RECV_SUMMARY_LIVE_SLOTS & (RECV_SUMMARY_LIVE_SLOTS - 1)) == 0,
	       "live slots: a power of two");

struct recv_comm_count {
	uint64_t count;  /* 0: slot free */
	uint8_t len;
	char comm[WIRE_COMM_MAX_BYTES + 1];
};

struct recv_comm_table {
	uint64_t total;    /* every event counted, kept or overflowed */
	uint64_t overflow; /* events whose comm found the table full */
	unsigned used;     /* distinct comms kept */
	struct recv_comm_count slot[RECV_SUMMARY_COMM_SLOTS];
};

struct recv_live {
	bool used;
	uint8_t len;
	uint32_t pid;
	uint64_t conn;
	char comm[WIRE_COMM_MAX_BYTES + 1];
};

struct recv_live_table {
	unsigned used;
	uint64_t overflow; /* spawns not tracked: the table was full */
	struct recv_live slot[RECV_SUMMARY_LIVE_SLOTS];
};

struct recv_summary_conn {
	uint64_t id;
	uint64_t frames;  /* whole frames, good or bad */
	uint64_t bytes;
	bool closed;      /* false: still open when the report was made */
	char why[RECV_SUMMARY_WHY_BYTES];
};

struct recv_summary_ending {
	uint64_t count;
	char why[RECV_SUMMARY_WHY_BYTES];
};

struct recv_summary {
	uint64_t frames;
	uint64_t by_probe[WIRE_PROBE_COUNT];
	uint64_t errors;
	uint64_t by_error[WIRE_ERR_COUNT + 1]; /* [WIRE_ERR_COUNT]: out of range */
	uint64_t silences;
	struct timespec host_first, host_last; /* valid when frames > 0 */
	uint64_t guest_min_ns, guest_max_ns;   /* valid when frames > 0 */

	uint64_t connections;       /* opened */
	uint64_t closed;            /* closed (the rest are still open) */
	unsigned n_conns;           /* listed in conns */
	struct recv_summary_conn conns[RECV_SUMMARY_MAX_CONNS];
	unsigned n_endings;
	uint64_t other_endings;     /* closes whose reason found the table full */
	struct recv_summary_ending endings[RECV_SUMMARY_MAX_ENDINGS];

	/* By probe: spawned, denied, fs and connect (exited has none). */
	struct recv_comm_table by_comm[WIRE_PROBE_COUNT];
	struct recv_live_table live;
};

void recv_summary_init(struct recv_summary *s);

void recv_summary_frame(struct recv_summary *s, const struct timespec *host,
			uint64_t conn, const struct wire_event *ev);
void recv_summary_error(struct recv_summary *s, enum wire_error code);
void recv_summary_silence(struct recv_summary *s);
void recv_summary_conn_open(struct recv_summary *s, uint64_t id);
void recv_summary_conn_close(struct recv_summary *s, uint64_t id,
			     const char *why, uint64_t frames, uint64_t bytes);

/* The table a probe's per-comm counts go to, or NULL (exited). */
const struct recv_comm_table *recv_summary_comms(const struct recv_summary *s,
						 enum wire_probe p);

/* Up to cap entries of t, most frequent first (ties: comm bytes in
 * order), into out; returns how many. */
size_t recv_summary_top(const struct recv_comm_table *t,
			const struct recv_comm_count **out, size_t cap);

/* Up to cap running processes, by connection then pid, into out; returns
 * how many (s->live.used in all). */
size_t recv_summary_running(const struct recv_summary *s,
			    const struct recv_live **out, size_t cap);

#endif
