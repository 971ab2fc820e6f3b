/* options.c - see options.h. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "cellos_wire.h"
#include "recv/options.h"

const char recv_usage_text[] =
	"Usage: cellos-telemetry-recv --listen=PATH [OPTION]...\n"
	"       cellos-telemetry-recv --input=FILE|- [OPTION]...\n"
	"Receive CellOS guest telemetry (wire format v1) and print one JSON\n"
	"object per frame.\n"
	"\n"
	"  --listen=PATH          listen on the Unix stream socket PATH\n"
	"  --input=FILE|-         decode a captured stream (- is stdin)\n"
	"  --output=FILE          write JSON lines to FILE (default stdout)\n"
	"  --raw=FILE             append every received byte to FILE\n"
	"  --cell-id=ID           add \"cell_id\":ID to every frame line\n"
	"  --run-id=ID            add \"run_id\":ID to every frame line\n"
	"  --silence-window=SECS  report agent_silenced after SECS without a\n"
	"                         frame (default 10, 0 turns it off)\n"
	"  --count=N              exit 0 after N frames\n"
	"  -h, --help             show this help and exit\n"
	"      --version          show the version and exit\n";

enum {
	OPT_LISTEN = 256,
	OPT_INPUT,
	OPT_OUTPUT,
	OPT_RAW,
	OPT_CELL_ID,
	OPT_RUN_ID,
	OPT_SILENCE,
	OPT_COUNT,
	OPT_VERSION,
};

static const struct option long_options[] = {
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "input", required_argument, NULL, OPT_INPUT },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "raw", required_argument, NULL, OPT_RAW },
	{ "cell-id", required_argument, NULL, OPT_CELL_ID },
	{ "run-id", required_argument, NULL, OPT_RUN_ID },
	{ "silence-window", required_argument, NULL, OPT_SILENCE },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static enum recv_options_result usage(char *err, size_t errcap,
				      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum recv_options_result usage(char *err, size_t errcap,
				      const char *fmt, ...)
{
	va_list ap;

	if (errcap > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errcap, fmt, ap);
		va_end(ap);
	}
	return RECV_OPTIONS_USAGE;
}

/* Strict unsigned decimal: digits only (no sign, space or 0x), no
 * overflow, within [min, max]. */
static bool parse_u64(const char *s, uint64_t min, uint64_t max,
		      uint64_t *out)
{
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool set_path(const char **slot, const char *name, const char *value,
		     char *err, size_t errcap)
{
	if (*slot != NULL) {
		usage(err, errcap, "--%s given twice ('%s' and '%s'); allowed: once",
		      name, *slot, value);
		return false;
	}
	if (value[0] == '\0') {
		usage(err, errcap, "--%s='': empty; allowed: a file name", name);
		return false;
	}
	*slot = value;
	return true;
}

static bool set_id(const char **slot, const char *name, const char *value,
		   char *err, size_t errcap)
{
	size_t len = strlen(value);

	if (*slot != NULL) {
		usage(err, errcap, "--%s given twice ('%s' and '%s'); allowed: once",
		      name, *slot, value);
		return false;
	}
	if (len == 0 || len > RECV_ID_MAX_BYTES ||
	    !wire_utf8_valid((const uint8_t *)value, len, NULL)) {
		/* The value may be invalid UTF-8: do not echo it raw. */
		usage(err, errcap,
		      "--%s: value of %zu bytes is not allowed; allowed: 1 to %d bytes of valid UTF-8",
		      name, len, RECV_ID_MAX_BYTES);
		return false;
	}
	*slot = value;
	return true;
}

enum recv_options_result recv_options_parse(int argc, char **argv,
					    struct recv_options *opts,
					    char *err, size_t errcap)
{
	uint64_t v;
	bool seen_silence = false, seen_count = false;

	memset(opts, 0, sizeof(*opts));
	opts->silence_window_s = RECV_DEFAULT_SILENCE_S;
	if (errcap > 0)
		err[0] = '\0';

	/* optind = 0 makes glibc reinitialise getopt completely; "+" stops
	 * at the first non-option, so argv is never permuted and argv[prev]
	 * is what the user typed. */
	optind = 0;
	opterr = 0;
	for (;;) {
		int prev = optind ? optind : 1;
		int c = getopt_long(argc, argv, "+:h", long_options, NULL);
		if (c == -1)
			break;
		switch (c) {
		case OPT_LISTEN:
			if (!set_path(&opts->listen_path, "listen", optarg, err, errcap))
				return RECV_OPTIONS_USAGE;
			/* sun_path holds the name and its NUL. */
			if (strlen(optarg) >= sizeof(((struct sockaddr_un *)0)->sun_path))
				return usage(err, errcap,
					     "--listen='%s': path too long; allowed: at most %zu bytes",
					     optarg,
					     sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
			break;
		case OPT_INPUT:
			if (!set_path(&opts->input_path, "input", optarg, err, errcap))
				return RECV_OPTIONS_USAGE;
			break;
		case OPT_OUTPUT:
			if (!set_path(&opts->output_path, "output", optarg, err, errcap))
				return RECV_OPTIONS_USAGE;
			break;
		case OPT_RAW:
			if (!set_path(&opts->raw_path, "raw", optarg, err, errcap))
				return RECV_OPTIONS_USAGE;
			break;
		case OPT_CELL_ID:
			if (!set_id(&opts->cell_id, "cell-id", optarg, err, errcap))
				return RECV_OPTIONS_USAGE;
			break;
		case OPT_RUN_ID:
			if (!set_id(&opts->run_id, "run-id", optarg, err, errcap))
				return RECV_OPTIONS_USAGE;
			break;
		case OPT_SILENCE:
			if (seen_silence)
				return usage(err, errcap,
					     "--silence-window given twice; allowed: once");
			if (!parse_u64(optarg, 0, RECV_MAX_SILENCE_S, &v))
				return usage(err, errcap,
					     "--silence-window='%s': not allowed; allowed: whole seconds from 0 (off) to %d",
					     optarg, RECV_MAX_SILENCE_S);
			opts->silence_window_s = (unsigned)v;
			seen_silence = true;
			break;
		case OPT_COUNT:
			if (seen_count)
				return usage(err, errcap,
					     "--count given twice; allowed: once");
			if (!parse_u64(optarg, 1, UINT64_MAX, &v))
				return usage(err, errcap,
					     "--count='%s': not allowed; allowed: an integer from 1 to %" PRIu64,
					     optarg, UINT64_MAX);
			opts->count = v;
			seen_count = true;
			break;
		case 'h':
			return RECV_OPTIONS_HELP;
		case OPT_VERSION:
			return RECV_OPTIONS_VERSION;
		case ':':
			return usage(err, errcap,
				     "option '%s' needs a value; see --help",
				     argv[prev]);
		default:
			/* Unknown option, or a value given to one that takes
			 * none (--help=x): name what was typed. */
			return usage(err, errcap,
				     "unknown option '%s'; see --help for the allowed options",
				     argv[prev]);
		}
	}
	if (optind < argc)
		return usage(err, errcap,
			     "unexpected argument '%s'; allowed: options only (see --help)",
			     argv[optind]);
	if (opts->listen_path != NULL && opts->input_path != NULL)
		return usage(err, errcap,
			     "--listen='%s' and --input='%s' given together; allowed: one of them",
			     opts->listen_path, opts->input_path);
	if (opts->listen_path == NULL && opts->input_path == NULL)
		return usage(err, errcap,
			     "neither --listen nor --input given; allowed: exactly one of them");
	return RECV_OPTIONS_RUN;
}
