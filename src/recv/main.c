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
#include <stdio.h>
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

/* Big (64 KiB buffer and escaped ids): static, allocated once. */
static struct recv_output output;

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
	}
	if (opts.raw_path != NULL) {
		ctx.raw_fd = recv_files_open("raw", opts.raw_path);
		if (ctx.raw_fd < 0) {
			rc = EX_CANTCREAT;
			goto out;
		}
	}
	if (recv_output_init(&output, output.fd, opts.cell_id, opts.run_id) < 0) {
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

out:
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
