/*
 * fswatch_arm.c - arming a declared watch, losing it, and arming it again
 * (see fswatch.h).
 *
 * Every watch marks a directory: the watched directory itself, or the
 * directory of a watched file (filtered by name).  Marking the directory
 * rather than the file is what lets fanotify name the actor of creates and
 * deletes (they are directory events) and lets a file watch survive the
 * file's deletion and replacement by rename.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "fswatch_impl.h"

const char *fswatch_api_name(enum fswatch_api api)
{
	return api == FSWATCH_API_FANOTIFY ? "fanotify" : "inotify";
}

int fswatch_fid_of(int dirfd, const char *path, unsigned char *fid,
		   size_t *fid_len)
{
	struct fswatch_handle_buf hb;
	struct statfs sfs;
	int mount_id, rc;

	hb.fh.handle_bytes = MAX_HANDLE_SZ;
	rc = name_to_handle_at(dirfd, path, &hb.fh, &mount_id, AT_HANDLE_FID);
	if (rc < 0 && errno == EINVAL) {
		hb.fh.handle_bytes = MAX_HANDLE_SZ;
		rc = name_to_handle_at(dirfd, path, &hb.fh, &mount_id, 0);
	}
	if (rc < 0)
		return -errno;
	if (dirfd == AT_FDCWD ? statfs(path, &sfs) < 0 : fstatfs(dirfd, &sfs) < 0)
		return -errno;
	if (8 + sizeof(hb.fh) + hb.fh.handle_bytes > FSWATCH_FID_MAX)
		return -EOVERFLOW;
	memcpy(fid, &sfs.f_fsid, 8);
	memcpy(fid + 8, &hb.fh, sizeof(hb.fh) + hb.fh.handle_bytes);
	*fid_len = 8 + sizeof(hb.fh) + hb.fh.handle_bytes;
	return 0;
}

/* The directory a watch marks: the watched directory, or a file's. */
static void mark_dir(const struct fswatch_entry *e, char *dir)
{
	if (e->kind == FSWATCH_KIND_DIR) {
		memcpy(dir, e->real, strlen(e->real) + 1);
	} else if (e->name_off <= 1) {
		strcpy(dir, "/");
	} else {
		memcpy(dir, e->real, e->name_off - 1);
		dir[e->name_off - 1] = '\0';
	}
}

static int ino_fd(struct fswatch *w)
{
	if (w->ino_fd >= 0)
		return 0;
	w->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->ino_fd < 0)
		return -errno;
	if (reactor_add(w->reactor, w->ino_fd, EPOLLIN, w->read_inotify, w) < 0) {
		int err = -errno;

		close(w->ino_fd);
		w->ino_fd = -1;
		return err;
	}
	return 0;
}

static int resolve(struct fswatch_entry *e)
{
	struct stat st;
	const char *slash;

	if (stat(e->path, &st) < 0)
		return -errno;
	if (!realpath(e->path, e->real))
		return -errno;
	if (S_ISDIR(st.st_mode)) {
		e->kind = FSWATCH_KIND_DIR;
		e->name_off = strlen(e->real);
		e->name_len = 0;
	} else {
		e->kind = FSWATCH_KIND_FILE;
		slash = strrchr(e->real, '/');
		if (!slash)
			return -EINVAL; /* realpath is always absolute */
		e->name_off = (size_t)(slash - e->real) + 1;
		e->name_len = strlen(e->real + e->name_off);
	}
	return 0;
}

/* Errors with which fanotify refuses a filesystem (no usable file handles
 * or fsid) rather than the path: inotify can still watch it. */
static bool fan_refuses_fs(int err)
{
	return err == -EXDEV || err == -ENODEV || err == -EOPNOTSUPP ||
	       err == -ESTALE;
}

static int mark_fanotify(struct fswatch *w, struct fswatch_entry *e,
			 const char *dir)
{
	int err;

	if (fanotify_mark(w->fan_fd, FAN_MARK_ADD | FAN_MARK_ONLYDIR,
			  FSWATCH_FAN_MASK, AT_FDCWD, dir) < 0)
		return -errno;
	err = fswatch_fid_of(AT_FDCWD, dir, e->fid, &e->fid_len);
	if (err) {
		/* Events of a mark we cannot identify would match nothing. */
		fanotify_mark(w->fan_fd, FAN_MARK_REMOVE, FSWATCH_FAN_MASK,
			      AT_FDCWD, dir);
		return err;
	}
	e->api = FSWATCH_API_FANOTIFY;
	return 0;
}

static int mark_inotify(struct fswatch *w, struct fswatch_entry *e,
			const char *dir)
{
	int err = ino_fd(w);

	if (err)
		return err;
	e->wd = inotify_add_watch(w->ino_fd, dir, FSWATCH_INO_MASK);
	if (e->wd < 0)
		return -errno;
	e->api = FSWATCH_API_INOTIFY;
	return 0;
}

int fswatch_arm(struct fswatch *w, struct fswatch_entry *e)
{
	char dir[PATH_MAX];
	int err;

	e->wd = -1;
	e->fid_len = 0;
	err = resolve(e);
	if (err)
		return err;
	mark_dir(e, dir);
	if (w->fan_fd >= 0) {
		err = mark_fanotify(w, e, dir);
		if (err && (w->backend == FSWATCH_BACKEND_FANOTIFY ||
			    !fan_refuses_fs(err)))
			return err;
	} else if (w->backend == FSWATCH_BACKEND_FANOTIFY) {
		return w->fan_err;
	}
	if (w->fan_fd < 0 || err) {
		err = mark_inotify(w, e, dir);
		if (err)
			return err;
	}
	e->state = FSWATCH_ARMED;
	e->present = true;
	return 0;
}

static bool any_lost(const struct fswatch *w)
{
	unsigned i;

	for (i = 0; i < w->n; i++)
		if (w->e[i].state == FSWATCH_LOST)
			return true;
	return false;
}

void fswatch_rearm_update(struct fswatch *w)
{
	bool want = any_lost(w);
	int err;

	if (want == w->rearm.armed || w->rearm.fd < 0)
		return;
	err = clock_timer_arm_at(&w->rearm, want ?
				 w->now_ns + FSWATCH_REARM_INTERVAL_MS * CLOCK_NS_PER_MS : 0);
	if (err < 0)
		fswatch_log(w, LOG_ERR, "fs watch: re-arm timer: %s", strerror(-err));
}

void fswatch_on_rearm_timer(void *ctx, uint32_t events)
{
	struct fswatch *w = ctx;
	unsigned i;

	(void)events;
	clock_timer_ack(&w->rearm);
	w->now_ns = clock_now_ns();
	for (i = 0; i < w->n; i++) {
		struct fswatch_entry *e = &w->e[i];

		if (e->state != FSWATCH_LOST || fswatch_arm(w, e) != 0)
			continue;
		fswatch_log(w, LOG_INFO, "watch %s: armed (%s, %s)", e->path,
			    fswatch_api_name(e->api),
			    e->kind == FSWATCH_KIND_DIR ? "directory" : "file");
	}
	fswatch_rearm_update(w);
}

bool fswatch_fid_equal(const struct fswatch_entry *e, const unsigned char *fid,
		       size_t len)
{
	return e->fid_len != 0 && e->fid_len == len &&
	       memcmp(e->fid, fid, len) == 0;
}

static bool dir_still_marked(const struct fswatch *w,
			     const struct fswatch_entry *e)
{
	unsigned i;

	for (i = 0; i < w->n; i++) {
		const struct fswatch_entry *o = &w->e[i];

		if (o == e || o->state != FSWATCH_ARMED || o->api != e->api)
			continue;
		if (e->api == FSWATCH_API_INOTIFY ? o->wd == e->wd :
		    fswatch_fid_equal(o, e->fid, e->fid_len))
			return true;
	}
	return false;
}

/* A fanotify mark survives its directory being renamed away; remove it
 * through the handle (best effort: a mark left behind only costs events
 * that match no watch).  A rename never leaves its filesystem, so the old
 * parent directory serves as the mount fd.  Neither open_by_handle_at's
 * mount fd nor fanotify_mark's dirfd may be O_PATH descriptors. */
static void unmark_moved_fanotify(struct fswatch *w, const struct fswatch_entry *e)
{
	struct fswatch_handle_buf hb;
	char dir[PATH_MAX];
	char *slash;
	int mfd, fd;

	if (e->fid_len < 16 || e->fid_len - 8 > sizeof(hb))
		return;
	mark_dir(e, dir);
	slash = strrchr(dir, '/');
	if (!slash)
		return;
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	mfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		return;
	memcpy(&hb, e->fid + 8, e->fid_len - 8);
	fd = open_by_handle_at(mfd, &hb.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(mfd);
	if (fd < 0)
		return;
	if (fanotify_mark(w->fan_fd, FAN_MARK_REMOVE, FSWATCH_FAN_MASK, fd, NULL) < 0)
		fswatch_log(w, LOG_DEBUG, "watch %s: removing the moved mark: %s",
			    e->path, strerror(errno));
	close(fd);
}

void fswatch_lose(struct fswatch *w, struct fswatch_entry *e, uint32_t what)
{
	const char *why = (what & FSWATCH_SELF_DELETED) ? "deleted" :
			  (what & FSWATCH_SELF_MOVED) ? "renamed away" :
			  (what & FSWATCH_UNMOUNTED) ? "unmounted" : "no longer watched";

	fswatch_log(w, LOG_WARN, "watch %s: %s was %s; armed again when the path exists",
		    e->path, e->kind == FSWATCH_KIND_FILE ? "its directory" : "the directory",
		    why);
	stats_add(STAT_WATCH_LOST, 1);
	e->state = FSWATCH_LOST;
	if (!dir_still_marked(w, e)) {
		if (e->api == FSWATCH_API_INOTIFY && e->wd >= 0 && w->ino_fd >= 0 &&
		    !(what & (FSWATCH_WATCH_GONE | FSWATCH_UNMOUNTED)))
			inotify_rm_watch(w->ino_fd, e->wd); /* EINVAL if gone */
		else if (e->api == FSWATCH_API_FANOTIFY && (what & FSWATCH_SELF_MOVED))
			unmark_moved_fanotify(w, e);
	}
	e->wd = -1;
	e->fid_len = 0;
	fswatch_rearm_update(w);
}

void fswatch_presence(struct fswatch *w, struct fswatch_entry *e, uint32_t what)
{
	bool came = what & (FSWATCH_CREATE | FSWATCH_MOVED_TO);
	bool went = what & (FSWATCH_DELETE | FSWATCH_MOVED_FROM);
	bool now;

	if (!came && !went)
		return;
	if (came && went) {
		struct stat st;

		/* A merged fanotify event does not say in which order. */
		now = lstat(e->real, &st) == 0;
	} else {
		now = came;
	}
	if (now == e->present)
		return;
	e->present = now;
	if (now) {
		fswatch_log(w, LOG_INFO, "watch %s: the file is back", e->path);
	} else {
		fswatch_log(w, LOG_WARN, "watch %s: the file is gone; its name stays watched",
			    e->path);
		stats_add(STAT_WATCH_LOST, 1);
	}
}

void fswatch_log(struct fswatch *w, enum log_level level, const char *fmt, ...)
{
	char msg[PATH_MAX + 256];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	agent_log_limited(&w->log, w->now_ns, level, "%s", msg);
}
