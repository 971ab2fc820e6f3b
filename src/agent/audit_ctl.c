/*
 * audit_ctl.c - the audit source's rules and status (see audit_ctl.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "audit_ctl.h"

int audit_ctl_register(struct audit_ctl *c)
{
	struct audit_status reg;
	int err;

	memset(&reg, 0, sizeof(reg));
	reg.mask = AUDIT_STATUS_PID;
	reg.pid = c->self;
	err = audit_nl_status_set(&c->ev, &reg);
	if (err == 0)
		c->registered = true;
	return err;
}

void audit_ctl_unregister(struct audit_ctl *c)
{
	struct audit_status set;
	int err;

	if (!c->registered || c->ev.sock.nl == NULL)
		return;
	memset(&set, 0, sizeof(set));
	set.mask = AUDIT_STATUS_PID;
	set.pid = 0;
	err = audit_nl_status_set(&c->ev, &set);
	if (err < 0)
		agent_log(LOG_DEBUG, "audit: unregister: %s", strerror(-err));
	c->registered = false;
}

struct stale {
	size_t n;
	bool more;              /* some did not fit: list again */
	struct audit_rule rules[AUDIT_STALE_MAX];
};

static int got_rule(const struct nlmsghdr *nlh, void *arg)
{
	struct stale *st = arg;
	size_t plen = mnl_nlmsg_get_payload_len(nlh);

	if (nlh->nlmsg_type != AUDIT_LIST_RULES ||
	    !audit_rule_is_ours(mnl_nlmsg_get_payload(nlh), plen))
		return 0;
	if (st->n == AUDIT_STALE_MAX || plen > sizeof(st->rules[0].words)) {
		st->more = st->n == AUDIT_STALE_MAX;
		return 0;
	}
	memcpy(st->rules[st->n].words, mnl_nlmsg_get_payload(nlh), plen);
	st->rules[st->n].len = plen;
	st->n++;
	return 0;
}

/*
 * Rules with our key that are in the kernel now were left by an agent
 * that died without cleaning up (we are the registered audit daemon, so no
 * other agent is running).  The kernel deletes a rule given the same
 * bytes it lists, whatever pid the rule excludes.
 */
void audit_ctl_remove_stale(struct audit_ctl *c)
{
	static struct stale st;
	size_t removed = 0;

	for (int pass = 0; pass < AUDIT_STALE_PASSES; pass++) {
		memset(&st, 0, sizeof(st));
		int rc = audit_nl_request(&c->req, AUDIT_LIST_RULES, 0, NULL, 0,
					  got_rule, &st);
		if (rc < 0) {
			agent_log(LOG_WARN, "audit: cannot list audit rules: %s", strerror(-rc));
			return;
		}
		for (size_t i = 0; i < st.n; i++) {
			rc = audit_nl_request(&c->req, AUDIT_DEL_RULE, NLM_F_ACK,
					      st.rules[i].words, st.rules[i].len, NULL, NULL);
			if (rc < 0)
				agent_log(LOG_WARN, "audit: cannot remove a stale rule: %s", strerror(-rc));
			else
				removed++;
		}
		if (!st.more)
			break;
	}
	if (removed > 0)
		agent_log(LOG_INFO, "audit: removed %zu stale audit rule(s) left by an earlier run", removed);
}

void audit_ctl_delete_rules(struct audit_ctl *c, unsigned probes, bool all)
{
	for (size_t i = 0; i < c->n_rules; i++) {
		if (!c->installed[i] || (!all && !(c->rules[i].probe & probes)))
			continue;
		int rc = audit_nl_request(&c->req, AUDIT_DEL_RULE, NLM_F_ACK,
					  c->rules[i].words, c->rules[i].len, NULL, NULL);
		if (rc < 0 && rc != -ENOENT)
			agent_log(LOG_WARN, "audit: cannot remove audit rule %zu: %s", i, strerror(-rc));
		c->installed[i] = false;
	}
}

/* An optional rule the kernel refuses (a compat-ABI rule without 32-bit
 * support, an exclusion) costs no probe. */
unsigned audit_ctl_install_rules(struct audit_ctl *c, unsigned want, int *err,
				 struct source_msg *msg)
{
	unsigned failed = 0;
	int first_err = 0;

	c->n_rules = audit_rules_build(want, c->self, c->rules, AUDIT_RULES_MAX);
	for (size_t i = 0; i < c->n_rules; i++) {
		if (failed & c->rules[i].probe)
			continue;
		int rc = audit_nl_request(&c->req, AUDIT_ADD_RULE, NLM_F_ACK,
					  c->rules[i].words, c->rules[i].len, NULL, NULL);
		if (rc == 0) {
			c->installed[i] = true;
		} else if (c->rules[i].optional) {
			agent_log(LOG_DEBUG, "audit: optional rule %zu not installed: %s",
				  i, strerror(-rc));
		} else {
			failed |= c->rules[i].probe;
			if (first_err == 0)
				first_err = rc;
		}
	}
	if (failed) {
		*err = source_fail(msg, first_err, "the kernel refused its audit rule: %s",
				   strerror(-first_err));
		audit_ctl_delete_rules(c, failed, false);
	}
	return want & ~failed;
}

int audit_ctl_tune_status(struct audit_ctl *c, const struct audit_status *old)
{
	struct audit_status set;
	int rc;

	if (old->enabled == 0) {
		memset(&set, 0, sizeof(set));
		set.mask = AUDIT_STATUS_ENABLED;
		set.enabled = 1;
		rc = audit_nl_status_set(&c->req, &set);
		if (rc < 0)
			return rc;
		c->changed |= AUDIT_STATUS_ENABLED;
	}
	if (old->backlog_wait_time != 0) {
		memset(&set, 0, sizeof(set));
		set.mask = AUDIT_STATUS_BACKLOG_WAIT_TIME;
		set.backlog_wait_time = 0;
		rc = audit_nl_status_set(&c->req, &set);
		if (rc < 0)
			agent_log(LOG_WARN, "audit: cannot set backlog_wait_time to 0 (%s): a full audit queue may delay audited processes",
				  strerror(-rc));
		else
			c->changed |= AUDIT_STATUS_BACKLOG_WAIT_TIME;
	}
	if (old->backlog_limit < AUDIT_BACKLOG_LIMIT) {
		memset(&set, 0, sizeof(set));
		set.mask = AUDIT_STATUS_BACKLOG_LIMIT;
		set.backlog_limit = AUDIT_BACKLOG_LIMIT;
		rc = audit_nl_status_set(&c->req, &set);
		if (rc < 0)
			agent_log(LOG_WARN, "audit: cannot raise the backlog limit: %s", strerror(-rc));
		else
			c->changed |= AUDIT_STATUS_BACKLOG_LIMIT;
	}
	return 0;
}

void audit_ctl_restore_status(struct audit_ctl *c)
{
	struct audit_status set;

	if (c->changed == 0 || c->req.sock.nl == NULL)
		return;
	memset(&set, 0, sizeof(set));
	set.mask = c->changed;
	set.enabled = c->saved.enabled;
	set.backlog_limit = c->saved.backlog_limit;
	set.backlog_wait_time = c->saved.backlog_wait_time;
	int rc = audit_nl_status_set(&c->req, &set);
	if (rc < 0)
		agent_log(LOG_WARN, "audit: cannot restore the audit status: %s", strerror(-rc));
	c->changed = 0;
}

