/*
 * options.c - command-line parsing for cellos-telemetry.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "options.h"

#define PROG "cellos-telemetry"

enum {
	OPT_SINK = 256, OPT_FORMAT, OPT_QUEUE_BYTES, OPT_COALESCE_MS,
	OPT_POLL_MS, OPT_READY_FD, OPT_DRAIN_MS, OPT_VERBOSE, OPT_HELP,
	OPT_VERSION, OPT_RCVBUF, OPT_NO_CONNECTOR, OPT_WATCH,
	OPT_WATCH_BACKEND, OPT_WATCH_FAILURE, OPT_NO_SECCOMP, OPT_PROBES,
	OPT_CGROUP, OPT_CONNECT_SOURCE,
};

static const struct option longopts[] = {
	{ "sink", required_argument, NULL, OPT_SINK },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "queue-bytes", required_argument, NULL, OPT_QUEUE_BYTES },
	{ "coalesce-ms", required_argument, NULL, OPT_COALESCE_MS },
	{ "poll-ms", required_argument, NULL, OPT_POLL_MS },
	{ "ready-fd", required_argument, NULL, OPT_READY_FD },
	{ "drain-ms", required_argument, NULL, OPT_DRAIN_MS },
	{ "rcvbuf", required_argument, NULL, OPT_RCVBUF },
	{ "no-connector", no_argument, NULL, OPT_NO_CONNECTOR },
	{ "watch", required_argument, NULL, OPT_WATCH },
	{ "watch-backend", required_argument, NULL, OPT_WATCH_BACKEND },
	{ "watch-failure", required_argument, NULL, OPT_WATCH_FAILURE },
	{ "no-seccomp", no_argument, NULL, OPT_NO_SECCOMP },
	{ "probes", required_argument, NULL, OPT_PROBES },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "connect-source", required_argument, NULL, OPT_CONNECT_SOURCE },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

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
		FSWATCH_MAX_WATCHES);
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

/* A comma-separated list of probe identifiers: at least one, no empty
 * item; repeating one is harmless.  When the first item starts with +
 * or -, every item does and they change the default set. */
static bool parse_probes(const char *s, unsigned int *out)
{
	const bool relative = *s == '+' || *s == '-';
	unsigned int mask = relative ? OPT_DEFAULT_PROBES : 0;
	enum wire_probe p;

	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		char sign = *s;
		if (relative != (sign == '+' || sign == '-'))
			return false;
		if (relative) {
			s++;
			len--;
		}
		if (!wire_probe_lookup(s, len, &p))
			return false;
		if (sign == '-')
			mask &= ~(1u << p);
		else
			mask |= 1u << p;
		if (!comma)
			break;
		s = comma + 1;
	}
	if (mask == 0)
		return false;
	*out = mask;
	return true;
}

static int bad(FILE *err, const char *opt, const char *val, const char *allowed)
{
	fprintf(err, PROG ": --%s: invalid value '%s': %s\n", opt, val, allowed);
	return EX_USAGE;
}

int options_parse(struct agent_options *o, int argc, char **argv,
		  FILE *out, FILE *err)
{
	char msg[320];
	char errbuf[128];
	const char *allowed;
	uint64_t v;
	int c;

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

	optind = 0; /* full reinitialisation: tests parse many times */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SINK:
			o->sink_uri = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "frames") == 0)
				o->format = PUMP_FORMAT_FRAMES;
			else if (strcmp(optarg, "json") == 0)
				o->format = PUMP_FORMAT_JSON;
			else
				return bad(err, "format", optarg, "allowed: frames, json");
			break;
		case OPT_QUEUE_BYTES:
			if (!parse_uint(optarg, OPT_MIN_QUEUE_BYTES, OPT_MAX_QUEUE_BYTES, &v)) {
				snprintf(msg, sizeof(msg), "allowed: an integer from %u to %u",
					 OPT_MIN_QUEUE_BYTES, OPT_MAX_QUEUE_BYTES);
				return bad(err, "queue-bytes", optarg, msg);
			}
			o->queue_bytes = (size_t)v;
			break;
		case OPT_COALESCE_MS:
			if (!parse_uint(optarg, 0, OPT_MAX_COALESCE_MS, &v)) {
				snprintf(msg, sizeof(msg), "allowed: an integer from 0 to %u",
					 OPT_MAX_COALESCE_MS);
				return bad(err, "coalesce-ms", optarg, msg);
			}
			o->coalesce_ms = (unsigned int)v;
			break;
		case OPT_POLL_MS:
			if (!parse_uint(optarg, OPT_MIN_POLL_MS, OPT_MAX_POLL_MS, &v)) {
				snprintf(msg, sizeof(msg), "allowed: an integer from %u to %u",
					 OPT_MIN_POLL_MS, OPT_MAX_POLL_MS);
				return bad(err, "poll-ms", optarg, msg);
			}
			o->poll_ms = (unsigned int)v;
			break;
		case OPT_READY_FD:
			/* 0-2 are the standard streams, never a readiness pipe. */
			if (!parse_uint(optarg, 3, INT32_MAX, &v))
				return bad(err, "ready-fd", optarg,
					   "allowed: an open file descriptor number, 3 or more");
			o->ready_fd = (int)v;
			break;
		case OPT_DRAIN_MS:
			if (!parse_uint(optarg, 0, OPT_MAX_DRAIN_MS, &v)) {
				snprintf(msg, sizeof(msg), "allowed: an integer from 0 to %u",
					 OPT_MAX_DRAIN_MS);
				return bad(err, "drain-ms", optarg, msg);
			}
			o->drain_ms = (unsigned int)v;
			break;
		case OPT_RCVBUF:
			if (!parse_uint(optarg, OPT_MIN_RCVBUF, OPT_MAX_RCVBUF, &v)) {
				snprintf(msg, sizeof(msg), "allowed: an integer from %d to %d",
					 OPT_MIN_RCVBUF, OPT_MAX_RCVBUF);
				return bad(err, "rcvbuf", optarg, msg);
			}
			o->rcvbuf = (int)v;
			break;
		case OPT_NO_CONNECTOR:
			o->force_walker = true;
			break;
		case OPT_WATCH:
			if (fswatch_config_add_path(&o->watch, optarg, &allowed) < 0)
				return bad(err, "watch", optarg, allowed);
			break;
		case OPT_WATCH_BACKEND:
			if (fswatch_parse_backend(optarg, &o->watch.backend, &allowed) < 0)
				return bad(err, "watch-backend", optarg, allowed);
			break;
		case OPT_WATCH_FAILURE:
			if (fswatch_parse_failure(optarg, &o->watch.failure, &allowed) < 0)
				return bad(err, "watch-failure", optarg, allowed);
			break;
		case OPT_NO_SECCOMP:
			o->no_seccomp = true;
			break;
		case OPT_PROBES:
			if (!parse_probes(optarg, &o->probes))
				return bad(err, "probes", optarg,
					   "allowed: a comma-separated list of process.spawned, "
					   "process.exited, capability.denied, fs.inotify_fired, "
					   "net.connect_attempted, all plain or all +NAME/-NAME, "
					   "leaving at least one");
			break;
		case OPT_CGROUP:
			if (optarg[0] != '/')
				return bad(err, "cgroup", optarg,
					   "allowed: an absolute path to a cgroup v2 directory");
			o->cgroup = optarg;
			break;
		case OPT_CONNECT_SOURCE:
			if (strcmp(optarg, "auto") == 0)
				o->connect_source = CONNECT_SOURCE_AUTO;
			else if (strcmp(optarg, "bpf") == 0)
				o->connect_source = CONNECT_SOURCE_BPF;
			else if (strcmp(optarg, "audit") == 0)
				o->connect_source = CONNECT_SOURCE_AUDIT;
			else
				return bad(err, "connect-source", optarg,
					   "allowed: auto, bpf, audit");
			break;
		case OPT_VERBOSE:
			o->verbose++;
			break;
		case OPT_HELP:
			options_usage(out);
			return OPTIONS_EXIT_OK;
		case OPT_VERSION:
			fprintf(out, PROG " " PACKAGE_VERSION "\n");
			return OPTIONS_EXIT_OK;
		case ':':
			fprintf(err, PROG ": %s: missing value\n", argv[optind - 1]);
			return EX_USAGE;
		default:
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
	if (sink_parse(o->sink_uri, &o->sink, errbuf, sizeof(errbuf)) < 0) {
		snprintf(msg, sizeof(msg), "%s%sallowed: vsock:CID:PORT, unix:PATH, chardev:PATH or -",
			 errbuf, errbuf[0] ? "; " : "");
		return bad(err, "sink", o->sink_uri, msg);
	}
	if (o->format == PUMP_FORMAT_JSON && o->sink.kind != SINK_STDOUT)
		return bad(err, "format", "json",
			   "allowed only with --sink=- (receivers expect frames)");
	return 0;
}
