/* files.c - see files.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
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
