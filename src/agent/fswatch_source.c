/*
 * fswatch_source.c - the declared-watch source: start, stop and reading the
 * fanotify and inotify descriptors (see fswatch.h; fswatch_impl.h says
 * which file does what).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/fanotify.h>
#include <unistd.h>

#include "fswatch_impl.h"

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

static void close_event_fds(struct fswatch_event *ev)
{
	close_fd(&ev->pidfd);
	close_fd(&ev->fd);
}

typedef int (*decode_fn)(const void *, size_t, size_t *, struct fswatch_event *);

static void drain(struct fswatch *w, int fd, enum fswatch_api api, decode_fn next)
{
	struct fswatch_event ev;
	unsigned reads;

	for (reads = 0; reads < FSWATCH_READS_PER_WAKEUP; reads++) {
		ssize_t n = read(fd, w->buf, sizeof(w->buf));
		size_t off = 0;
		uint64_t ts;
		int rc;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN) {
				w->now_ns = clock_now_ns();
				fswatch_log(w, LOG_ERR, "fs watch: reading %s: %s",
					    fswatch_api_name(api), strerror(errno));
			}
			return;
		}
		if (n == 0)
			return;
		ts = clock_now_ns();
		while ((rc = next(w->buf, (size_t)n, &off, &ev)) == 1) {
			fswatch_handle_event(w, api, &ev, ts);
			close_event_fds(&ev);
		}
		close_event_fds(&ev);
		if (rc < 0) {
			fswatch_log(w, LOG_ERR, "fs watch: malformed %s record at byte %zu of %zd; rest of the read dropped",
				    fswatch_api_name(api), off, n);
			stats_add(STAT_DROP_UNKNOWN, 1);
		}
	}
}

static void on_fanotify(void *ctx, uint32_t events)
{
	struct fswatch *w = ctx;

	(void)events;
	drain(w, w->fan_fd, FSWATCH_API_FANOTIFY, fswatch_fanotify_next);
}

static void on_inotify(void *ctx, uint32_t events)
{
	struct fswatch *w = ctx;

	(void)events;
	drain(w, w->ino_fd, FSWATCH_API_INOTIFY, fswatch_inotify_next);
}

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
		w->fan_err = -errno;
		return;
	}
	if (reactor_add(w->reactor, w->fan_fd, EPOLLIN, on_fanotify, w) < 0) {
		w->fan_err = -errno;
		close_fd(&w->fan_fd);
	}
}

static int make_absolute(struct fswatch_entry *e, const char *arg)
{
	char cwd[PATH_MAX];
	int n;

	if (arg[0] == '/') {
		n = snprintf(e->path, sizeof(e->path), "%s", arg);
	} else {
		if (!getcwd(cwd, sizeof(cwd)))
			return -errno;
		n = snprintf(e->path, sizeof(e->path), "%s/%s",
			     strcmp(cwd, "/") == 0 ? "" : cwd, arg);
	}
	return n < 0 || (size_t)n >= sizeof(e->path) ? -ENAMETOOLONG : 0;
}

static void init(struct fswatch *w, const struct fswatch_config *c,
		 const struct source_env *env)
{
	memset(w, 0, sizeof(*w));
	w->fan_fd = -1;
	w->ino_fd = -1;
	w->proc_fd = -1;
	clock_timer_init(&w->rearm);
	w->log = (struct log_limit)LOG_LIMIT_INIT("fs watch", FSWATCH_LOG_WINDOW_NS,
						  FSWATCH_LOG_PER_WINDOW);
	w->overflow_log = (struct log_limit)LOG_LIMIT_INIT("fs watch",
							   FSWATCH_OVERFLOW_LOG_INTERVAL_NS, 1);
	w->backend = c->backend;
	w->reactor = env->r;
	w->pump = env->pump;
	w->read_inotify = on_inotify;
	w->now_ns = clock_now_ns();
	w->live = true;
}

int fswatch_start(struct fswatch *w, const struct source_env *env,
		  const struct fswatch_config *c, struct source_msg *msg)
{
	unsigned i;
	int err;

	init(w, c, env);
	msg->text[0] = '\0';
	msg->armed = 1u << WIRE_PROBE_FS_INOTIFY_FIRED;
	if (c->n_paths == 0)
		return 0;

	w->e = calloc(c->n_paths, sizeof(*w->e));
	w->own = calloc(FSWATCH_MAX_OWN_FILES, sizeof(*w->own));
	if (!w->e || !w->own) {
		err = source_fail(msg, -ENOMEM, "fs watch: %s", strerror(ENOMEM));
		goto fail;
	}
	w->n = c->n_paths;
	w->proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (w->proc_fd < 0)
		agent_log(LOG_WARN, "fs watch: /proc: %s; actors' comm will be empty",
			  strerror(errno));
	fswatch_self_identity(w);
	fswatch_own_files(w);

	err = clock_timer_open(&w->rearm, env->r, fswatch_on_rearm_timer, w);
	if (err < 0) {
		source_fail(msg, err, "fs watch: re-arm timer: %s", strerror(-err));
		goto fail;
	}
	if (c->backend != FSWATCH_BACKEND_INOTIFY) {
		open_fanotify(w);
		if (w->fan_fd < 0)
			agent_log(c->backend == FSWATCH_BACKEND_AUTO ? LOG_INFO : LOG_ERR,
				  "fs watch: fanotify: %s%s", strerror(-w->fan_err),
				  c->backend == FSWATCH_BACKEND_AUTO ?
				  "; using inotify, which reports the agent as the actor" : "");
	}

	for (i = 0; i < w->n; i++) {
		struct fswatch_entry *e = &w->e[i];

		e->wd = -1;
		e->state = FSWATCH_LOST;
		err = make_absolute(e, c->paths[i]);
		if (!err)
			err = fswatch_arm(w, e);
		if (!err) {
			agent_log(LOG_INFO, "watch %s: armed (%s, %s)", e->path,
				  fswatch_api_name(e->api),
				  e->kind == FSWATCH_KIND_DIR ? "directory" : "file");
			continue;
		}
		if (c->failure == FSWATCH_FAIL) {
			source_fail(msg, err, "--watch=%s: %s", c->paths[i],
				    strerror(-err));
			goto fail;
		}
		agent_log(LOG_WARN, "watch %s: cannot be watched: %s; running without it%s",
			  c->paths[i], strerror(-err),
			  w->fan_fd < 0 && c->backend == FSWATCH_BACKEND_FANOTIFY ?
			  "" : " until it can be");
		stats_add(STAT_WATCH_LOST, 1);
		/* Without the explicitly asked-for backend there is nothing to
		 * retry with. */
		if (w->fan_fd < 0 && c->backend == FSWATCH_BACKEND_FANOTIFY)
			e->state = FSWATCH_OFF;
	}
	fswatch_rearm_update(w);
	return 0;

fail:
	fswatch_stop(w);
	return err;
}

static void close_source_fd(struct fswatch *w, int *fd)
{
	if (*fd < 0)
		return;
	(void)reactor_del(w->reactor, *fd);
	close_fd(fd);
}

void fswatch_stop(struct fswatch *w)
{
	if (!w->live)
		return;
	/* What the kernel queued before the stop still leaves with the drain. */
	if (w->fan_fd >= 0)
		on_fanotify(w, EPOLLIN);
	if (w->ino_fd >= 0)
		on_inotify(w, EPOLLIN);
	close_source_fd(w, &w->fan_fd);
	close_source_fd(w, &w->ino_fd);
	clock_timer_close(&w->rearm);
	close_fd(&w->proc_fd);
	free(w->e);
	free(w->own);
	w->e = NULL;
	w->own = NULL;
	w->n_own = 0;
	w->n = 0;
	w->live = false;
}
