/*
 * audit-rules - look at the kernel's audit state, independently of the
 * agent's code, for the audit probe tests.
 *
 *   audit-rules count    number of audit rules whose strings contain
 *                        "cellos-telemetry" (the agent's key), plus
 *                        exclusions of the record types the agent drops
 *   audit-rules count PID  only the rules with the key that exclude PID
 *                        (the agent's rules say "pid != <agent>")
 *   audit-rules status   "enabled=E pid=P backlog_limit=B backlog_wait_time=W"
 *   audit-rules set E B W  set enabled, backlog_limit and backlog_wait_time
 *                        (how a test puts back the state it found)
 *
 * Exit 77 when the kernel has no audit netlink (so a test can skip).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/audit.h>
#include <libmnl/libmnl.h>

#define KEY "cellos-telemetry"

static char buf[1 << 16];

/* The agent's exclusions carry no key: any rule on the exclude list
 * that drops one of these record types counts as the agent's. */
static int excluded_type(const void *p, size_t len)
{
	static const unsigned types[] = { AUDIT_PROCTITLE, AUDIT_SOCKADDR,
					  AUDIT_CWD, AUDIT_PATH, AUDIT_EOE };
	struct audit_rule_data d;

	if (len < sizeof(d))
		return 0;
	memcpy(&d, p, sizeof(d));
	if (d.flags != AUDIT_FILTER_EXCLUDE)
		return 0;
	for (unsigned i = 0; i < d.field_count && i < AUDIT_MAX_FIELDS; i++)
		for (unsigned t = 0; t < sizeof(types) / sizeof(types[0]); t++)
			if (d.fields[i] == AUDIT_MSGTYPE && d.values[i] == types[t])
				return 1;
	return 0;
}

/* 0: any rule of the agent's; else only those excluding this pid. */
static unsigned long for_pid;

static int excludes_pid(const void *p, size_t len, unsigned long pid)
{
	struct audit_rule_data d;

	if (len < sizeof(d))
		return 0;
	memcpy(&d, p, sizeof(d));
	for (unsigned i = 0; i < d.field_count && i < AUDIT_MAX_FIELDS; i++)
		if (d.fields[i] == AUDIT_PID && d.fieldflags[i] == AUDIT_NOT_EQUAL &&
		    d.values[i] == pid)
			return 1;
	return 0;
}

static int count_cb(const struct nlmsghdr *nlh, void *arg)
{
	unsigned *n = arg;
	const void *p = mnl_nlmsg_get_payload(nlh);
	size_t len = mnl_nlmsg_get_payload_len(nlh);

	if (nlh->nlmsg_type != AUDIT_LIST_RULES)
		return MNL_CB_OK;
	int keyed = memmem(p, len, KEY, strlen(KEY)) != NULL;
	if (for_pid != 0 ? keyed && excludes_pid(p, len, for_pid)
			 : keyed || excluded_type(p, len))
		(*n)++;
	return MNL_CB_OK;
}

static int status_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct audit_status *st = arg;
	size_t len = mnl_nlmsg_get_payload_len(nlh);

	if (nlh->nlmsg_type == AUDIT_GET) {
		memcpy(st, mnl_nlmsg_get_payload(nlh), len < sizeof(*st) ? len : sizeof(*st));
		return MNL_CB_STOP;
	}
	return MNL_CB_OK;
}

int main(int argc, char **argv)
{
	int list = (argc == 2 || argc == 3) && strcmp(argv[1], "count") == 0;
	int status = argc == 2 && strcmp(argv[1], "status") == 0;
	int set = argc == 5 && strcmp(argv[1], "set") == 0;

	if (!list && !status && !set) {
		fprintf(stderr, "usage: audit-rules count [PID]|status|set ENABLED BACKLOG_LIMIT WAIT_TIME\n");
		return 64;
	}
	if (list && argc == 3 && (for_pid = strtoul(argv[2], NULL, 10)) == 0) {
		fprintf(stderr, "audit-rules: count: bad pid '%s'\n", argv[2]);
		return 64;
	}
	struct mnl_socket *nl = mnl_socket_open(NETLINK_AUDIT);
	if (nl == NULL) {
		perror("audit-rules: socket");
		return errno == EPROTONOSUPPORT ? 77 : 1;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("audit-rules: bind");
		return 1;
	}
	struct timeval tv = { .tv_sec = 5 };
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = list ? AUDIT_LIST_RULES : set ? AUDIT_SET : AUDIT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | (set ? NLM_F_ACK : 0);
	if (set) {
		struct audit_status *req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
		memset(req, 0, sizeof(*req));
		req->mask = AUDIT_STATUS_ENABLED | AUDIT_STATUS_BACKLOG_LIMIT |
			    AUDIT_STATUS_BACKLOG_WAIT_TIME;
		req->enabled = (unsigned)strtoul(argv[2], NULL, 10);
		req->backlog_limit = (unsigned)strtoul(argv[3], NULL, 10);
		req->backlog_wait_time = (unsigned)strtoul(argv[4], NULL, 10);
	}
	nlh->nlmsg_seq = (unsigned)time(NULL);
	unsigned seq = nlh->nlmsg_seq, portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		perror("audit-rules: send");
		return 1;
	}
	unsigned n = 0;
	struct audit_status st;
	memset(&st, 0, sizeof(st));
	for (;;) {
		ssize_t r = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (r < 0) {
			perror("audit-rules: receive");
			return 1;
		}
		int rc = mnl_cb_run(buf, (size_t)r, seq, portid,
				    set ? NULL : list ? count_cb : status_cb,
				    list ? (void *)&n : (void *)&st);
		if (rc == MNL_CB_ERROR) {
			perror("audit-rules");
			return 1;
		}
		if (rc == MNL_CB_STOP)
			break;
	}
	if (list)
		printf("%u\n", n);
	else if (!set)
		printf("enabled=%u pid=%u backlog_limit=%u backlog_wait_time=%u\n",
		       st.enabled, st.pid, st.backlog_limit, st.backlog_wait_time);
	mnl_socket_close(nl);
	return 0;
}
