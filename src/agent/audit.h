/*
 * audit.h - the audit source: capability.denied and net.connect_attempted
 * from the kernel audit subsystem (NETLINK_AUDIT, through libmnl).
 *
 *   audit.c          the source: start, stop, the record path
 *   audit_ctl.c      rules and audit status: install, remove, tune, restore
 *   audit_nl.c       the request/reply layer (audit_nl.h)
 *   audit_rules.c    building and recognising the rules (pure)
 *   audit_record.c   parsing a SYSCALL record (pure)
 *
 * What it promises:
 * - It becomes the audit daemon (AUDIT_SET with AUDIT_STATUS_PID): in the
 *   guest the agent is the only audit consumer, and a registered daemon
 *   gets every record reliably (queued, counted in the kernel's "lost"
 *   when the queue overflows) instead of the multicast group's best
 *   effort plus printk of every record to the console.  When another
 *   daemon is registered and alive (AUDIT_GET names a live pid, or the
 *   kernel answers EEXIST), the audit probes are refused with one log
 *   line and the rest of the agent runs.  A live daemon is not asked to
 *   step aside: the kernel would wait on it inside our request.
 * - The workload never waits for it: backlog_wait_time is set to 0 so a
 *   full kernel queue drops (and counts) records instead of putting the
 *   auditing task to sleep, and the backlog limit is raised for bursts.
 * - It installs only the rules in audit_rules.h, each tagged with the key
 *   "cellos-telemetry" and excluding the agent's pid, and removes exactly
 *   those on audit_stop().  Rules with that key left by an earlier
 *   run that died without cleaning up are removed at start.  The audit
 *   status it changed (enabled, backlog limit, wait time) is restored on
 *   stop.
 * - One SYSCALL record gives one frame per probe it is evidence for, with
 *   the record's pid and comm and its time converted to CLOCK_MONOTONIC
 *   (see audit_record.h).  Records of the agent's own pid are dropped.
 * - The kernel's lost counter (polled each second with AUDIT_GET) and
 *   receive overruns (ENOBUFS) are added to STAT_DROP_AUDIT.
 */
#ifndef CELLOS_AGENT_AUDIT_H
#define CELLOS_AGENT_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit_ctl.h"
#include "audit_nl.h"
#include "source.h"

/* The probes this source can serve, as a mask of (1u << enum wire_probe). */
#define AUDIT_SOURCE_PROBES \
	((1u << WIRE_PROBE_CAPABILITY_DENIED) | \
	 (1u << WIRE_PROBE_NET_CONNECT_ATTEMPTED))

/* The source's state: main owns it; the fields are private to audit*.c. */
struct audit {
	bool started;
	struct reactor *reactor;
	struct pump *pump;
	struct audit_nl_handlers handlers;
	struct audit_ctl k;             /* the sockets, rules and status */
	struct clock_timer poll;        /* AUDIT_GET for the lost counter */
	bool ev_in_reactor, req_in_reactor;
	unsigned armed;                 /* AUDIT_PROBE_* */
	uint32_t lost_seen;
	bool enobufs_logged;
};

/*
 * Arm the probes of want (a mask of 1u << enum wire_probe; bits outside
 * AUDIT_SOURCE_PROBES are ignored), as in source.h: 0 with msg->armed the
 * probes armed (each requested probe that could not be armed while
 * others run is logged with the reason), or a negative errno value with
 * msg->text saying why none could be.  Startup talks to the kernel
 * synchronously, with a bounded wait per request.
 */
int audit_start(struct audit *a, const struct source_env *env, unsigned want,
		struct source_msg *msg);

/*
 * Read what is already queued, then remove the rules, restore the audit
 * status and unregister.  Safe on a zeroed or failed source, and twice.
 */
void audit_stop(struct audit *a);

#endif /* CELLOS_AGENT_AUDIT_H */
