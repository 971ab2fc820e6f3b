/*
 * audit_ctl.h - what the audit source changes in the kernel, and how it
 * undoes it: its rules (installed, removed, stale ones from an earlier
 * run cleared) and the audit status (enabled, backlog limit and wait
 * time; the daemon registration).  Private to audit*.c; every request is
 * bounded (audit_nl.h).  Error codes are negative errno values.
 */
#ifndef CELLOS_AGENT_AUDIT_CTL_H
#define CELLOS_AGENT_AUDIT_CTL_H

#include <stdbool.h>

#include "audit.h"

/* Kernel queue length we ask for (the default, 64, overflows on a burst). */
#define AUDIT_BACKLOG_LIMIT 8192
/* Stale rules removed per listing pass, and passes. */
#define AUDIT_STALE_MAX 16
#define AUDIT_STALE_PASSES 4

/* Become the audit daemon (on the ev socket).  0 or a negative errno
 * (-EEXIST: another daemon is registered). */
int audit_ctl_register(struct audit *a);
void audit_ctl_unregister(struct audit *a);

/* Change the status fields the source needs; remember what to restore.
 * A negative errno value only when auditing cannot be enabled. */
int audit_ctl_tune_status(struct audit *a, const struct audit_status *old);
void audit_ctl_restore_status(struct audit *a);

/* Remove rules with our key left by an agent that died without cleaning
 * up. */
void audit_ctl_remove_stale(struct audit *a);

/* Install the rules of the wanted probes (AUDIT_PROBE_* bits); returns
 * the probes whose required rules all went in.  When some did not, *err
 * is the kernel's (negative) error and msg->text says why. */
unsigned audit_ctl_install_rules(struct audit *a, unsigned want, int *err,
				 struct source_msg *msg);

/* Delete the installed rules serving probes, or every installed rule. */
void audit_ctl_delete_rules(struct audit *a, unsigned probes, bool all);

#endif /* CELLOS_AGENT_AUDIT_CTL_H */
