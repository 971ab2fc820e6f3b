/* files.c - see files.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recv/files.h"
#include "recv/log.h"

int recv_files_open(const char *name, const char *path)
{
	int fd;

	do {
		fd = open(path,
			  O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY,
			  0644);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0)
		recv_err("--%s=%s: %s", name, path, strerror(errno));
	return fd;
}

int recv_files_end_line(const char *path, int fd)
{
	struct stat st;
	char last;
	ssize_t n;
	int rfd;

	if (fstat(fd, &st) < 0) {
		recv_err("--output=%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0)
		return 0;
	/* The append descriptor is write-only; read the last byte through a
	 * second one (a regular file, so the open cannot block). */
	do {
		rfd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	} while (rfd < 0 && errno == EINTR);
	if (rfd < 0)
		return 0; /* not readable by us: nothing to learn, nothing lost */
	do {
		n = pread(rfd, &last, 1, st.st_size - 1);
	} while (n < 0 && errno == EINTR);
	close(rfd);
	if (n != 1 || last == '\n')
		return 0;
	/* A receiver killed mid-write left an incomplete last line: end it,
	 * so the next record starts a line of its own instead of completing
	 * a broken one. */
	do {
		n = write(fd, "\n", 1);
	} while (n < 0 && errno == EINTR);
	if (n != 1) {
		recv_err("--output=%s: %s", path, n < 0 ? strerror(errno) : "short write");
		return -1;
	}
	recv_warn("--output=%s: its last line was incomplete (a receiver killed mid-write?); ended it", path);
	return 0;
}

/* Open path anew and put it in place of *fd; keep *fd when that fails. */
static void switch_to(const char *name, const char *path, int *fd)
{
	int nfd = recv_files_open(name, path);
	if (nfd < 0) {
		recv_warn("--%s: still writing to the file opened before", name);
		return;
	}
	/* The old file got everything before this point; a close error on
	 * it can no longer lose anything written with write(2). */
	if (close(*fd) < 0)
		recv_warn("--%s: closing the old file: %s", name,
			  strerror(errno));
	*fd = nfd;
}

int recv_files_reopen(struct recv_ctx *c)
{
	const struct recv_options *o = c->opts;

	if (o->output_path != NULL) {
		if (recv_output_flush(c->out) < 0)
			return -1;
		int old = c->out->fd;
		switch_to("output", o->output_path, &c->out->fd);
		/* A new text file starts with its column titles too. */
		if (c->out->fd != old && recv_output_header(c->out) < 0)
			return -1;
	}
	if (o->raw_path != NULL && c->raw_fd >= 0)
		switch_to("raw", o->raw_path, &c->raw_fd);
	if (o->output_path == NULL && o->raw_path == NULL)
		recv_info("SIGHUP: nothing to reopen (output on standard output, no --raw)");
	else
		recv_info("SIGHUP: reopened%s%s", o->output_path ? " --output" : "",
			  o->raw_path ? " --raw" : "");
	return 0;
}
