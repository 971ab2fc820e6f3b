/*
 * source.h - the seam between event sources and the rest of the agent,
 * and the lifecycle every source follows.
 *
 * A source is one or more fds plus handlers registered in the reactor
 * (reactor.h), with its timers from clock.h.  When it has an event it
 * calls pump_emit(); that is the only way into the stream.  pump_emit()
 * sanitizes comm, clamps the timestamp so the stream's guest_monotonic_ns
 * is strictly increasing, encodes the frame into the sink's queue
 * (dropping and counting if the queue is full) and never blocks or
 * allocates.  Sources count their own losses with stats_add() (stats.h)
 * and log through log.h.
 *
 * Lifecycle (procsrc, fswatch, audit, and every source added later):
 *
 *   int  <source>_start(struct <source> *s, const struct source_env *env,
 *                       <its configuration>, struct source_msg *msg);
 *   void <source>_stop(struct <source> *s);
 *
 * - The state is a struct the caller (main) owns; no source keeps a
 *   file-scope singleton.
 * - _start returns 0 when the source runs: msg->armed holds the probes it
 *   armed (a mask of 1u << enum wire_probe).  A probe it could not arm
 *   while others run is the source's to log.  Otherwise it returns a
 *   negative errno value, msg->text holds one line saying why (without a
 *   level or program prefix; the caller decides how loud), and nothing is
 *   left open or registered.
 * - _stop reads what is already queued (so it still leaves with the
 *   drain), unregisters, closes and frees.  It is safe on a source whose
 *   start failed, on a zeroed struct, and twice.
 *
 * Error codes are negative errno values throughout the agent (return
 * -ENOENT, never a positive errno); functions that wrap one system call
 * (reactor_add) keep that call's -1 with errno.  Cleanup after a failed
 * step unwinds with goto to labels in reverse order of setup.
 */
#ifndef CELLOS_AGENT_SOURCE_H
#define CELLOS_AGENT_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "cellos_wire.h"
#include "clock.h"
#include "log.h"
#include "reactor.h"
#include "stats.h"

struct pump;

/* Hand one event to the stream.  comm_raw is untrusted bytes (len bytes,
 * or up to the first NUL); ts_ns is the event's CLOCK_MONOTONIC time as
 * best the source knows it. */
void pump_emit(struct pump *p, enum wire_probe probe, uint32_t pid,
	       const void *comm_raw, size_t comm_len, uint64_t ts_ns);

/* What every source's start gets from main. */
struct source_env {
	struct reactor *r;
	struct pump *pump;
};

/* Room for a start's one-line reason (it may quote a path). */
#define SOURCE_MSG_BYTES 4352

/* What a source's start says back (see the lifecycle above). */
struct source_msg {
	unsigned int armed;             /* probes armed: 1u << enum wire_probe */
	char text[SOURCE_MSG_BYTES];    /* why it failed; "" when it runs */
};

/* Set msg->text (printf-style); returns err, so a failing start can
 * `return source_fail(msg, -ENOENT, "...", ...)`. */
int source_fail(struct source_msg *msg, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* CELLOS_AGENT_SOURCE_H */
