/*
 * fswatch.c - declared filesystem watches (see fswatch.h for the rules).
 *
 * Every watch marks a directory: the watched directory itself, or the
 * directory of a watched file (filtered by name).  Marking the directory
 * rather than the file is what lets fanotify name the actor of creates and
 * deletes (they are directory events) and lets a file watch survive the
 * file's deletion and replacement by rename.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <dirent.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "fswatch.h"

/* Linux 6.5: a handle meant only to identify an object, which is what
 * fanotify reports; Debian 12's 6.1 headers lack it. */
#ifndef AT_HANDLE_FID
#define AT_HANDLE_FID 0x200
#endif

/* What a directory mark listens for.  FAN_ONDIR is needed even for file
 * watches: without it the directory's own deletion is not reported. */
#define FSW_FAN_MASK (FAN_MODIFY | FAN_ATTRIB | FAN_CREATE | FAN_DELETE | \
		      FAN_MOVED_FROM | FAN_MOVED_TO | FAN_DELETE_SELF | \
		      FAN_MOVE_SELF | FAN_EVENT_ON_CHILD | FAN_ONDIR)
#define FSW_INO_MASK (IN_MODIFY | IN_ATTRIB | IN_CREATE | IN_DELETE | \
		      IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | \
		      IN_MOVE_SELF | IN_ONLYDIR)

struct fsw_handle_buf {
	struct file_handle fh;
	unsigned char bytes[MAX_HANDLE_SZ];
};

/* ---- options ------------------------------------------------------------ */

#define FSW_STR_(x) #x
#define FSW_STR(x) FSW_STR_(x)

int fswatch_config_add_path(struct fswatch_config *c, const char *arg,
			    const char **allowed)
{
	unsigned i;

	if (arg[0] == '\0') {
		*allowed = "allowed: the path of a file or directory (not empty)";
		return -1;
	}
	if (strlen(arg) >= PATH_MAX) {
		*allowed = "allowed: a path shorter than " FSW_STR(PATH_MAX) " bytes";
		return -1;
	}
	for (i = 0; i < c->n_paths; i++)
		if (strcmp(c->paths[i], arg) == 0)
			return 0; /* the same path twice is one watch */
	if (c->n_paths >= FSWATCH_MAX_WATCHES) {
		*allowed = "allowed: at most " FSW_STR(FSWATCH_MAX_WATCHES) " watches";
		return -1;
	}
	c->paths[c->n_paths++] = arg;
	return 0;
}

static const char *const backend_names[] = {
	[FSWATCH_BACKEND_AUTO] = "auto",
	[FSWATCH_BACKEND_FANOTIFY] = "fanotify",
	[FSWATCH_BACKEND_INOTIFY] = "inotify",
};

const char *fswatch_backend_name(enum fswatch_backend b)
{
	return (unsigned)b < sizeof(backend_names) / sizeof(backend_names[0]) ?
	       backend_names[b] : "?";
}

int fswatch_parse_backend(const char *arg, enum fswatch_backend *out,
			  const char **allowed)
{
	unsigned i;

	for (i = 0; i < sizeof(backend_names) / sizeof(backend_names[0]); i++)
		if (strcmp(arg, backend_names[i]) == 0) {
			*out = (enum fswatch_backend)i;
			return 0;
		}
	*allowed = "allowed: auto, fanotify, inotify";
	return -1;
}

int fswatch_parse_failure(const char *arg, enum fswatch_failure *out,
			  const char **allowed)
{
	if (strcmp(arg, "fail") == 0) {
		*out = FSWATCH_FAIL;
		return 0;
	}
	if (strcmp(arg, "degrade") == 0) {
		*out = FSWATCH_DEGRADE;
		return 0;
	}
	*allowed = "allowed: fail, degrade";
	return -1;
}

const char *fswatch_api_name(enum fsw_api api)
{
	return api == FSW_API_FANOTIFY ? "fanotify" : "inotify";
}

/* ---- small helpers ------------------------------------------------------ */

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

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

/* fsid + file_handle of path (relative to dirfd), in the layout fanotify
 * reports.  Returns 0 or an errno value. */
static int fid_of(int dirfd, const char *path, unsigned char *fid,
		  size_t *fid_len)
{
	struct fsw_handle_buf hb;
	struct statfs sfs;
	int mount_id, rc;

	hb.fh.handle_bytes = MAX_HANDLE_SZ;
	rc = name_to_handle_at(dirfd, path, &hb.fh, &mount_id, AT_HANDLE_FID);
	if (rc < 0 && errno == EINVAL) {
		hb.fh.handle_bytes = MAX_HANDLE_SZ;
		rc = name_to_handle_at(dirfd, path, &hb.fh, &mount_id, 0);
	}
	if (rc < 0)
		return errno;
	if (dirfd == AT_FDCWD ? statfs(path, &sfs) < 0 : fstatfs(dirfd, &sfs) < 0)
		return errno;
	if (8 + sizeof(hb.fh) + hb.fh.handle_bytes > FSW_FID_MAX)
		return EOVERFLOW;
	memcpy(fid, &sfs.f_fsid, 8);
	memcpy(fid + 8, &hb.fh, sizeof(hb.fh) + hb.fh.handle_bytes);
	*fid_len = 8 + sizeof(hb.fh) + hb.fh.handle_bytes;
	return 0;
}

/* The directory a watch marks: the watched directory, or a file's. */
static void mark_dir(const struct fsw_entry *e, char *dir)
{
	if (e->kind == FSW_KIND_DIR) {
		memcpy(dir, e->real, strlen(e->real) + 1);
	} else if (e->name_off <= 1) {
		strcpy(dir, "/");
	} else {
		memcpy(dir, e->real, e->name_off - 1);
		dir[e->name_off - 1] = '\0';
	}
}

/* A runtime message the workload can provoke: rate-limited (fswatch.h). */
static void wlog(struct fswatch *w, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void wlog(struct fswatch *w, enum log_level level, const char *fmt, ...)
{
	char msg[PATH_MAX + 256];
	uint64_t now = mono_now_ns();
	va_list ap;

	if (now - w->log_window_ns >= FSWATCH_LOG_WINDOW_NS) {
		if (w->log_suppressed)
			agent_log(LOG_WARN, "fs watch: %" PRIu64
				  " messages not logged (more than %d in %llu s)",
				  w->log_suppressed, FSWATCH_LOG_PER_WINDOW,
				  FSWATCH_LOG_WINDOW_NS / 1000000000ull);
		w->log_window_ns = now;
		w->log_in_window = 0;
		w->log_suppressed = 0;
	}
	if (w->log_in_window >= FSWATCH_LOG_PER_WINDOW) {
		w->log_suppressed++;
		return;
	}
	w->log_in_window++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	agent_log(level, "%s", msg);
}

/* ---- arming ------------------------------------------------------------- */

static void on_inotify(void *ctx, uint32_t events);

static int ino_fd(struct fswatch *w)
{
	if (w->ino_fd >= 0)
		return 0;
	w->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->ino_fd < 0)
		return errno;
	if (reactor_add(w->reactor, w->ino_fd, EPOLLIN, on_inotify, w) < 0) {
		int e = errno;

		close_fd(&w->ino_fd);
		return e;
	}
	return 0;
}

static int resolve(struct fsw_entry *e)
{
	struct stat st;
	const char *slash;

	if (stat(e->path, &st) < 0)
		return errno;
	if (!realpath(e->path, e->real))
		return errno;
	if (S_ISDIR(st.st_mode)) {
		e->kind = FSW_KIND_DIR;
		e->name_off = strlen(e->real);
		e->name_len = 0;
	} else {
		e->kind = FSW_KIND_FILE;
		slash = strrchr(e->real, '/');
		if (!slash)
			return EINVAL; /* realpath is always absolute */
		e->name_off = (size_t)(slash - e->real) + 1;
		e->name_len = strlen(e->real + e->name_off);
	}
	return 0;
}

/* Errors with which fanotify refuses a filesystem (no usable file handles
 * or fsid) rather than the path: inotify can still watch it. */
static bool fan_refuses_fs(int err)
{
	return err == EXDEV || err == ENODEV || err == EOPNOTSUPP ||
	       err == ESTALE;
}

static int mark_fanotify(struct fswatch *w, struct fsw_entry *e,
			 const char *dir)
{
	int err;

	if (fanotify_mark(w->fan_fd, FAN_MARK_ADD | FAN_MARK_ONLYDIR,
			  FSW_FAN_MASK, AT_FDCWD, dir) < 0)
		return errno;
	err = fid_of(AT_FDCWD, dir, e->fid, &e->fid_len);
	if (err) {
		/* Events of a mark we cannot identify would match nothing. */
		fanotify_mark(w->fan_fd, FAN_MARK_REMOVE, FSW_FAN_MASK,
			      AT_FDCWD, dir);
		return err;
	}
	e->api = FSW_API_FANOTIFY;
	return 0;
}

static int mark_inotify(struct fswatch *w, struct fsw_entry *e,
			const char *dir)
{
	int err = ino_fd(w);

	if (err)
		return err;
	e->wd = inotify_add_watch(w->ino_fd, dir, FSW_INO_MASK);
	if (e->wd < 0)
		return errno;
	e->api = FSW_API_INOTIFY;
	return 0;
}

/* Arm one watch.  Returns 0 or an errno value. */
static int arm(struct fswatch *w, struct fsw_entry *e)
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
		return w->fan_errno;
	}
	if (w->fan_fd < 0 || err) {
		err = mark_inotify(w, e, dir);
		if (err)
			return err;
	}
	e->state = FSW_ARMED;
	e->present = true;
	return 0;
}

static bool any_lost(const struct fswatch *w)
{
	unsigned i;

	for (i = 0; i < w->n; i++)
		if (w->e[i].state == FSW_LOST)
			return true;
	return false;
}

/* The re-arm timer ticks only while some watch is lost. */
static void timer_update(struct fswatch *w)
{
	struct itimerspec its;
	bool want = any_lost(w);

	if (want == w->timer_armed || w->timer_fd < 0)
		return;
	memset(&its, 0, sizeof(its));
	if (want) {
		its.it_interval.tv_nsec = FSWATCH_REARM_INTERVAL_MS * 1000000L;
		its.it_value = its.it_interval;
	}
	if (timerfd_settime(w->timer_fd, 0, &its, NULL) < 0) {
		wlog(w, LOG_ERR, "fs watch: re-arm timer: %s", strerror(errno));
		return;
	}
	w->timer_armed = want;
}

static void on_timer(void *ctx, uint32_t events)
{
	struct fswatch *w = ctx;
	uint64_t ticks;
	unsigned i;

	(void)events;
	if (read(w->timer_fd, &ticks, sizeof(ticks)) < 0 &&
	    errno != EAGAIN && errno != EINTR)
		wlog(w, LOG_ERR, "fs watch: re-arm timer: %s", strerror(errno));
	for (i = 0; i < w->n; i++) {
		struct fsw_entry *e = &w->e[i];

		if (e->state != FSW_LOST || arm(w, e) != 0)
			continue;
		wlog(w, LOG_INFO, "watch %s: armed (%s, %s)", e->path,
		     fswatch_api_name(e->api),
		     e->kind == FSW_KIND_DIR ? "directory" : "file");
	}
	timer_update(w);
}

/* ---- losing a watch ----------------------------------------------------- */

static bool fid_equal(const struct fsw_entry *e, const unsigned char *fid,
		      size_t len)
{
	return e->fid_len != 0 && e->fid_len == len &&
	       memcmp(e->fid, fid, len) == 0;
}

static bool dir_still_marked(const struct fswatch *w,
			     const struct fsw_entry *e)
{
	unsigned i;

	for (i = 0; i < w->n; i++) {
		const struct fsw_entry *o = &w->e[i];

		if (o == e || o->state != FSW_ARMED || o->api != e->api)
			continue;
		if (e->api == FSW_API_INOTIFY ? o->wd == e->wd :
		    fid_equal(o, e->fid, e->fid_len))
			return true;
	}
	return false;
}

/* A fanotify mark survives its directory being renamed away; remove it
 * through the handle (best effort: a mark left behind only costs events
 * that match no watch).  A rename never leaves its filesystem, so the old
 * parent directory serves as the mount fd.  Neither open_by_handle_at's
 * mount fd nor fanotify_mark's dirfd may be O_PATH descriptors. */
static void unmark_moved_fanotify(struct fswatch *w, const struct fsw_entry *e)
{
	struct fsw_handle_buf hb;
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
	if (fanotify_mark(w->fan_fd, FAN_MARK_REMOVE, FSW_FAN_MASK, fd, NULL) < 0)
		wlog(w, LOG_DEBUG, "watch %s: removing the moved mark: %s",
		     e->path, strerror(errno));
	close(fd);
}

static void lose(struct fswatch *w, struct fsw_entry *e, uint32_t what)
{
	const char *why = (what & FSW_SELF_DELETED) ? "deleted" :
			  (what & FSW_SELF_MOVED) ? "renamed away" :
			  (what & FSW_UNMOUNTED) ? "unmounted" : "no longer watched";

	wlog(w, LOG_WARN, "watch %s: %s was %s; armed again when the path exists",
	     e->path, e->kind == FSW_KIND_FILE ? "its directory" : "the directory",
	     why);
	stats_add(STAT_WATCH_LOST, 1);
	e->state = FSW_LOST;
	if (!dir_still_marked(w, e)) {
		if (e->api == FSW_API_INOTIFY && e->wd >= 0 && w->ino_fd >= 0 &&
		    !(what & (FSW_WATCH_GONE | FSW_UNMOUNTED)))
			inotify_rm_watch(w->ino_fd, e->wd); /* EINVAL if gone */
		else if (e->api == FSW_API_FANOTIFY && (what & FSW_SELF_MOVED))
			unmark_moved_fanotify(w, e);
	}
	e->wd = -1;
	e->fid_len = 0;
	timer_update(w);
}

/* A watched file's name came or went. */
static void presence(struct fswatch *w, struct fsw_entry *e, uint32_t what)
{
	bool came = what & (FSW_CREATE | FSW_MOVED_TO);
	bool went = what & (FSW_DELETE | FSW_MOVED_FROM);
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
		wlog(w, LOG_INFO, "watch %s: the file is back", e->path);
	} else {
		wlog(w, LOG_WARN, "watch %s: the file is gone; its name stays watched",
		     e->path);
		stats_add(STAT_WATCH_LOST, 1);
	}
}

/* ---- reporting ---------------------------------------------------------- */

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

/* The actor's comm, or -1 when it cannot be known for sure. */
static ssize_t actor_comm(struct fswatch *w, int32_t pid, int pidfd,
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

static void emit(struct fswatch *w, enum fsw_api api,
		 const struct fsw_event *ev, uint64_t ts_ns)
{
	char comm[FSWATCH_COMM_BYTES];
	ssize_t n;

	if (api == FSW_API_INOTIFY) {
		pump_emit(w->pump, WIRE_PROBE_FS_INOTIFY_FIRED, w->self_pid,
			  w->self_comm, w->self_comm_len, ts_ns);
		return;
	}
	if (ev->pid > 0 && (uint32_t)ev->pid == w->self_pid)
		return; /* the agent's own doing */
	n = actor_comm(w, ev->pid, ev->pidfd, comm, sizeof(comm));
	if (n < 0) {
		stats_add(STAT_COMM_UNRESOLVED, 1);
		n = 0;
	}
	pump_emit(w->pump, WIRE_PROBE_FS_INOTIFY_FIRED,
		  ev->pid > 0 ? (uint32_t)ev->pid : 0, comm, (size_t)n, ts_ns);
}

static void overflow(struct fswatch *w, enum fsw_api api)
{
	uint64_t now = mono_now_ns();

	stats_add(STAT_DROP_FS_OVERFLOW, 1);
	if (w->overflows_logged_once &&
	    now - w->overflow_logged_ns < FSWATCH_OVERFLOW_LOG_INTERVAL_NS) {
		w->overflows_unlogged++;
		return;
	}
	if (w->overflows_unlogged)
		agent_log(LOG_WARN,
			  "fs watch: the %s queue overflowed, events were lost (%" PRIu64
			  " more overflows since the last report)",
			  fswatch_api_name(api), w->overflows_unlogged);
	else
		agent_log(LOG_WARN,
			  "fs watch: the %s queue overflowed, events were lost",
			  fswatch_api_name(api));
	w->overflows_logged_once = true;
	w->overflow_logged_ns = now;
	w->overflows_unlogged = 0;
}

/* fanotify names a subdirectory's own attribute change by the
 * subdirectory's handle (and "."), not by the marked parent: find the
 * parent through the handle and see whether it is a watched directory. */
static bool fan_child_dir_of_watch(struct fswatch *w, const struct fsw_event *ev)
{
	unsigned char parent[FSW_FID_MAX];
	struct fsw_handle_buf hb;
	size_t parent_len = 0;
	bool found = false, looked = false;
	unsigned i;

	if (ev->fid_len < 16 || ev->fid_len - 8 > sizeof(hb))
		return false;
	for (i = 0; i < w->n && !found; i++) {
		const struct fsw_entry *e = &w->e[i];

		if (e->state != FSW_ARMED || e->api != FSW_API_FANOTIFY ||
		    e->kind != FSW_KIND_DIR || e->fid_len < 8 ||
		    memcmp(e->fid, ev->fid, 8) != 0)
			continue;
		if (!looked) {
			int mfd, fd, err;

			looked = true;
			mfd = open(e->real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (mfd < 0)
				return false;
			memcpy(&hb, ev->fid + 8, ev->fid_len - 8);
			fd = open_by_handle_at(mfd, &hb.fh, O_PATH | O_CLOEXEC);
			close(mfd);
			if (fd < 0)
				return false;
			err = fid_of(fd, "..", parent, &parent_len);
			close(fd);
			if (err)
				return false;
		}
		found = fid_equal(e, parent, parent_len);
	}
	return found;
}

/* Is the named entry of this inotify event one of the agent's own files? */
static bool own_file(const struct fswatch *w, const struct fsw_entry *e,
		     const struct fsw_event *ev)
{
	size_t dlen = e->kind == FSW_KIND_DIR ? strlen(e->real) : e->name_off - 1;
	unsigned i;

	if (dlen == 1 && e->real[0] == '/')
		dlen = 0;
	for (i = 0; i < w->n_own; i++) {
		const struct fsw_own_file *o = &w->own[i];

		if (o->dir_len == dlen && o->name_len == ev->name_len &&
		    memcmp(o->path, e->real, dlen) == 0 &&
		    memcmp(o->path + dlen + 1, ev->name, ev->name_len) == 0)
			return true;
	}
	return false;
}

/* Whether a matched event is worth a frame. */
static bool reportable(const struct fswatch *w, enum fsw_api api,
		       const struct fsw_entry *e, const struct fsw_event *ev)
{
	if (!(ev->what & FSW_REPORTABLE))
		return false;
	/* fanotify drops the agent's own actions by pid (see emit()). */
	return api != FSW_API_INOTIFY || ev->name_len == 0 ||
	       (ev->what & FSW_REPORTABLE) != FSW_MODIFY || !own_file(w, e, ev);
}

void fswatch_handle_event(struct fswatch *w, enum fsw_api api,
			  const struct fsw_event *ev, uint64_t ts_ns)
{
	bool report = false, matched = false;
	unsigned i;

	if (ev->what & FSW_OVERFLOW) {
		overflow(w, api);
		return;
	}
	for (i = 0; i < w->n; i++) {
		struct fsw_entry *e = &w->e[i];

		if (e->state != FSW_ARMED || e->api != api)
			continue;
		if (api == FSW_API_INOTIFY ? e->wd != ev->wd :
		    !fid_equal(e, ev->fid, ev->fid_len))
			continue;
		matched = true;
		if (ev->name_len == 0) {
			/* The marked directory itself. */
			if (e->kind == FSW_KIND_DIR && (ev->what & FSW_REPORTABLE))
				report = true;
			if (ev->what & FSW_LOSS)
				lose(w, e, ev->what);
		} else if (e->kind == FSW_KIND_DIR) {
			if (reportable(w, api, e, ev))
				report = true;
		} else if (ev->name_len == e->name_len &&
			   memcmp(ev->name, e->real + e->name_off, e->name_len) == 0) {
			if (reportable(w, api, e, ev))
				report = true;
			presence(w, e, ev->what);
		}
	}
	if (!matched && api == FSW_API_FANOTIFY && ev->name_len == 0 &&
	    (ev->what & FSW_ISDIR) && (ev->what & FSW_ATTRIB))
		report = fan_child_dir_of_watch(w, ev);
	if (report)
		emit(w, api, ev, ts_ns);
}

/* ---- reading ------------------------------------------------------------ */

static void close_event_fds(struct fsw_event *ev)
{
	close_fd(&ev->pidfd);
	close_fd(&ev->fd);
}

typedef int (*decode_fn)(const void *, size_t, size_t *, struct fsw_event *);

static void drain(struct fswatch *w, int fd, enum fsw_api api, decode_fn next)
{
	struct fsw_event ev;
	unsigned reads;

	for (reads = 0; reads < FSWATCH_READS_PER_WAKEUP; reads++) {
		ssize_t n = read(fd, w->buf, sizeof(w->buf));
		size_t off = 0;
		uint64_t ts;
		int rc;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				wlog(w, LOG_ERR, "fs watch: reading %s: %s",
				     fswatch_api_name(api), strerror(errno));
			return;
		}
		if (n == 0)
			return;
		ts = mono_now_ns();
		while ((rc = next(w->buf, (size_t)n, &off, &ev)) == 1) {
			fswatch_handle_event(w, api, &ev, ts);
			close_event_fds(&ev);
		}
		close_event_fds(&ev);
		if (rc < 0) {
			wlog(w, LOG_ERR, "fs watch: malformed %s record at byte %zu of %zd; rest of the read dropped",
			     fswatch_api_name(api), off, n);
			stats_add(STAT_DROP_UNKNOWN, 1);
		}
	}
}

static void on_fanotify(void *ctx, uint32_t events)
{
	struct fswatch *w = ctx;

	(void)events;
	drain(w, w->fan_fd, FSW_API_FANOTIFY, fsw_fanotify_next);
}

static void on_inotify(void *ctx, uint32_t events)
{
	struct fswatch *w = ctx;

	(void)events;
	drain(w, w->ino_fd, FSW_API_INOTIFY, fsw_inotify_next);
}

/* ---- start / stop ------------------------------------------------------- */

static void open_fanotify(struct fswatch *w)
{
	unsigned flags = FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK |
			 FAN_REPORT_DFID_NAME;

	w->fan_pidfd = true;
	w->fan_fd = fanotify_init(flags | FAN_REPORT_PIDFD,
				  O_RDONLY | O_CLOEXEC | O_LARGEFILE);
	if (w->fan_fd < 0 && errno == EINVAL) {
		/* Before Linux 5.15: comm then races pid reuse (rare). */
		w->fan_pidfd = false;
		w->fan_fd = fanotify_init(flags, O_RDONLY | O_CLOEXEC | O_LARGEFILE);
	}
	if (w->fan_fd < 0) {
		w->fan_errno = errno;
		return;
	}
	if (reactor_add(w->reactor, w->fan_fd, EPOLLIN, on_fanotify, w) < 0) {
		w->fan_errno = errno;
		close_fd(&w->fan_fd);
	}
}

static void self_identity(struct fswatch *w)
{
	ssize_t n;

	w->self_pid = (uint32_t)getpid();
	n = w->proc_fd >= 0 ?
	    read_small(w->proc_fd, "self/comm", w->self_comm, sizeof(w->self_comm)) : -1;
	if (n > 0 && w->self_comm[n - 1] == '\n')
		n--;
	w->self_comm_len = n > 0 ? (size_t)n : 0;
}

/* Record the files this process holds open for writing now (see
 * struct fsw_own_file); best effort, at start only. */
static void own_files(struct fswatch *w)
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
		struct fsw_own_file *o = &w->own[w->n_own];
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

static int make_absolute(struct fsw_entry *e, const char *arg)
{
	char cwd[PATH_MAX];
	int n;

	if (arg[0] == '/') {
		n = snprintf(e->path, sizeof(e->path), "%s", arg);
	} else {
		if (!getcwd(cwd, sizeof(cwd)))
			return errno;
		n = snprintf(e->path, sizeof(e->path), "%s/%s",
			     strcmp(cwd, "/") == 0 ? "" : cwd, arg);
	}
	return n < 0 || (size_t)n >= sizeof(e->path) ? ENAMETOOLONG : 0;
}

static void init_fds(struct fswatch *w)
{
	w->fan_fd = -1;
	w->ino_fd = -1;
	w->timer_fd = -1;
	w->proc_fd = -1;
}

enum fswatch_start_result fswatch_start(struct fswatch *w,
					const struct fswatch_config *c,
					struct reactor *r, struct pump *p,
					char *err, size_t err_len)
{
	unsigned i;

	w->e = NULL;
	w->own = NULL;
	w->n_own = 0;
	w->n = 0;
	init_fds(w);
	w->live = true;
	w->timer_armed = false;
	w->overflows_logged_once = false;
	w->overflows_unlogged = 0;
	w->log_window_ns = 0;
	w->log_in_window = 0;
	w->log_suppressed = 0;
	w->fan_errno = 0;
	w->backend = c->backend;
	w->reactor = r;
	w->pump = p;
	if (c->n_paths == 0)
		return FSWATCH_STARTED;

	w->e = calloc(c->n_paths, sizeof(*w->e));
	w->own = calloc(FSWATCH_MAX_OWN_FILES, sizeof(*w->own));
	if (!w->e || !w->own) {
		snprintf(err, err_len, "fs watch: %s", strerror(errno));
		return FSWATCH_OSERR;
	}
	w->n = c->n_paths;
	w->proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (w->proc_fd < 0)
		agent_log(LOG_WARN, "fs watch: /proc: %s; actors' comm will be empty",
			  strerror(errno));
	self_identity(w);
	own_files(w);

	w->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (w->timer_fd < 0 ||
	    reactor_add(r, w->timer_fd, EPOLLIN, on_timer, w) < 0) {
		snprintf(err, err_len, "fs watch: re-arm timer: %s", strerror(errno));
		close_fd(&w->timer_fd);
		return FSWATCH_OSERR;
	}
	if (c->backend != FSWATCH_BACKEND_INOTIFY) {
		open_fanotify(w);
		if (w->fan_fd < 0)
			agent_log(c->backend == FSWATCH_BACKEND_AUTO ? LOG_INFO : LOG_ERR,
				  "fs watch: fanotify: %s%s", strerror(w->fan_errno),
				  c->backend == FSWATCH_BACKEND_AUTO ?
				  "; using inotify, which reports the agent as the actor" : "");
	}

	for (i = 0; i < w->n; i++) {
		struct fsw_entry *e = &w->e[i];
		int rc;

		e->wd = -1;
		e->state = FSW_LOST;
		rc = make_absolute(e, c->paths[i]);
		if (!rc)
			rc = arm(w, e);
		if (!rc) {
			agent_log(LOG_INFO, "watch %s: armed (%s, %s)", e->path,
				  fswatch_api_name(e->api),
				  e->kind == FSW_KIND_DIR ? "directory" : "file");
			continue;
		}
		if (c->failure == FSWATCH_FAIL) {
			snprintf(err, err_len, "--watch=%s: %s", c->paths[i],
				 strerror(rc));
			return FSWATCH_UNAVAILABLE;
		}
		agent_log(LOG_WARN, "watch %s: cannot be watched: %s; running without it%s",
			  c->paths[i], strerror(rc),
			  w->fan_fd < 0 && c->backend == FSWATCH_BACKEND_FANOTIFY ?
			  "" : " until it can be");
		stats_add(STAT_WATCH_LOST, 1);
		/* Without the explicitly asked-for backend there is nothing to
		 * retry with. */
		if (w->fan_fd < 0 && c->backend == FSWATCH_BACKEND_FANOTIFY)
			e->state = FSW_OFF;
	}
	timer_update(w);
	return FSWATCH_STARTED;
}

void fswatch_stop(struct fswatch *w)
{
	if (!w->live)
		return;
	if (w->fan_fd >= 0)
		reactor_del(w->reactor, w->fan_fd);
	if (w->ino_fd >= 0)
		reactor_del(w->reactor, w->ino_fd);
	if (w->timer_fd >= 0)
		reactor_del(w->reactor, w->timer_fd);
	close_fd(&w->fan_fd);
	close_fd(&w->ino_fd);
	close_fd(&w->timer_fd);
	close_fd(&w->proc_fd);
	free(w->e);
	free(w->own);
	w->e = NULL;
	w->own = NULL;
	w->n_own = 0;
	w->n = 0;
	w->live = false;
}
