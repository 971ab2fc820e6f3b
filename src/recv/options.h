/*
 * options.h - the receiver's command line.
 *
 * Promises: recv_options_parse turns argv into a struct recv_options or
 * into one message that names the option, the value given and what is
 * allowed (the caller prints it and exits EX_USAGE).  It validates
 * everything that can be checked without touching the system: numbers,
 * exclusive options, the socket path's length, that --cell-id and
 * --run-id are non-empty UTF-8 without NUL of bounded length.  It keeps
 * pointers into argv (no allocation) and resets getopt's state itself, so
 * it may be called more than once (the unit tests do).
 */
#ifndef RECV_OPTIONS_H
#define RECV_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RECV_DEFAULT_SILENCE_S 10
#define RECV_MAX_SILENCE_S 86400 /* a day; longer is surely a typo */
/* --cell-id / --run-id: bytes before JSON escaping. */
#define RECV_ID_MAX_BYTES 256
/* --summary with no file (or --summary=-): the report goes to stderr. */
#define RECV_SUMMARY_STDERR "-"
/* Room for an error message from the parser. */
#define RECV_OPTIONS_ERR_BYTES 512

enum recv_format {
	RECV_FORMAT_JSON = 0, /* JSON Lines (the default) */
	RECV_FORMAT_TEXT,     /* aligned lines for people */
};

struct recv_options {
	const char *listen_path;  /* --listen, or NULL */
	const char *input_path;   /* --input ("-" = stdin), or NULL */
	const char *output_path;  /* --output, or NULL for stdout */
	const char *raw_path;     /* --raw, or NULL */
	const char *cell_id;      /* --cell-id, or NULL */
	const char *run_id;       /* --run-id, or NULL */
	uint64_t silence_window_s; /* 0 = off */
	uint64_t count;           /* --count, 0 = unlimited */
	unsigned format;          /* --format: enum recv_format */
	const char *summary_path; /* --summary: FILE, RECV_SUMMARY_STDERR, or
	                             NULL for no summary */
	unsigned summary_format;  /* --summary-format: enum recv_format */
};

enum recv_options_result {
	RECV_OPTIONS_RUN = 0,   /* opts filled: go */
	RECV_OPTIONS_HELP,      /* --help: print usage, exit 0 */
	RECV_OPTIONS_VERSION,   /* --version: print version, exit 0 */
	RECV_OPTIONS_USAGE,     /* err holds the message: exit EX_USAGE */
};

enum recv_options_result recv_options_parse(int argc, char **argv,
					    struct recv_options *opts,
					    char *err, size_t errcap);

/* The --help text. */
extern const char recv_usage_text[];

#endif
