/*
 * audit.h - the audit source: capability.denied and net.connect_attempted
 * from the kernel audit subsystem (NETLINK_AUDIT, through libmnl).
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
 *   those on audit_source_stop().  Rules with that key left by an earlier
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

#include "agent/source.h"

/* The probes this source can serve, as a mask of (1u << enum wire_probe). */
#define AUDIT_SOURCE_PROBES \
	((1u << WIRE_PROBE_CAPABILITY_DENIED) | \
	 (1u << WIRE_PROBE_NET_CONNECT_ATTEMPTED))

/*
 * Arm the probes of want (a mask of 1u << enum wire_probe; bits outside
 * AUDIT_SOURCE_PROBES are ignored).  Returns the mask actually armed; each
 * requested probe that could not be armed is logged with the reason.
 * Startup talks to the kernel synchronously, with a bounded wait per
 * request.  Call once.
 */
unsigned audit_source_start(struct reactor *r, struct pump *p, unsigned want);

/*
 * Read what is already queued, then remove the rules, restore the audit
 * status and unregister.  Safe to call when nothing was armed, and twice.
 */
void audit_source_stop(void);

#endif /* CELLOS_AGENT_AUDIT_H */
