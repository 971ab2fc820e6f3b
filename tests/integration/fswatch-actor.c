/*
 * fswatch-actor - a process with a name of the test's choosing that acts on
 * files when told to, for the declared-watch integration tests.
 *
 *   fswatch-actor COMM CMD_FIFO REPLY_FIFO
 *
 * Sets its comm to COMM, then reads commands, one a line, from CMD_FIFO
 * and answers each on REPLY_FIFO with "ok" or "err <errno text>":
 *   create PATH      open(O_CREAT|O_EXCL) and close: one create event
 *   write PATH       append one byte: one modify event
 *   chmod PATH       flip the owner-execute bit: one attribute event
 *   delete PATH      unlink: one delete event
 *   mkdir PATH / rmdir PATH / rename FROM TO
 *   burst DIR N      create N new files DIR/burst.I (for queue overflows)
 * It stays alive until CMD_FIFO reaches end of file, so that the agent can
 * always read its comm.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define LINE_BYTES 8192

static int do_create(const char *path)
{
	int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);

	if (fd < 0)
		return -1;
	return close(fd);
}

static int do_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, "x", 1);
	if (close(fd) < 0 || n != 1)
		return -1;
	return 0;
}

static int do_chmod(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -1;
	return chmod(path, (st.st_mode & 07777) ^ S_IXUSR);
}

static int do_burst(const char *dir, const char *count)
{
	char path[LINE_BYTES + 32];
	long i, n = strtol(count, NULL, 10);

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/burst.%ld", dir, i);
		if (do_create(path) < 0)
			return -1;
	}
	return 0;
}

static int run(char *line)
{
	char *cmd = strtok(line, " \n");
	char *a = strtok(NULL, " \n");
	char *b = strtok(NULL, " \n");

	errno = EINVAL;
	if (!cmd || !a)
		return -1;
	if (strcmp(cmd, "create") == 0)
		return do_create(a);
	if (strcmp(cmd, "write") == 0)
		return do_write(a);
	if (strcmp(cmd, "chmod") == 0)
		return do_chmod(a);
	if (strcmp(cmd, "delete") == 0)
		return unlink(a);
	if (strcmp(cmd, "mkdir") == 0)
		return mkdir(a, 0755);
	if (strcmp(cmd, "rmdir") == 0)
		return rmdir(a);
	if (strcmp(cmd, "rename") == 0 && b)
		return rename(a, b);
	if (strcmp(cmd, "burst") == 0 && b)
		return do_burst(a, b);
	return -1;
}

int main(int argc, char **argv)
{
	static char line[LINE_BYTES];
	FILE *in, *out;

	if (argc != 4) {
		fprintf(stderr, "usage: fswatch-actor COMM CMD_FIFO REPLY_FIFO\n");
		return 64;
	}
	if (prctl(PR_SET_NAME, argv[1], 0, 0, 0) < 0) {
		perror("fswatch-actor: prctl");
		return 71;
	}
	in = fopen(argv[2], "r");
	out = in ? fopen(argv[3], "w") : NULL;
	if (!in || !out) {
		perror("fswatch-actor: fifo");
		return 66;
	}
	while (fgets(line, sizeof(line), in)) {
		if (run(line) < 0)
			fprintf(out, "err %s\n", strerror(errno));
		else
			fprintf(out, "ok\n");
		fflush(out);
	}
	return 0;
}
