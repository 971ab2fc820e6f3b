/*
 * options.h - the agent's command line.
 *
 * options_parse() fills struct agent_options from argv with getopt_long,
 * driven by one table in options.c: each option's name, its kind (an
 * integer in a range, a flag, a text, or a value with its own parser,
 * such as --probes and --watch*) and where it goes.  A new option is one
 * row there (and a line in options_usage and cellos-telemetry(8)).
 * It prints nothing on success.  A bad option or value gets one line on
 * stderr naming the option, the value and what is allowed, and the
 * return value EX_USAGE (64); --help and --version print to stdout and
 * return OPTIONS_EXIT_OK.  No allocation: strings point into argv.
 */
#ifndef CELLOS_AGENT_OPTIONS_H
#define CELLOS_AGENT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fswatch.h"
#include "pump.h"
#include "sink.h"

#define OPT_DEFAULT_SINK SINK_DEFAULT_URI
#define OPT_DEFAULT_QUEUE_BYTES ((unsigned)SINK_QUEUE_DEFAULT_BYTES)
#define OPT_MIN_QUEUE_BYTES ((unsigned)SINK_QUEUE_MIN_BYTES)
#define OPT_MAX_QUEUE_BYTES ((unsigned)SINK_QUEUE_MAX_BYTES)
#define OPT_DEFAULT_COALESCE_MS 10u
#define OPT_MAX_COALESCE_MS 10000u
#define OPT_DEFAULT_POLL_MS 100u
#define OPT_MIN_POLL_MS 10u
#define OPT_MAX_POLL_MS 600000u
#define OPT_DEFAULT_DRAIN_MS 2000u
#define OPT_MAX_DRAIN_MS 600000u
#define OPT_DEFAULT_RCVBUF (8 * 1024 * 1024)
#define OPT_MIN_RCVBUF 1024
#define OPT_MAX_RCVBUF (1024 * 1024 * 1024)
/* --stats-interval: seconds between counters lines (0: only on SIGUSR1
 * and at exit); at most a day. */
#define OPT_DEFAULT_STATS_INTERVAL_S 60u
#define OPT_MAX_STATS_INTERVAL_S 86400u
#define OPT_DEFAULT_PERF_PAGES 16u
#define OPT_MAX_PERF_PAGES_N 4096
#define OPT_MAX_PERF_PAGES 4096u
/* --probes: a mask of (1u << enum wire_probe). */
#define OPT_ALL_PROBES ((1u << WIRE_PROBE_COUNT) - 1u)
/* The default: every probe but capability.denied, whose only source
 * (audit) taxes every system call of every task; it is opt-in. */
#define OPT_DEFAULT_PROBES (OPT_ALL_PROBES & ~(1u << WIRE_PROBE_CAPABILITY_DENIED))

/* --connect-source: where net.connect_attempted comes from. */
enum connect_source {
	CONNECT_SOURCE_AUTO = 0, /* the cgroup BPF program, else audit */
	CONNECT_SOURCE_BPF,      /* the BPF program only */
	CONNECT_SOURCE_AUDIT,    /* the audit connect rule */
};

/* options_parse() result that means "done, exit 0" (help, version). */
#define OPTIONS_EXIT_OK (-1)

struct agent_options {
	const char *sink_uri;
	struct sink_addr sink;
	enum pump_format format;
	size_t queue_bytes;
	unsigned int coalesce_ms;
	unsigned int poll_ms;
	int ready_fd;            /* -1: none */
	unsigned int drain_ms;
	int verbose;             /* times --verbose was given */
	int rcvbuf;
	bool force_walker;       /* --no-connector: the /proc walker only */
	bool no_seccomp;         /* --no-seccomp: no system-call filter */
	bool no_perf;            /* --no-perf: no perf side-band names */
	unsigned int perf_pages; /* --perf-ring-pages: a power of two */
	bool kernel_threads;     /* --kernel-threads: report them too */
	struct fswatch_config watch; /* --watch, --watch-backend, --watch-failure */
	unsigned int probes;     /* --probes: mask of 1u << enum wire_probe */
	unsigned int stats_interval_s; /* --stats-interval; 0: no periodic line */
	const char *cgroup;      /* --cgroup: NULL = the cgroup v2 root */
	enum connect_source connect_source; /* --connect-source */
};

/* 0: run; OPTIONS_EXIT_OK: exit 0; else the exit status (EX_USAGE).
 * Messages go to err (usage errors) and out (help, version). */
int options_parse(struct agent_options *o, int argc, char **argv,
		  FILE *out, FILE *err);

void options_usage(FILE *f);

#endif /* CELLOS_AGENT_OPTIONS_H */
