/*
 * audit_rules.h - the kernel audit rules behind the audit probes, and what
 * a record produced under them means.
 *
 * This module promises: the exact bytes of every struct audit_rule_data the
 * agent installs (so the same bytes delete them again), a test for "this
 * listed rule is one of ours" (every rule carries the filter key
 * AUDIT_RULES_KEY, whatever the pid it excludes), and the classification of
 * a parsed SYSCALL record into probes.  Pure functions: no I/O.
 *
 * The rules (all on the syscall-exit list, action "always", each with
 * "pid != <agent>" so the agent's own syscalls never make a record):
 *   net.connect_attempted: connect(2), native arch; on x86-64 also the
 *       i386 connect and socketcall(SYS_CONNECT, ...).
 *   capability.denied: any syscall that returns -EPERM, and any that
 *       returns -EACCES, except the access(2) family (access, faccessat,
 *       faccessat2), which only asks whether an operation would be allowed
 *       and is refused nothing; native arch and the compat arch.
 * and, whatever the probes, exclusions (exclude list, action "never") of
 * the record types that accompany a SYSCALL record and that the agent
 * never reads (PROCTITLE, SOCKADDR, CWD, PATH, EOE): the kernel then
 * builds and queues one record per event instead of four or five.  An
 * exclusion cannot carry the key (the kernel's exclude filter gives up at
 * a field it does not evaluate), so "ours" is also "exactly one of these
 * exclusions".
 */
#ifndef CELLOS_AGENT_AUDIT_RULES_H
#define CELLOS_AGENT_AUDIT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/audit.h>

#include "audit_record.h"

/* The filter key on every rule the agent installs (and on its records). */
#define AUDIT_RULES_KEY "cellos-telemetry"

/* Probes this module knows, as bits. */
enum audit_probe_bit {
	AUDIT_PROBE_CONNECT = 1u << 0,   /* net.connect_attempted */
	AUDIT_PROBE_DENIED  = 1u << 1,   /* capability.denied */
};
#define AUDIT_PROBE_ALL (AUDIT_PROBE_CONNECT | AUDIT_PROBE_DENIED)

/* Most rules built for any set of probes. */
#define AUDIT_RULES_MAX 16

/* Room for the fixed part plus the key (rounded up to 4 bytes). */
#define AUDIT_RULE_WORDS \
	((sizeof(struct audit_rule_data) + sizeof(AUDIT_RULES_KEY) + 3) / 4)

struct audit_rule {
	unsigned probe;        /* the one probe bit this rule serves; 0 for
				* an exclusion, which serves them all */
	bool compat;           /* for the compat (32-bit) syscall ABI */
	bool optional;         /* if the kernel refuses it, the probe still
				* works (compat ABI rules, exclusions) */
	size_t len;            /* bytes of words[] to send */
	uint32_t words[AUDIT_RULE_WORDS];   /* struct audit_rule_data + key */
};

/* The rule's data as the kernel struct. */
static inline struct audit_rule_data *audit_rule_data(struct audit_rule *r)
{
	return (struct audit_rule_data *)(void *)r->words;
}

/*
 * Build the rules for probes (enum audit_probe_bit), excluding self_pid,
 * into out[0..max).  Returns how many were built (0 when this
 * architecture is unsupported or probes is 0).
 */
size_t audit_rules_build(unsigned probes, uint32_t self_pid,
			 struct audit_rule *out, size_t max);

/* data/len is a rule as the kernel lists it (AUDIT_LIST_RULES payload):
 * true when it is well formed and carries AUDIT_RULES_KEY, or is exactly
 * one of the exclusions audit_rules_build() makes. */
bool audit_rule_is_ours(const void *data, size_t len);

/*
 * Which of the armed probes a SYSCALL record is evidence for (0 for
 * none).  One record can be both (a connect refused with EPERM).
 */
unsigned audit_classify(const struct audit_record *r, unsigned armed);

/* The native AUDIT_ARCH_* of this build, 0 when unsupported. */
uint32_t audit_native_arch(void);

#endif /* CELLOS_AGENT_AUDIT_RULES_H */
