/*
 * procwalk.c - /proc reader.
 */
#include "config.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procwalk.h"
#include "mem.h"
#include "source.h"

int procwalk_open(struct procwalk *w, const char *root)
{
	w->root = root;
	w->dents = mem_resident(PROCWALK_DENTS_BYTES, 1);
	if (!w->dents)
		return -1;
	do {
		w->fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} while (w->fd < 0 && errno == EINTR);
	if (w->fd < 0) {
		int e = errno;
		mem_free(w->dents);
		w->dents = NULL;
		errno = e;
		return -1;
	}
	return 0;
}

void procwalk_close(struct procwalk *w)
{
	if (w->fd >= 0)
		close(w->fd);
	mem_free(w->dents);
	w->dents = NULL;
	w->fd = -1;
}

ssize_t procwalk_read_pid_file(int proc_fd, uint32_t pid, const char *name,
			       char *buf, size_t len)
{
	char path[48];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%u/%s", pid, name);
	/* Relative to the /proc fd opened once: one open, one read. */
	do {
		fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -1;
	do {
		n = read(fd, buf, len);
	} while (n < 0 && errno == EINTR);
	close(fd);
	return n; /* -1 with ESRCH: exited between open and read */
}

int procwalk_read_comm(struct procwalk *w, uint32_t pid, char comm[PT_COMM_LEN])
{
	char buf[PT_COMM_LEN + 2];
	ssize_t n = procwalk_read_pid_file(w->fd, pid, "comm", buf, sizeof(buf));

	if (n < 0)
		return -1;
	/* The kernel ends comm with a newline; the name itself may hold
	 * any other byte, newlines included, so strip only the last. */
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > PT_COMM_LEN)
		n = PT_COMM_LEN;
	memcpy(comm, buf, (size_t)n);
	return (int)n;
}

uint64_t procwalk_cpu_ns(struct procwalk *w, uint32_t pid)
{
	char buf[96];
	ssize_t n = procwalk_read_pid_file(w->fd, pid, "schedstat", buf, sizeof(buf) - 1);

	if (n <= 0)
		return UINT64_MAX;
	buf[n] = '\0';
	uint64_t v = 0;
	size_t i = 0;
	for (; i < (size_t)n && buf[i] >= '0' && buf[i] <= '9'; i++)
		v = v * 10 + (uint64_t)(buf[i] - '0');
	return i > 0 ? v : UINT64_MAX;
}

static bool parse_pid(const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return false;
	}
	*out = (uint32_t)v;
	return v != 0;
}

long procwalk_run(struct procwalk *w, struct procmodel *pm)
{
	long seen = 0;

	if (w->fd < 0 || !w->dents) {
		errno = EBADF;
		return -1;
	}
	if (lseek(w->fd, 0, SEEK_SET) < 0)
		return -1;
	procmodel_walk_begin(pm);
	for (;;) {
		ssize_t n = getdents64(w->fd, w->dents, PROCWALK_DENTS_BYTES);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* A partial listing must not turn into exits of
			 * processes that were simply not read. */
			agent_log(LOG_WARN, "/proc walk: getdents64: %s", strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		for (size_t off = 0; off < (size_t)n;) {
			const struct dirent64 *de = (const void *)(w->dents + off);
			uint32_t pid;

			if (de->d_reclen == 0)
				break;
			off += de->d_reclen;
			if (parse_pid(de->d_name, &pid)) {
				procmodel_walk_seen(pm, pid, clock_now_ns());
				seen++;
			}
		}
	}
	procmodel_walk_end(pm, clock_now_ns());
	return seen;
}
