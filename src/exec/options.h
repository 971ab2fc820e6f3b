/* options.h - the command line of cellos-workload-exec.
 *
 * Promises: gate_parse_options() accepts
 *   [--protect=PID[,PID...]]... [--action=eperm|kill] [--pid-namespace]
 *   [--] PROGRAM [ARGS...]
 * (plus --help and --version) and never prints: on a bad command line it
 * returns GATE_PARSE_ERROR with one message in err naming the option, the
 * value and what is allowed.  Pids are plain decimal, 1 <= pid < pid_max;
 * repeated --protect options add up and the first one replaces the
 * default (pid 1).  Option parsing stops at the first non-option, so
 * PROGRAM's own options are never taken for ours. */
#ifndef CELLOS_EXEC_OPTIONS_H
#define CELLOS_EXEC_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "exec/filter.h"

/* How many pids --protect may name (each costs rules; see filter.h). */
#define GATE_MAX_PROTECT 8
#define GATE_ERR_MAX 256

/* The kernel's ceiling for pid_max (PID_MAX_LIMIT on 64-bit). */
#define GATE_PID_MAX_LIMIT 4194304L

struct gate_options {
	size_t n_protect;
	pid_t protect[GATE_MAX_PROTECT];
	enum gate_action action;
	bool pid_namespace;
	char **program;		/* PROGRAM and its ARGS, NULL-terminated (in argv) */
};

enum gate_parse_result {
	GATE_PARSE_ERROR = -1,
	GATE_PARSE_RUN = 0,
	GATE_PARSE_HELP,
	GATE_PARSE_VERSION,
};

int gate_parse_options(int argc, char **argv, long pid_max,
			struct gate_options *opts, char *err, size_t errlen);

/* Parse "PID[,PID...]" into out (duplicates dropped), appending to *n.
 * Return 0, or -1 with a message in err. */
int gate_parse_pid_list(const char *s, long pid_max, pid_t *out, size_t max,
			 size_t *n, char *err, size_t errlen);

/* The running kernel's pid_max (/proc/sys/kernel/pid_max), or the
 * kernel's ceiling when it cannot be read. */
long gate_pid_max(void);

#endif
