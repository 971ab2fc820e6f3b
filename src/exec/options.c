/* options.c - parse the command line (see options.h). */
#include "config.h"

#include "exec/options.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PID_MAX_PATH "/proc/sys/kernel/pid_max"
#define PID_MAX_BUF 32
/* How much of a bad value an error message quotes. */
#define QUOTE_MAX 40

enum { OPT_PROTECT = 256, OPT_ACTION, OPT_PID_NAMESPACE };

static const struct option long_options[] = {
	{ "protect", required_argument, NULL, OPT_PROTECT },
	{ "action", required_argument, NULL, OPT_ACTION },
	{ "pid-namespace", no_argument, NULL, OPT_PID_NAMESPACE },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

long gate_pid_max(void)
{
	char buf[PID_MAX_BUF];
	ssize_t n;
	long v;
	char *end;
	int fd;

	fd = open(PID_MAX_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return GATE_PID_MAX_LIMIT;
	do
		n = read(fd, buf, sizeof buf - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return GATE_PID_MAX_LIMIT;
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || (*end != '\n' && *end != '\0') ||
	    v < 2 || v > GATE_PID_MAX_LIMIT)
		return GATE_PID_MAX_LIMIT;
	return v;
}

/* One element of the list: [start, end). */
static int parse_pid(const char *start, const char *end, long pid_max,
		     pid_t *pid)
{
	long v = 0;

	if (start == end)
		return -1;
	for (const char *p = start; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
		if (v >= pid_max)
			return -1;
	}
	if (v < 1)
		return -1;
	*pid = (pid_t)v;
	return 0;
}

int gate_parse_pid_list(const char *s, long pid_max, pid_t *out, size_t max,
			 size_t *n, char *err, size_t errlen)
{
	const char *p = s;

	for (;;) {
		const char *end = strchr(p, ',');
		pid_t pid;
		bool dup = false;

		if (!end)
			end = p + strlen(p);
		if (parse_pid(p, end, pid_max, &pid) < 0) {
			int len = (int)(end - p);
			bool whole = p == s && *end == '\0';

			snprintf(err, errlen,
				 "--protect: '%.*s'%s%s%.*s%s is not a pid: expected decimal pids from 1 to %ld, separated by commas",
				 len > QUOTE_MAX ? QUOTE_MAX : len, p,
				 len > QUOTE_MAX ? "..." : "",
				 whole ? "" : " in '", whole ? 0 : QUOTE_MAX, s,
				 whole ? "" : "'", pid_max - 1);
			return -1;
		}
		for (size_t i = 0; i < *n; i++)
			dup = dup || out[i] == pid;
		if (!dup) {
			if (*n >= max) {
				snprintf(err, errlen,
					 "--protect: '%.*s' names more than %zu pids: at most %zu may be protected",
					 QUOTE_MAX, s, max, max);
				return -1;
			}
			out[(*n)++] = pid;
		}
		if (*end == '\0')
			return 0;
		p = end + 1;
	}
}

static int parse_action(const char *s, enum gate_action *action, char *err,
			size_t errlen)
{
	if (strcmp(s, "eperm") == 0) {
		*action = GATE_ACTION_EPERM;
		return 0;
	}
	if (strcmp(s, "kill") == 0) {
		*action = GATE_ACTION_KILL;
		return 0;
	}
	snprintf(err, errlen, "--action: '%.*s' is not an action: expected 'eperm' or 'kill'",
		 QUOTE_MAX, s);
	return -1;
}

int gate_parse_options(int argc, char **argv, long pid_max,
			struct gate_options *opts, char *err, size_t errlen)
{
	bool protect_given = false;
	int c;

	memset(opts, 0, sizeof *opts);
	opts->action = GATE_ACTION_EPERM;
	err[0] = '\0';
	/* optind = 0 makes glibc start over, so the parser can run twice
	 * (the unit tests do). */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:hV", long_options, NULL)) != -1) {
		switch (c) {
		case OPT_PROTECT:
			if (!protect_given)
				opts->n_protect = 0;
			protect_given = true;
			if (gate_parse_pid_list(optarg, pid_max, opts->protect,
						 GATE_MAX_PROTECT, &opts->n_protect,
						 err, errlen) < 0)
				return GATE_PARSE_ERROR;
			break;
		case OPT_ACTION:
			if (parse_action(optarg, &opts->action, err, errlen) < 0)
				return GATE_PARSE_ERROR;
			break;
		case OPT_PID_NAMESPACE:
			opts->pid_namespace = true;
			break;
		case 'h':
			return GATE_PARSE_HELP;
		case 'V':
			return GATE_PARSE_VERSION;
		case ':':
			snprintf(err, errlen, "option '%.*s' needs a value",
				 QUOTE_MAX, argv[optind - 1]);
			return GATE_PARSE_ERROR;
		default:
			if (optopt == OPT_PID_NAMESPACE ||
			    ((optopt == 'h' || optopt == 'V') &&
			     strncmp(argv[optind - 1], "--", 2) == 0))
				snprintf(err, errlen, "option '%.*s' takes no value",
					 QUOTE_MAX, argv[optind - 1]);
			else if (optopt && optopt < 256)
				snprintf(err, errlen, "unknown option '-%c'", optopt);
			else
				snprintf(err, errlen, "unknown option '%.*s'",
					 QUOTE_MAX, argv[optind - 1]);
			return GATE_PARSE_ERROR;
		}
	}
	if (!protect_given) {
		opts->protect[0] = 1;
		opts->n_protect = 1;
	}
	if (optind >= argc) {
		snprintf(err, errlen, "no PROGRAM given: usage: %s [OPTIONS] -- PROGRAM [ARGS...]",
			 "cellos-workload-exec");
		return GATE_PARSE_ERROR;
	}
	opts->program = argv + optind;
	return GATE_PARSE_RUN;
}
