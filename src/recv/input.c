/* input.c - see input.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "recv/input.h"
#include "recv/log.h"
#include "recv/signals.h"

struct input {
	uint64_t frames; /* whole frames, good or bad */
	uint64_t bytes;
	struct wire_stream stream;
	uint8_t buf[RECV_INPUT_READ_BYTES];
};

/* Act on pending signals (sigfd is non-blocking).  Returns -1 to go on,
 * else the run's exit code. */
static int take_signals(struct recv_ctx *c, int sigfd)
{
	switch (recv_signals_take(sigfd, c)) {
	case RECV_SIGNAL_NONE:
		return -1;
	case RECV_SIGNAL_STOP:
		return EX_OK;
	case RECV_SIGNAL_IO_ERROR:
		return EX_IOERR;
	case RECV_SIGNAL_ERROR:
	default:
		return EX_OSERR;
	}
}

/* Wait until fd is readable, acting on signals meanwhile.  Returns -1 when
 * readable, else the run's exit code. */
static int wait_readable(struct recv_ctx *c, int fd, int sigfd)
{
	struct pollfd p[2] = {
		{ .fd = fd, .events = POLLIN },
		{ .fd = sigfd, .events = POLLIN },
	};

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			recv_err("--input=%s: poll: %s", c->opts->input_path,
				 strerror(errno));
			return EX_IOERR;
		}
		if (p[1].revents & POLLIN) {
			int rc = take_signals(c, sigfd);
			if (rc >= 0)
				return rc;
		}
		if (p[0].revents != 0)
			return -1;
	}
}

/* Decode until the capture ends or the run stops; *why says which. */
static int decode_all(struct recv_ctx *c, int fd, int sigfd, bool pollable,
		      struct input *in, const char **why)
{
	const char *name = c->opts->input_path;
	struct recv_stamp stamp;

	for (;;) {
		int rc = pollable ? wait_readable(c, fd, sigfd)
				  : take_signals(c, sigfd);
		if (rc >= 0) {
			*why = "stopped";
			return rc;
		}

		ssize_t n = read(fd, in->buf, sizeof(in->buf));
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == EWOULDBLOCK)
				continue;
			recv_err("--input=%s: read: %s", name, strerror(errno));
			*why = "read error";
			return EX_IOERR;
		}
		recv_stamp_now(&stamp);
		if (n == 0) {
			*why = "end of input";
			if (recv_decode_end(c, &in->stream, RECV_INPUT_CONN_ID,
					    &stamp) == RECV_DECODE_IO_ERROR)
				return EX_IOERR;
			return EX_OK;
		}

		uint64_t frames;
		in->bytes += (uint64_t)n;
		enum recv_decode_result r = recv_decode_feed(
			c, &in->stream, RECV_INPUT_CONN_ID, &stamp, in->buf,
			(size_t)n, &frames);
		in->frames += frames;
		if (r == RECV_DECODE_IO_ERROR)
			return EX_IOERR;
		if (recv_output_flush(c->out) < 0) {
			recv_err("output: %s", strerror(errno));
			return EX_IOERR;
		}
		if (r == RECV_DECODE_DONE) {
			*why = "count reached";
			return EX_OK;
		}
		if (r == RECV_DECODE_CLOSE) {
			*why = "framing error";
			return EX_OK;
		}
	}
}

/* The capture as one stream: opened, decoded, closed. */
static int run(struct recv_ctx *c, int fd, int sigfd, bool pollable,
	       struct input *in)
{
	struct recv_stamp stamp;
	const char *why = "stopped";
	int rc;

	wire_stream_init(&in->stream);
	in->frames = 0;
	in->bytes = 0;
	recv_stamp_now(&stamp);
	if (recv_stream_opened(c, RECV_INPUT_CONN_ID, &stamp) != RECV_DECODE_MORE)
		return EX_IOERR;
	rc = decode_all(c, fd, sigfd, pollable, in, &why);
	recv_stamp_now(&stamp);
	if (recv_stream_closed(c, RECV_INPUT_CONN_ID, &stamp, why, in->frames,
			       in->bytes) != RECV_DECODE_MORE &&
	    rc == EX_OK)
		rc = EX_IOERR;
	return rc;
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
