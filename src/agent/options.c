/*
 * options.c - command-line parsing for cellos-telemetry.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "options.h"

#define PROG "cellos-telemetry"

void options_usage(FILE *f)
{
	fprintf(f,
"Usage: " PROG " [OPTION]...\n"
"Stream this machine's process events to the host as CellOS wire-v1 frames.\n"
"\n"
"  --sink=URI          where frames go: vsock:CID:PORT, unix:PATH, chardev:PATH\n"
"                      (a virtio-serial port or serial line) or - (stdout)\n"
"                      (default " OPT_DEFAULT_SINK ")\n"
"  --format=FMT        frames (default) or json (one object per line; --sink=- only)\n"
"  --queue-bytes=N     frame queue size while the sink is slow or absent\n"
"                      (%u..%u, default %u)\n"
"  --coalesce-ms=N     how long a fork waits for its exec before it is reported\n"
"                      on its own (0..%u, default %u)\n"
"  --poll-ms=N         /proc walker period when the proc connector is unavailable\n"
"                      (%u..%u, default %u)\n"
"  --ready-fd=N        write a newline to fd N and close it once armed\n"
"  --drain-ms=N        on SIGTERM/SIGINT, flush the queue for at most N ms\n"
"                      (0..%u, default %u)\n"
"  --rcvbuf=BYTES      netlink receive buffer size (%d..%d, default %d)\n"
"  --no-connector      use the /proc walker even where the connector works\n"
"  --no-perf           name processes from /proc and taskstats, not from perf\n"
"                      side-band records (an exec renamed again before it is\n"
"                      read is then reported with an empty comm)\n"
"  --perf-ring-pages=N pages of each CPU's perf record ring, a power of two\n"
"                      (1..%u, default %u)\n"
"  --kernel-threads    report kernel threads (kthreadd's children) too\n"
"  --watch=PATH        report changes to a file, or a directory and its entries,\n"
"                      as fs.inotify_fired (repeatable, at most %d)\n"
"  --watch-backend=B   auto (default: fanotify, which names the actor, where it\n"
"                      can be had, else inotify), fanotify or inotify\n"
"  --watch-failure=F   a path that cannot be watched at start: fail (default,\n"
"                      exit 69) or degrade (log, count, arm it when it can be)\n"
"  --no-seccomp        run without the system-call filter (for debugging; the\n"
"                      rest of the hardening stays)\n"
"  --probes=LIST       the probes to run, comma-separated: process.spawned,\n"
"                      process.exited, capability.denied, fs.inotify_fired,\n"
"                      net.connect_attempted; +NAME or -NAME items change the\n"
"                      default (every probe but capability.denied, which\n"
"                      costs every system call: --probes=+capability.denied);\n"
"                      one that cannot be armed is reported and the rest run\n"
"  --cgroup=PATH       the cgroup v2 directory whose processes' connects are\n"
"                      reported (default: the cgroup v2 root, all of them)\n"
"  --connect-source=S  net.connect_attempted from: auto (default: the cgroup\n"
"                      BPF program, else audit), bpf or audit\n"
"  --stats-interval=S  log the counters line at most every S seconds when they\n"
"                      changed (0..%u, default %u; 0: only on SIGUSR1 and at\n"
"                      exit); a loss (dropped_*, resyncs, watch_lost) is\n"
"                      logged at once\n"
"  --verbose           log more (repeat for debug)\n"
"  --help              show this help and exit\n"
"  --version           show the version and exit\n"
"\n"
"See cellos-telemetry(8).\n",
		OPT_MIN_QUEUE_BYTES, OPT_MAX_QUEUE_BYTES, OPT_DEFAULT_QUEUE_BYTES,
		OPT_MAX_COALESCE_MS, OPT_DEFAULT_COALESCE_MS,
		OPT_MIN_POLL_MS, OPT_MAX_POLL_MS, OPT_DEFAULT_POLL_MS,
		OPT_MAX_DRAIN_MS, OPT_DEFAULT_DRAIN_MS,
		OPT_MIN_RCVBUF, OPT_MAX_RCVBUF, OPT_DEFAULT_RCVBUF,
		OPT_MAX_PERF_PAGES, OPT_DEFAULT_PERF_PAGES,
		FSWATCH_MAX_WATCHES,
		OPT_MAX_STATS_INTERVAL_S, OPT_DEFAULT_STATS_INTERVAL_S);
}

/* A decimal integer in [min, max], the whole string, no sign. */
static bool parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* ---- values that are not a number in a range --------------------------- */

/* Each returns 0, or -EINVAL with *allowed set to what the option allows
 * ("allowed: ..."), for the one-line usage error. */
typedef int (*opt_parse_fn)(struct agent_options *o, const char *arg,
			    const char **allowed);

/* The index of arg among the n names, or -1. */
static int pick(const char *arg, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(arg, names[i]) == 0)
			return i;
	return -1;
}

static int parse_format(struct agent_options *o, const char *arg,
			const char **allowed)
{
	static const char *const names[] = { "frames", "json" };
	static const enum pump_format values[] = { PUMP_FORMAT_FRAMES, PUMP_FORMAT_JSON };
	int i = pick(arg, names, 2);

	if (i < 0)
		return *allowed = "allowed: frames, json", -EINVAL;
	o->format = values[i];
	return 0;
}

/* A comma-separated list of probe identifiers: at least one, no empty
 * item; repeating one is harmless.  When the first item starts with +
 * or -, every item does and they change the default set. */
static int parse_probes(struct agent_options *o, const char *arg,
			const char **allowed)
{
	const bool relative = *arg == '+' || *arg == '-';
	unsigned int mask = relative ? OPT_DEFAULT_PROBES : 0;
	enum wire_probe p;

	for (const char *s = arg;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		char sign = *s;
		if (relative != (sign == '+' || sign == '-'))
			goto bad;
		if (relative) {
			s++;
			len--;
		}
		if (!wire_probe_lookup(s, len, &p))
			goto bad;
		if (sign == '-')
			mask &= ~(1u << p);
		else
			mask |= 1u << p;
		if (!comma)
			break;
		s = comma + 1;
	}
	if (mask == 0)
		goto bad;
	o->probes = mask;
	return 0;
bad:
	return *allowed = "allowed: a comma-separated list of process.spawned, "
		"process.exited, capability.denied, fs.inotify_fired, "
		"net.connect_attempted, all plain or all +NAME/-NAME, "
		"leaving at least one", -EINVAL;
}

static int parse_cgroup(struct agent_options *o, const char *arg,
			const char **allowed)
{
	if (arg[0] != '/')
		return *allowed = "allowed: an absolute path to a cgroup v2 directory", -EINVAL;
	o->cgroup = arg;
	return 0;
}

static int parse_connect_source(struct agent_options *o, const char *arg,
				const char **allowed)
{
	static const char *const names[] = { "auto", "bpf", "audit" };
	static const enum connect_source values[] = {
		CONNECT_SOURCE_AUTO, CONNECT_SOURCE_BPF, CONNECT_SOURCE_AUDIT,
	};
	int i = pick(arg, names, 3);

	if (i < 0)
		return *allowed = "allowed: auto, bpf, audit", -EINVAL;
	o->connect_source = values[i];
	return 0;
}

#define OPT_STR_(x) #x
#define OPT_STR(x) OPT_STR_(x)

static int parse_watch(struct agent_options *o, const char *arg,
		       const char **allowed)
{
	struct fswatch_config *c = &o->watch;

	if (arg[0] == '\0')
		return *allowed = "allowed: the path of a file or directory (not empty)", -EINVAL;
	if (strlen(arg) >= PATH_MAX)
		return *allowed = "allowed: a path shorter than " OPT_STR(PATH_MAX) " bytes", -EINVAL;
	for (unsigned i = 0; i < c->n_paths; i++)
		if (strcmp(c->paths[i], arg) == 0)
			return 0; /* the same path twice is one watch */
	if (c->n_paths >= FSWATCH_MAX_WATCHES)
		return *allowed = "allowed: at most " OPT_STR(FSWATCH_MAX_WATCHES) " watches", -EINVAL;
	c->paths[c->n_paths++] = arg;
	return 0;
}

static int parse_watch_backend(struct agent_options *o, const char *arg,
			       const char **allowed)
{
	static const char *const names[] = { "auto", "fanotify", "inotify" };
	static const enum fswatch_backend values[] = {
		FSWATCH_BACKEND_AUTO, FSWATCH_BACKEND_FANOTIFY, FSWATCH_BACKEND_INOTIFY,
	};
	int i = pick(arg, names, 3);

	if (i < 0)
		return *allowed = "allowed: auto, fanotify, inotify", -EINVAL;
	o->watch.backend = values[i];
	return 0;
}

static int parse_watch_failure(struct agent_options *o, const char *arg,
			       const char **allowed)
{
	static const char *const names[] = { "fail", "degrade" };
	static const enum fswatch_failure values[] = { FSWATCH_FAIL, FSWATCH_DEGRADE };
	int i = pick(arg, names, 2);

	if (i < 0)
		return *allowed = "allowed: fail, degrade", -EINVAL;
	o->watch.failure = values[i];
	return 0;
}

static int parse_perf_pages(struct agent_options *o, const char *arg,
			    const char **allowed)
{
	uint64_t v;

	if (!parse_uint(arg, 1, OPT_MAX_PERF_PAGES, &v) || (v & (v - 1)) != 0)
		return *allowed = "allowed: a power of two from 1 to "
			OPT_STR(OPT_MAX_PERF_PAGES_N), -EINVAL;
	o->perf_pages = (unsigned int)v;
	return 0;
}

/* ---- the table ----------------------------------------------------------- */

enum opt_kind {
	OPT_UINT,       /* a decimal integer in [min, max] into dest */
	OPT_TEXT,       /* the string itself into dest (const char *) */
	OPT_FLAG,       /* dest (bool) becomes true */
	OPT_COUNT,      /* dest (int) counts the times given */
	OPT_PARSE,      /* parse() stores it */
	OPT_HELP,
	OPT_VERSION,
};

struct opt_spec {
	const char *name;
	enum opt_kind kind;
	uint64_t min, max;      /* OPT_UINT */
	size_t dest;            /* offsetof(struct agent_options, ...) */
	size_t size;            /* sizeof the destination (OPT_UINT) */
	opt_parse_fn parse;     /* OPT_PARSE */
	const char *allowed;    /* OPT_UINT: instead of "an integer from ..." */
};

#define DEST(field) offsetof(struct agent_options, field), \
	sizeof(((struct agent_options *)0)->field)
#define UINT(n, lo, hi, field) { n, OPT_UINT, lo, hi, DEST(field), NULL, NULL }

static const struct opt_spec specs[] = {
	{ "sink", OPT_TEXT, 0, 0, DEST(sink_uri), NULL, NULL },
	{ "format", OPT_PARSE, 0, 0, 0, 0, parse_format, NULL },
	UINT("queue-bytes", OPT_MIN_QUEUE_BYTES, OPT_MAX_QUEUE_BYTES, queue_bytes),
	UINT("coalesce-ms", 0, OPT_MAX_COALESCE_MS, coalesce_ms),
	UINT("poll-ms", OPT_MIN_POLL_MS, OPT_MAX_POLL_MS, poll_ms),
	/* 0-2 are the standard streams, never a readiness pipe. */
	{ "ready-fd", OPT_UINT, 3, INT32_MAX, DEST(ready_fd), NULL,
	  "allowed: an open file descriptor number, 3 or more" },
	UINT("drain-ms", 0, OPT_MAX_DRAIN_MS, drain_ms),
	UINT("rcvbuf", OPT_MIN_RCVBUF, OPT_MAX_RCVBUF, rcvbuf),
	{ "no-connector", OPT_FLAG, 0, 0, DEST(force_walker), NULL, NULL },
	{ "watch", OPT_PARSE, 0, 0, 0, 0, parse_watch, NULL },
	{ "watch-backend", OPT_PARSE, 0, 0, 0, 0, parse_watch_backend, NULL },
	{ "watch-failure", OPT_PARSE, 0, 0, 0, 0, parse_watch_failure, NULL },
	{ "no-seccomp", OPT_FLAG, 0, 0, DEST(no_seccomp), NULL, NULL },
	{ "probes", OPT_PARSE, 0, 0, 0, 0, parse_probes, NULL },
	UINT("stats-interval", 0, OPT_MAX_STATS_INTERVAL_S, stats_interval_s),
	{ "no-perf", OPT_FLAG, 0, 0, DEST(no_perf), NULL, NULL },
	{ "perf-ring-pages", OPT_PARSE, 0, 0, 0, 0, parse_perf_pages, NULL },
	{ "kernel-threads", OPT_FLAG, 0, 0, DEST(kernel_threads), NULL, NULL },
	{ "cgroup", OPT_PARSE, 0, 0, 0, 0, parse_cgroup, NULL },
	{ "connect-source", OPT_PARSE, 0, 0, 0, 0, parse_connect_source, NULL },
	{ "verbose", OPT_COUNT, 0, 0, DEST(verbose), NULL, NULL },
	{ "help", OPT_HELP, 0, 0, 0, 0, NULL, NULL },
	{ "version", OPT_VERSION, 0, 0, 0, 0, NULL, NULL },
};
#define N_SPECS (sizeof(specs) / sizeof(specs[0]))
/* getopt_long's value for specs[i]: clear of any short option. */
#define OPT_VAL_BASE 256

static int bad(FILE *err, const char *opt, const char *val, const char *allowed)
{
	fprintf(err, PROG ": --%s: invalid value '%s': %s\n", opt, val, allowed);
	return EX_USAGE;
}

/* Store v into the unsigned or int field of size bytes at dest. */
static void store_uint(void *dest, size_t size, uint64_t v)
{
	if (size == sizeof(uint64_t)) {
		uint64_t x = v;
		memcpy(dest, &x, sizeof(x));
	} else {
		uint32_t x = (uint32_t)v;  /* every 4-byte range fits */
		memcpy(dest, &x, sizeof(x));
	}
}

/* Apply one option.  0, OPTIONS_EXIT_OK or EX_USAGE (after its line). */
static int apply(struct agent_options *o, const struct opt_spec *sp,
		 const char *arg, FILE *out, FILE *err)
{
	unsigned char *base = (unsigned char *)o;
	const char *allowed = NULL;
	char msg[128];
	uint64_t v;

	switch (sp->kind) {
	case OPT_UINT:
		if (!parse_uint(arg, sp->min, sp->max, &v)) {
			if (!sp->allowed)
				snprintf(msg, sizeof(msg), "allowed: an integer from %llu to %llu",
					 (unsigned long long)sp->min,
					 (unsigned long long)sp->max);
			return bad(err, sp->name, arg, sp->allowed ? sp->allowed : msg);
		}
		store_uint(base + sp->dest, sp->size, v);
		return 0;
	case OPT_TEXT:
		memcpy(base + sp->dest, &arg, sizeof(arg));
		return 0;
	case OPT_FLAG:
		base[sp->dest] = 1;    /* a bool */
		return 0;
	case OPT_COUNT: {
		int n;
		memcpy(&n, base + sp->dest, sizeof(n));
		n++;
		memcpy(base + sp->dest, &n, sizeof(n));
		return 0;
	}
	case OPT_PARSE:
		if (sp->parse(o, arg, &allowed) < 0)
			return bad(err, sp->name, arg, allowed);
		return 0;
	case OPT_HELP:
		options_usage(out);
		return OPTIONS_EXIT_OK;
	case OPT_VERSION:
		fprintf(out, PROG " " PACKAGE_VERSION "\n");
		return OPTIONS_EXIT_OK;
	}
	return EX_USAGE;
}

int options_parse(struct agent_options *o, int argc, char **argv,
		  FILE *out, FILE *err)
{
	struct option longopts[N_SPECS + 1];
	char msg[320];
	char errbuf[128];
	int c, rc;

	memset(o, 0, sizeof(*o));
	o->sink_uri = OPT_DEFAULT_SINK;
	o->format = PUMP_FORMAT_FRAMES;
	o->queue_bytes = OPT_DEFAULT_QUEUE_BYTES;
	o->coalesce_ms = OPT_DEFAULT_COALESCE_MS;
	o->poll_ms = OPT_DEFAULT_POLL_MS;
	o->ready_fd = -1;
	o->drain_ms = OPT_DEFAULT_DRAIN_MS;
	o->rcvbuf = OPT_DEFAULT_RCVBUF;
	o->probes = OPT_DEFAULT_PROBES;
	o->stats_interval_s = OPT_DEFAULT_STATS_INTERVAL_S;
	o->perf_pages = OPT_DEFAULT_PERF_PAGES;

	for (size_t i = 0; i < N_SPECS; i++) {
		bool takes = specs[i].kind == OPT_UINT || specs[i].kind == OPT_TEXT ||
			     specs[i].kind == OPT_PARSE;
		longopts[i] = (struct option){ specs[i].name,
					       takes ? required_argument : no_argument,
					       NULL, OPT_VAL_BASE + (int)i };
	}
	longopts[N_SPECS] = (struct option){ NULL, 0, NULL, 0 };

	optind = 0; /* full reinitialisation: tests parse many times */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (c >= OPT_VAL_BASE && c < OPT_VAL_BASE + (int)N_SPECS) {
			rc = apply(o, &specs[c - OPT_VAL_BASE], optarg, out, err);
			if (rc != 0)
				return rc;
		} else if (c == ':') {
			fprintf(err, PROG ": %s: missing value\n", argv[optind - 1]);
			return EX_USAGE;
		} else {
			fprintf(err, PROG ": unknown option '%s' (see --help)\n",
				argv[optind - 1]);
			return EX_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(err, PROG ": unexpected argument '%s' (see --help)\n",
			argv[optind]);
		return EX_USAGE;
	}
	errbuf[0] = '\0';
	if (sink_addr_parse(o->sink_uri, &o->sink, errbuf, sizeof(errbuf)) < 0) {
		snprintf(msg, sizeof(msg), "%s%sallowed: vsock:CID:PORT, unix:PATH, chardev:PATH or -",
			 errbuf, errbuf[0] ? "; " : "");
		return bad(err, "sink", o->sink_uri, msg);
	}
	if (o->format == PUMP_FORMAT_JSON && o->sink.kind != SINK_STDOUT)
		return bad(err, "format", "json",
			   "allowed only with --sink=- (receivers expect frames)");
	return 0;
}
