/* main.c - cellos-workload-exec: run a workload behind a seccomp gate that
 * keeps it away from init and the telemetry agent.
 *
 * Order of work: parse the command line; look up the protected threads and
 * groups; build the filter (so every error is reported before anything is
 * changed); then, with --pid-namespace, fork pid 1 of a new namespace and
 * relay; load the filter; exec PROGRAM.  See cellos-workload-exec(1). */
#include "config.h"

#include "exec/filter.h"
#include "exec/log.h"
#include "exec/options.h"
#include "exec/pidns.h"
#include "exec/targets.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

/* A shell's codes for a command it found but cannot run, or did not find. */
#define EXIT_CANNOT_EXECUTE 126
#define EXIT_NOT_FOUND 127

static const char usage_text[] =
	"Usage: " GATE_PROG " [OPTIONS] -- PROGRAM [ARGS...]\n"
	"Run PROGRAM behind a seccomp filter that refuses signals, ptrace and\n"
	"the other pid-addressed calls aimed at the protected processes.\n"
	"\n"
	"  --protect=PID[,PID...]  pids to protect (default: 1); repeatable\n"
	"  --action=eperm|kill     refused calls fail with EPERM (default) or\n"
	"                          kill the caller with SIGSYS\n"
	"  --pid-namespace         run PROGRAM as pid 1 of a new pid namespace\n"
	"                          with its own /proc\n"
	"  -h, --help              show this help and exit\n"
	"  -V, --version           show the version and exit\n"
	"\n"
	"Exit status: PROGRAM's; 64 bad usage; 71 the gate could not be set up;\n"
	"126 PROGRAM cannot be executed; 127 PROGRAM not found.\n";

struct workload {
	char **argv;
	scmp_filter_ctx filter;
};

/* Load the gate and become PROGRAM; return an exit code only on failure. */
static int run_workload(void *arg)
{
	struct workload *w = arg;
	int rc = gate_filter_load(w->filter);

	if (rc < 0) {
		gate_log("error", "cannot load the seccomp filter: %s", strerror(-rc));
		return EX_OSERR;
	}
	execvp(w->argv[0], w->argv);
	if (errno == ENOENT) {
		gate_log("error", "%s: not found", w->argv[0]);
		return EXIT_NOT_FOUND;
	}
	gate_log("error", "%s: cannot execute: %s", w->argv[0], strerror(errno));
	return EXIT_CANNOT_EXECUTE;
}

static void report_notes(const struct gate_notes *notes)
{
	for (size_t i = 0; i < notes->n_missing; i++)
		gate_log("warning", "--protect: pid %d does not exist; its number is protected anyway",
			  (int)notes->missing[i]);
	for (size_t i = 0; i < notes->n_unlisted; i++)
		gate_log("warning", "--protect: cannot list the threads of pid %d (is /proc mounted?); only its main thread is protected",
			  (int)notes->unlisted[i]);
}

int main(int argc, char **argv)
{
	struct gate_options opts;
	struct gate_spec spec;
	struct gate_notes notes;
	struct workload w;
	char err[GATE_ERR_MAX];
	int rc;

	switch (gate_parse_options(argc, argv, gate_pid_max(), &opts, err, sizeof err)) {
	case GATE_PARSE_HELP:
		fputs(usage_text, stdout);
		return fflush(stdout) == 0 ? 0 : EX_IOERR;
	case GATE_PARSE_VERSION:
		puts(GATE_PROG " " PACKAGE_VERSION);
		return fflush(stdout) == 0 ? 0 : EX_IOERR;
	case GATE_PARSE_ERROR:
		gate_log("error", "%s (try --help)", err);
		return EX_USAGE;
	default:
		break;
	}

	memset(&spec, 0, sizeof spec);
	spec.action = opts.action;
	rc = gate_collect(&spec, opts.protect, opts.n_protect, opts.pid_namespace, &notes);
	if (rc < 0) {
		gate_log("error", "--protect: the protected processes have more than %d threads or %d process groups in all",
			  GATE_MAX_TARGETS, GATE_MAX_GROUPS);
		return EX_USAGE;
	}
	report_notes(&notes);

	rc = gate_filter_build(&spec, &w.filter);
	if (rc < 0) {
		gate_log("error", "cannot build the seccomp filter: %s", strerror(-rc));
		return EX_OSERR;
	}
	w.argv = opts.program;

	if (opts.pid_namespace) {
		rc = gate_pidns_run(run_workload, &w);
		seccomp_release(w.filter);
		return rc < 0 ? EX_OSERR : rc;
	}
	rc = run_workload(&w);
	seccomp_release(w.filter);
	return rc;
}
