/*
 * main.c - cellos-telemetry-recv: command line, files, signals, exit code.
 *
 * The host-side reference receiver of the CellOS guest telemetry wire
 * format: --listen on a Unix socket (server.c) or --input from a capture
 * (input.c), JSON lines out (output.c), counters to stderr at exit; the
 * files (files.c) and signals (signals.c) are set up here.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "recv/decode.h"
#include "recv/files.h"
#include "recv/input.h"
#include "recv/log.h"
#include "recv/options.h"
#include "recv/output.h"
#include "recv/server.h"
#include "recv/signals.h"
#include "recv/summary_write.h"

/* Big (64 KiB buffer and escaped ids): static, allocated once. */
static struct recv_output output;

/* Colors for people at a terminal, unless they asked for none
 * (https://no-color.org: NO_COLOR set and not empty). */
static bool want_color(const struct recv_options *o, int fd)
{
	const char *no = getenv("NO_COLOR");
	return o->format == RECV_FORMAT_TEXT && isatty(fd) == 1 &&
	       (no == NULL || no[0] == '\0');
}

/* --summary=FILE is opened (truncated: it reports one run) before the run,
 * so a path that cannot be written fails at once, not after hours. */
static FILE *open_summary(const char *path)
{
	if (strcmp(path, RECV_SUMMARY_STDERR) == 0)
		return stderr;
	int fd;
	do {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY,
			  0644);
	} while (fd < 0 && errno == EINTR);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
	if (f == NULL) {
		recv_err("--summary=%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	return f;
}

static int write_summary(const struct recv_options *o, FILE *f,
			 const struct recv_ctx *c)
{
	int rc = EX_OK;

	if (recv_summary_write(f, c->summary, c->stats.refused,
			       o->summary_format) < 0) {
		recv_err("--summary=%s: %s", o->summary_path, strerror(errno));
		rc = EX_IOERR;
	}
	if (f != stderr && fclose(f) != 0 && rc == EX_OK) {
		recv_err("--summary=%s: %s", o->summary_path, strerror(errno));
		rc = EX_IOERR;
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct recv_options opts;
	char err[RECV_OPTIONS_ERR_BYTES];

	switch (recv_options_parse(argc, argv, &opts, err, sizeof(err))) {
	case RECV_OPTIONS_RUN:
		break;
	case RECV_OPTIONS_HELP:
		fputs(recv_usage_text, stdout);
		return fflush(stdout) == 0 ? EX_OK : EX_IOERR;
	case RECV_OPTIONS_VERSION:
		printf("%s %s\n", RECV_PROG, PACKAGE_VERSION);
		return fflush(stdout) == 0 ? EX_OK : EX_IOERR;
	case RECV_OPTIONS_USAGE:
	default:
		recv_err("%s", err);
		return EX_USAGE;
	}

	int rc = EX_OK;
	int sigfd = -1;
	FILE *summary_file = NULL;
	/* The descriptors live in ctx: SIGHUP may replace them. */
	struct recv_ctx ctx = {
		.opts = &opts,
		.out = &output,
		.raw_fd = -1,
	};
	output.fd = STDOUT_FILENO;

	if (opts.output_path != NULL) {
		output.fd = recv_files_open("output", opts.output_path);
		if (output.fd < 0)
			return EX_CANTCREAT;
		if (recv_files_end_line(opts.output_path, output.fd) < 0) {
			close(output.fd);
			return EX_IOERR;
		}
	}
	if (opts.raw_path != NULL) {
		ctx.raw_fd = recv_files_open("raw", opts.raw_path);
		if (ctx.raw_fd < 0) {
			rc = EX_CANTCREAT;
			goto out;
		}
	}
	if (opts.summary_path != NULL) {
		/* About a megabyte of fixed tables: once, here. */
		ctx.summary = malloc(sizeof(*ctx.summary));
		if (ctx.summary == NULL) {
			recv_err("out of memory for the summary's tables");
			rc = EX_OSERR;
			goto out;
		}
		recv_summary_init(ctx.summary);
		summary_file = open_summary(opts.summary_path);
		if (summary_file == NULL) {
			rc = EX_CANTCREAT;
			goto out;
		}
	}
	if (recv_output_init(&output, output.fd, opts.cell_id, opts.run_id,
			     opts.format, want_color(&opts, output.fd)) < 0) {
		/* options.c bounds the ids, so this is a bug in the bounds. */
		recv_err("internal: --cell-id/--run-id do not fit the output line");
		rc = EX_SOFTWARE;
		goto out;
	}
	sigfd = recv_signals_setup();
	if (sigfd < 0) {
		rc = EX_OSERR;
		goto out;
	}

	if (opts.input_path != NULL)
		rc = recv_input_run(&ctx, sigfd);
	else
		rc = recv_server_run(&ctx, sigfd);

	if (recv_output_flush(&output) < 0) {
		recv_err("output: %s", strerror(errno));
		if (rc == EX_OK)
			rc = EX_IOERR;
	}
	recv_stats_log(&ctx.stats);
	if (summary_file != NULL) {
		int src = write_summary(&opts, summary_file, &ctx);
		summary_file = NULL;
		if (rc == EX_OK)
			rc = src;
	}

out:
	if (summary_file != NULL && summary_file != stderr)
		fclose(summary_file);
	free(ctx.summary);
	if (sigfd >= 0)
		close(sigfd);
	if (ctx.raw_fd >= 0 && close(ctx.raw_fd) < 0 && rc == EX_OK) {
		recv_err("--raw=%s: %s", opts.raw_path, strerror(errno));
		rc = EX_IOERR;
	}
	if (output.fd != STDOUT_FILENO && close(output.fd) < 0 && rc == EX_OK) {
		recv_err("--output=%s: %s", opts.output_path, strerror(errno));
		rc = EX_IOERR;
	}
	return rc;
}
