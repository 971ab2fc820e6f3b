/*
 * audit_ctl.h - what the audit source changes in the kernel, and how it
 * undoes it: its rules (installed, removed, stale ones from an earlier
 * run cleared) and the audit status (enabled, backlog limit and wait
 * time; the daemon registration).  Part of the audit source (audit.h):
 * its struct audit holds a struct audit_ctl.  Every request is bounded
 * (audit_nl.h).  Error codes are negative errno values.
 */
#ifndef CELLOS_AGENT_AUDIT_CTL_H
#define CELLOS_AGENT_AUDIT_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit_nl.h"
#include "audit_rules.h"
#include "source.h"

/* What the source holds in the kernel, and what it changed there. */
struct audit_ctl {
	struct audit_nl req;            /* requests; the periodic AUDIT_GET */
	struct audit_nl ev;             /* registered as the audit daemon */
	uint32_t self;                  /* the agent's pid */
	struct audit_rule rules[AUDIT_RULES_MAX];
	bool installed[AUDIT_RULES_MAX];
	size_t n_rules;
	bool registered;
	struct audit_status saved;      /* status before we changed it */
	uint32_t changed;               /* AUDIT_STATUS_* we changed */
};

/* Kernel queue length we ask for (the default, 64, overflows on a burst). */
#define AUDIT_BACKLOG_LIMIT 8192
/* Stale rules removed per listing pass, and passes. */
#define AUDIT_STALE_MAX 16
#define AUDIT_STALE_PASSES 4

/* Become the audit daemon (on the ev socket).  0 or a negative errno
 * (-EEXIST: another daemon is registered). */
int audit_ctl_register(struct audit_ctl *c);
void audit_ctl_unregister(struct audit_ctl *c);

/* Change the status fields the source needs; remember what to restore.
 * A negative errno value only when auditing cannot be enabled. */
int audit_ctl_tune_status(struct audit_ctl *c, const struct audit_status *old);
void audit_ctl_restore_status(struct audit_ctl *c);

/* Remove rules with our key left by an agent that died without cleaning
 * up. */
void audit_ctl_remove_stale(struct audit_ctl *c);

/* Install the rules of the wanted probes (AUDIT_PROBE_* bits); returns
 * the probes whose required rules all went in.  When some did not, *err
 * is the kernel's (negative) error and msg->text says why. */
unsigned audit_ctl_install_rules(struct audit_ctl *c, unsigned want, int *err,
				 struct source_msg *msg);

/* Delete the installed rules serving probes, or every installed rule. */
void audit_ctl_delete_rules(struct audit_ctl *c, unsigned probes, bool all);

#endif /* CELLOS_AGENT_AUDIT_CTL_H */
