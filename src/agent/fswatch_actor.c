/*
 * fswatch_actor.c - who acted: the actor's comm through /proc and its
 * pidfd, and the agent's own identity and open files (see fswatch.h).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fswatch_impl.h"

/* Read a small proc file relative to dirfd; -1 on any failure. */
static ssize_t read_small(int dirfd, const char *name, char *out, size_t cap)
{
	ssize_t n;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	do
		n = read(fd, out, cap);
	while (n < 0 && errno == EINTR);
	close(fd);
	return n;
}

/* Has the process behind pidfd not been reaped yet?  Then its pid cannot
 * have been given to another process, so what /proc/PID said is its. */
static bool not_reaped(struct fswatch *w, int pidfd)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
	char path[48], info[512];
	const char *pid;
	ssize_t n;

	if (poll(&pfd, 1, 0) == 0)
		return true; /* still running */
	/* Exited: a zombie still shows its pid in the pidfd's fdinfo. */
	snprintf(path, sizeof(path), "self/fdinfo/%d", pidfd);
	n = read_small(w->proc_fd, path, info, sizeof(info) - 1);
	if (n <= 0)
		return false;
	info[n] = '\0';
	pid = strstr(info, "\nPid:");
	return pid && strtol(pid + 5, NULL, 10) > 0;
}

ssize_t fswatch_actor_comm(struct fswatch *w, int32_t pid, int pidfd,
			   char *out, size_t cap)
{
	char name[16];
	ssize_t n;
	int dfd;

	if (pid <= 0 || w->proc_fd < 0)
		return -1;
	if (w->fan_pidfd && pidfd < 0)
		return -1; /* reaped before we read the event */
	snprintf(name, sizeof(name), "%" PRId32, pid);
	dfd = openat(w->proc_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	n = read_small(dfd, "comm", out, cap);
	close(dfd);
	if (n <= 0)
		return -1;
	if (out[n - 1] == '\n')
		n--;
	if (pidfd >= 0 && !not_reaped(w, pidfd))
		return -1;
	return n;
}

void fswatch_self_identity(struct fswatch *w)
{
	ssize_t n;

	w->self_pid = (uint32_t)getpid();
	n = w->proc_fd >= 0 ?
	    read_small(w->proc_fd, "self/comm", w->self_comm, sizeof(w->self_comm)) : -1;
	if (n > 0 && w->self_comm[n - 1] == '\n')
		n--;
	w->self_comm_len = n > 0 ? (size_t)n : 0;
}

void fswatch_own_files(struct fswatch *w)
{
	char link[32], path[PATH_MAX];
	struct dirent *d;
	DIR *dir;
	int dfd;

	w->n_own = 0;
	if (w->proc_fd < 0)
		return;
	dfd = openat(w->proc_fd, "self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	dir = fdopendir(dfd);
	if (!dir) {
		close(dfd);
		return;
	}
	while ((d = readdir(dir)) != NULL && w->n_own < FSWATCH_MAX_OWN_FILES) {
		struct fswatch_own_file *o = &w->own[w->n_own];
		struct stat st;
		const char *slash;
		char *end;
		long fd = strtol(d->d_name, &end, 10);
		int fl;
		ssize_t n;

		if (*end != '\0' || end == d->d_name || fd == dirfd(dir))
			continue;
		fl = fcntl((int)fd, F_GETFL);
		if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY ||
		    fstat((int)fd, &st) < 0 ||
		    !(S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode)))
			continue;
		snprintf(link, sizeof(link), "%ld", fd);
		n = readlinkat(dfd, link, path, sizeof(path) - 1);
		if (n <= 0 || path[0] != '/')
			continue; /* pipe:[...] and the like: not in any directory */
		path[n] = '\0';
		slash = strrchr(path, '/');
		memcpy(o->path, path, (size_t)n + 1);
		o->dir_len = (size_t)(slash - path);
		o->name_len = (size_t)n - o->dir_len - 1;
		w->n_own++;
	}
	closedir(dir);
}

bool fswatch_own_file(const struct fswatch *w, const struct fswatch_entry *e,
		      const struct fswatch_event *ev)
{
	size_t dlen = e->kind == FSWATCH_KIND_DIR ? strlen(e->real) : e->name_off - 1;
	unsigned i;

	if (dlen == 1 && e->real[0] == '/')
		dlen = 0;
	for (i = 0; i < w->n_own; i++) {
		const struct fswatch_own_file *o = &w->own[i];

		if (o->dir_len == dlen && o->name_len == ev->name_len &&
		    memcmp(o->path, e->real, dlen) == 0 &&
		    memcmp(o->path + dlen + 1, ev->name, ev->name_len) == 0)
			return true;
	}
	return false;
}
