/*
 * main.c - cellos-telemetry-recv: command line, files, signals, exit code.
 *
 * The host-side reference receiver of the CellOS guest telemetry wire
 * format: --listen on a Unix socket (server.c) or --input from a capture
 * (input.c), JSON lines out (output.c), counters to stderr at exit.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sysexits.h>
#include <unistd.h>

#include "recv/decode.h"
#include "recv/input.h"
#include "recv/log.h"
#include "recv/options.h"
#include "recv/output.h"
#include "recv/server.h"

/* Big (64 KiB buffer and escaped ids): static, allocated once. */
static struct recv_output output;

static int open_out(const char *opt, const char *path, int flags)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | flags,
		      0644);
	if (fd < 0)
		recv_err("--%s=%s: %s", opt, path, strerror(errno));
	return fd;
}

/* SIGINT/SIGTERM become readable events on a signalfd; SIGPIPE is
 * ignored so a closed output pipe is a write error we report. */
static int setup_signals(void)
{
	sigset_t set;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) < 0) {
		recv_err("sigaction(SIGPIPE): %s", strerror(errno));
		return -1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
		recv_err("sigprocmask: %s", strerror(errno));
		return -1;
	}
	int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		recv_err("signalfd: %s", strerror(errno));
	return fd;
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
	int out_fd = STDOUT_FILENO, raw_fd = -1, sigfd = -1;

	if (opts.output_path != NULL) {
		out_fd = open_out("output", opts.output_path, O_TRUNC);
		if (out_fd < 0)
			return EX_CANTCREAT;
	}
	if (opts.raw_path != NULL) {
		raw_fd = open_out("raw", opts.raw_path, O_APPEND);
		if (raw_fd < 0) {
			rc = EX_CANTCREAT;
			goto out;
		}
	}
	if (recv_output_init(&output, out_fd, opts.cell_id, opts.run_id) < 0) {
		/* options.c bounds the ids, so this is a bug in the bounds. */
		recv_err("internal: --cell-id/--run-id do not fit the output line");
		rc = EX_SOFTWARE;
		goto out;
	}
	sigfd = setup_signals();
	if (sigfd < 0) {
		rc = EX_OSERR;
		goto out;
	}

	struct recv_ctx ctx = {
		.opts = &opts,
		.out = &output,
		.raw_fd = raw_fd,
	};
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
	if (raw_fd >= 0 && close(raw_fd) < 0 && rc == EX_OK) {
		recv_err("--raw=%s: %s", opts.raw_path, strerror(errno));
		rc = EX_IOERR;
	}
	if (out_fd != STDOUT_FILENO && close(out_fd) < 0 && rc == EX_OK) {
		recv_err("--output=%s: %s", opts.output_path, strerror(errno));
		rc = EX_IOERR;
	}
	return rc;
}
