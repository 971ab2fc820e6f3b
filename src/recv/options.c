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
	"  --format=json|text     JSON Lines (default), or aligned text lines\n"
	"  --summary[=FILE]       at the end, report what the run showed on\n"
	"                         stderr (or in FILE)\n"
	"  --summary-format=text|json  the report as text (default) or JSON\n"
	"  -h, --help             show this help and exit\n"
	"      --version          show the version and exit\n";

/* How a value is checked and where it goes. */
enum kind {
	K_PATH,    /* non-empty; at most max bytes when max > 0 -> const char * */
	K_LISTEN,  /* the listen address, its own grammar (listen_address) */
	K_ID,      /* 1..RECV_ID_MAX_BYTES of valid UTF-8 -> const char * */
	K_OPT_PATH, /* as K_PATH; no value stores RECV_SUMMARY_STDERR */
	K_U64,     /* strict decimal within [min, max] -> uint64_t */
	K_CHOICE,  /* one of the words in choices -> its index, unsigned */
	K_HELP,    /* no value: the parse ends with RECV_OPTIONS_HELP */
	K_VERSION, /* no value: the parse ends with RECV_OPTIONS_VERSION */
};

struct spec {
	const char *name;
	enum kind kind;
	size_t dest;        /* offsetof(struct recv_options, ...) */
	uint64_t min, max;  /* K_U64: the range; K_PATH: max bytes (0: any) */
	const char *allowed; /* K_U64: what the number is ("whole seconds") */
	const char *note;    /* K_U64: appended to the range ("0 = off"), or NULL */
	const char *const *choices; /* K_CHOICE: the words, NULL-terminated,
	                               in the order of their enum */
};

/* In the order of enum recv_format. */
static const char *const format_words[] = { "json", "text", NULL };

/* offsetof, refusing at compile time a field of another type than the row's
 * kind stores. */
#define DEST_AS(field, type)                                      \
	(offsetof(struct recv_options, field) +                     \
	 0 * sizeof(_Generic(((struct recv_options *)0)->field, type: 1)))
#define STR(field) DEST_AS(field, const char *)
#define U64(field) DEST_AS(field, uint64_t)
#define UNS(field) DEST_AS(field, unsigned)
/* sun_path holds the name and its NUL. */
#define SUN_PATH_MAX_BYTES (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

/* The whole command line.  getopt's table is derived from this one, so an
 * option exists exactly when it has a row here. */
static const struct spec specs[] = {
	{ .name = "listen", .kind = K_LISTEN, .dest = STR(listen_path),
	  .max = SUN_PATH_MAX_BYTES },
	{ .name = "input", .kind = K_PATH, .dest = STR(input_path) },
	{ .name = "output", .kind = K_PATH, .dest = STR(output_path) },
	{ .name = "raw", .kind = K_PATH, .dest = STR(raw_path) },
	{ .name = "cell-id", .kind = K_ID, .dest = STR(cell_id) },
	{ .name = "run-id", .kind = K_ID, .dest = STR(run_id) },
	{ .name = "silence-window", .kind = K_U64,
	  .dest = U64(silence_window_s), .min = 0, .max = RECV_MAX_SILENCE_S,
	  .allowed = "whole seconds", .note = "0 turns it off" },
	{ .name = "count", .kind = K_U64, .dest = U64(count), .min = 1,
	  .max = UINT64_MAX, .allowed = "an integer" },
	{ .name = "format", .kind = K_CHOICE, .dest = UNS(format),
	  .choices = format_words },
	{ .name = "summary", .kind = K_OPT_PATH, .dest = STR(summary_path) },
	{ .name = "summary-format", .kind = K_CHOICE,
	  .dest = UNS(summary_format), .choices = format_words },
	{ .name = "help", .kind = K_HELP },
	{ .name = "version", .kind = K_VERSION },
};

#define N_SPECS (sizeof(specs) / sizeof(specs[0]))
/* getopt_long's return value for specs[i] (above any short option). */
#define SPEC_VAL_BASE 256

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

/* "a, b or c" into buf. */
static const char *words(const char *const *w, char *buf, size_t cap)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t k = 0; w[k] != NULL && len < cap; k++) {
		const char *sep = k == 0 ? "" : w[k + 1] == NULL ? " or " : ", ";
		int n = snprintf(buf + len, cap - len, "%s%s", sep, w[k]);
		if (n < 0)
			break;
		len += (size_t)n;
	}
	return buf;
}

/* --listen: a Unix socket path that fits sun_path.  Every address form
 * the receiver listens on is told apart here, in one place. */
static enum recv_options_result listen_address(const struct spec *sp,
					       const char *value,
					       struct recv_options *opts,
					       char *err, size_t errcap)
{
	size_t len = strlen(value);

	if (len == 0)
		return usage(err, errcap, "--%s='': empty; allowed: a file name",
			     sp->name);
	if (len > sp->max)
		return usage(err, errcap,
			     "--%s='%s': path too long; allowed: at most %" PRIu64 " bytes",
			     sp->name, value, sp->max);
	opts->listen_path = value;
	return RECV_OPTIONS_RUN;
}

/* Check value (NULL: none given) against its row and store it. */
static enum recv_options_result apply(const struct spec *sp, const char *value,
				      struct recv_options *opts, char *err,
				      size_t errcap)
{
	char *dest = (char *)opts + sp->dest;
	size_t len = value ? strlen(value) : 0;
	uint64_t v;
	char list[RECV_OPTIONS_ERR_BYTES / 2];

	switch (sp->kind) {
	case K_LISTEN:
		return listen_address(sp, value, opts, err, errcap);
	case K_OPT_PATH:
		if (value == NULL)
			value = RECV_SUMMARY_STDERR;
		/* fall through */
	case K_PATH:
		len = strlen(value);
		if (len == 0)
			return usage(err, errcap,
				     "--%s='': empty; allowed: a file name",
				     sp->name);
		if (sp->max > 0 && len > sp->max)
			return usage(err, errcap,
				     "--%s='%s': path too long; allowed: at most %" PRIu64 " bytes",
				     sp->name, value, sp->max);
		memcpy(dest, &value, sizeof(value));
		return RECV_OPTIONS_RUN;
	case K_ID:
		if (len == 0 || len > RECV_ID_MAX_BYTES ||
		    !wire_utf8_valid((const uint8_t *)value, len, NULL))
			/* The value may be invalid UTF-8: do not echo it raw. */
			return usage(err, errcap,
				     "--%s: value of %zu bytes is not allowed; allowed: 1 to %d bytes of valid UTF-8",
				     sp->name, len, RECV_ID_MAX_BYTES);
		memcpy(dest, &value, sizeof(value));
		return RECV_OPTIONS_RUN;
	case K_U64:
		if (!parse_u64(value, sp->min, sp->max, &v))
			return usage(err, errcap,
				     "--%s='%s': not allowed; allowed: %s from %" PRIu64 " to %" PRIu64 "%s%s%s",
				     sp->name, value, sp->allowed, sp->min,
				     sp->max, sp->note ? " (" : "",
				     sp->note ? sp->note : "",
				     sp->note ? ")" : "");
		memcpy(dest, &v, sizeof(v));
		return RECV_OPTIONS_RUN;
	case K_CHOICE:
		for (unsigned k = 0; sp->choices[k] != NULL; k++) {
			if (strcmp(value, sp->choices[k]) == 0) {
				memcpy(dest, &k, sizeof(k));
				return RECV_OPTIONS_RUN;
			}
		}
		return usage(err, errcap, "--%s='%s': not allowed; allowed: %s",
			     sp->name, value, words(sp->choices, list, sizeof(list)));
	case K_HELP:
		return RECV_OPTIONS_HELP;
	case K_VERSION:
	default:
		return RECV_OPTIONS_VERSION;
	}
}

/* The row of an option (the name must be in the table). */
static size_t spec_index(const char *name)
{
	size_t i = 0;
	while (i < N_SPECS - 1 && strcmp(specs[i].name, name) != 0)
		i++;
	return i;
}

enum recv_options_result recv_options_parse(int argc, char **argv,
					    struct recv_options *opts,
					    char *err, size_t errcap)
{
	struct option longopts[N_SPECS + 1];
	const char *given[N_SPECS]; /* first value of each, for "given twice" */
	int help_val = 0;

	memset(opts, 0, sizeof(*opts));
	opts->silence_window_s = RECV_DEFAULT_SILENCE_S;
	opts->summary_format = RECV_FORMAT_TEXT;
	if (errcap > 0)
		err[0] = '\0';
	memset(longopts, 0, sizeof(longopts));
	for (size_t i = 0; i < N_SPECS; i++) {
		bool takes = specs[i].kind != K_HELP && specs[i].kind != K_VERSION;
		longopts[i].name = specs[i].name;
		longopts[i].has_arg = specs[i].kind == K_OPT_PATH ? optional_argument
				      : takes ? required_argument
					      : no_argument;
		longopts[i].val = SPEC_VAL_BASE + (int)i;
		if (specs[i].kind == K_HELP)
			help_val = longopts[i].val;
		given[i] = NULL;
	}

	/* optind = 0 makes glibc reinitialise getopt completely; "+" stops
	 * at the first non-option, so argv is never permuted and argv[prev]
	 * is what the user typed. */
	optind = 0;
	opterr = 0;
	for (;;) {
		int prev = optind ? optind : 1;
		int c = getopt_long(argc, argv, "+:h", longopts, NULL);
		if (c == -1)
			break;
		if (c == 'h')
			c = help_val;
		if (c == ':')
			return usage(err, errcap,
				     "option '%s' needs a value; see --help",
				     argv[prev]);
		if (c < SPEC_VAL_BASE || c >= SPEC_VAL_BASE + (int)N_SPECS)
			/* Unknown option, or a value given to one that takes
			 * none (--help=x): name what was typed. */
			return usage(err, errcap,
				     "unknown option '%s'; see --help for the allowed options",
				     argv[prev]);

		size_t i = (size_t)(c - SPEC_VAL_BASE);
		if (longopts[i].has_arg != no_argument) {
			const char *shown = optarg ? optarg : "";
			if (given[i] != NULL)
				return usage(err, errcap,
					     "--%s given twice ('%s' and '%s'); allowed: once",
					     specs[i].name, given[i], shown);
			given[i] = shown;
		}
		enum recv_options_result r =
			apply(&specs[i], optarg, opts, err, errcap);
		if (r != RECV_OPTIONS_RUN)
			return r;
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
	if (given[spec_index("summary-format")] != NULL &&
	    opts->summary_path == NULL)
		return usage(err, errcap,
			     "--summary-format='%s' without --summary; allowed: with --summary",
			     format_words[opts->summary_format]);
	return RECV_OPTIONS_RUN;
}
