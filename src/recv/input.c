/* input.c - see input.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "recv/input.h"
#include "recv/log.h"

struct input {
	struct wire_stream stream;
	uint8_t buf[RECV_INPUT_READ_BYTES];
};

/* true when SIGINT/SIGTERM is pending (sigfd is non-blocking). */
static bool signalled(int sigfd)
{
	struct signalfd_siginfo si;
	ssize_t n = read(sigfd, &si, sizeof(si));
	if (n == (ssize_t)sizeof(si)) {
		recv_info("%s received, stopping", strsignal((int)si.ssi_signo));
		return true;
	}
	return false;
}

/* Wait until fd is readable or a signal came.  Returns 1 readable, 0
 * signalled, -1 error. */
static int wait_readable(int fd, int sigfd)
{
	struct pollfd p[2] = {
		{ .fd = fd, .events = POLLIN },
		{ .fd = sigfd, .events = POLLIN },
	};

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if ((p[1].revents & POLLIN) && signalled(sigfd))
			return 0;
		if (p[0].revents != 0)
			return 1;
	}
}

static int run(struct recv_ctx *c, int fd, int sigfd, bool pollable,
	       struct input *in)
{
	const char *name = c->opts->input_path;
	char stamp[RECV_STAMP_BYTES];

	wire_stream_init(&in->stream);
	for (;;) {
		if (pollable) {
			int w = wait_readable(fd, sigfd);
			if (w == 0)
				return EX_OK;
			if (w < 0) {
				recv_err("--input=%s: poll: %s", name,
					 strerror(errno));
				return EX_IOERR;
			}
		} else if (signalled(sigfd)) {
			return EX_OK;
		}

		ssize_t n = read(fd, in->buf, sizeof(in->buf));
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == EWOULDBLOCK)
				continue;
			recv_err("--input=%s: read: %s", name, strerror(errno));
			return EX_IOERR;
		}
		recv_stamp_now(stamp);
		if (n == 0) {
			if (recv_decode_end(c, &in->stream, RECV_INPUT_CONN_ID,
					    stamp) == RECV_DECODE_IO_ERROR)
				return EX_IOERR;
			return EX_OK;
		}

		uint64_t frames;
		enum recv_decode_result r = recv_decode_feed(
			c, &in->stream, RECV_INPUT_CONN_ID, stamp, in->buf,
			(size_t)n, &frames);
		if (r == RECV_DECODE_IO_ERROR)
			return EX_IOERR;
		if (recv_output_flush(c->out) < 0) {
			recv_err("output: %s", strerror(errno));
			return EX_IOERR;
		}
		if (r == RECV_DECODE_DONE || r == RECV_DECODE_CLOSE)
			return EX_OK;
	}
}

int recv_input_run(struct recv_ctx *c, int sigfd)
{
	const char *path = c->opts->input_path;
	bool is_stdin = strcmp(path, "-") == 0;
	int fd = STDIN_FILENO;
	struct stat st;

	if (!is_stdin) {
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0) {
			recv_err("--input=%s: %s", path, strerror(errno));
			return EX_NOINPUT;
		}
	}
	if (fstat(fd, &st) < 0) {
		recv_err("--input=%s: %s", path, strerror(errno));
		if (!is_stdin)
			close(fd);
		return EX_NOINPUT;
	}
	if (S_ISDIR(st.st_mode)) {
		recv_err("--input=%s: is a directory; allowed: a file, a pipe or -",
			 path);
		if (!is_stdin)
			close(fd);
		return EX_NOINPUT;
	}

	struct input *in = malloc(sizeof(*in));
	int rc;
	if (in == NULL) {
		recv_err("out of memory for the input buffer");
		rc = EX_OSERR;
	} else {
		/* Regular files and block devices are always "readable":
		 * poll would say nothing, so only pipes, sockets and
		 * terminals are polled. */
		bool pollable = !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode);
		rc = run(c, fd, sigfd, pollable, in);
		free(in);
	}
	if (!is_stdin)
		close(fd);
	return rc;
}
