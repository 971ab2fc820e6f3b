/*
 * fswatch_match.c - one decoded event against the watches: which watch it
 * belongs to, whether it is worth a frame, losses and overflows (see
 * fswatch.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "fswatch_impl.h"

static void emit(struct fswatch *w, enum fswatch_api api,
		 const struct fswatch_event *ev, uint64_t ts_ns)
{
	char comm[FSWATCH_COMM_BYTES];
	ssize_t n;

	if (api == FSWATCH_API_INOTIFY) {
		pump_emit(w->pump, WIRE_PROBE_FS_INOTIFY_FIRED, w->self_pid,
			  w->self_comm, w->self_comm_len, ts_ns);
		return;
	}
	if (ev->pid > 0 && (uint32_t)ev->pid == w->self_pid)
		return; /* the agent's own doing */
	n = fswatch_actor_comm(w, ev->pid, ev->pidfd, comm, sizeof(comm));
	if (n < 0) {
		stats_add(STAT_COMM_UNRESOLVED, 1);
		n = 0;
	}
	pump_emit(w->pump, WIRE_PROBE_FS_INOTIFY_FIRED,
		  ev->pid > 0 ? (uint32_t)ev->pid : 0, comm, (size_t)n, ts_ns);
}

static void overflow(struct fswatch *w, enum fswatch_api api)
{
	uint64_t more;

	stats_add(STAT_DROP_FS_OVERFLOW, 1);
	if (!log_limit_pass(&w->overflow_log, w->now_ns, &more))
		return;
	if (more)
		agent_log(LOG_WARN,
			  "fs watch: the %s queue overflowed, events were lost (%" PRIu64
			  " more overflows since the last report)",
			  fswatch_api_name(api), more);
	else
		agent_log(LOG_WARN,
			  "fs watch: the %s queue overflowed, events were lost",
			  fswatch_api_name(api));
}

/* fanotify names a subdirectory's own attribute change by the
 * subdirectory's handle (and "."), not by the marked parent: find the
 * parent through the handle and see whether it is a watched directory. */
static bool fan_child_dir_of_watch(struct fswatch *w, const struct fswatch_event *ev)
{
	unsigned char parent[FSWATCH_FID_MAX];
	struct fswatch_handle_buf hb;
	size_t parent_len = 0;
	bool found = false, looked = false;
	unsigned i;

	if (ev->fid_len < 16 || ev->fid_len - 8 > sizeof(hb))
		return false;
	for (i = 0; i < w->n && !found; i++) {
		const struct fswatch_entry *e = &w->e[i];

		if (e->state != FSWATCH_ARMED || e->api != FSWATCH_API_FANOTIFY ||
		    e->kind != FSWATCH_KIND_DIR || e->fid_len < 8 ||
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
			err = fswatch_fid_of(fd, "..", parent, &parent_len);
			close(fd);
			if (err)
				return false;
		}
		found = fswatch_fid_equal(e, parent, parent_len);
	}
	return found;
}

/* Whether a matched event is worth a frame. */
static bool reportable(const struct fswatch *w, enum fswatch_api api,
		       const struct fswatch_entry *e, const struct fswatch_event *ev)
{
	if (!(ev->what & FSWATCH_REPORTABLE))
		return false;
	/* fanotify drops the agent's own actions by pid (see emit()). */
	return api != FSWATCH_API_INOTIFY || ev->name_len == 0 ||
	       (ev->what & FSWATCH_REPORTABLE) != FSWATCH_MODIFY ||
	       !fswatch_own_file(w, e, ev);
}

void fswatch_handle_event(struct fswatch *w, enum fswatch_api api,
			  const struct fswatch_event *ev, uint64_t ts_ns)
{
	bool report = false, matched = false;
	unsigned i;

	w->now_ns = ts_ns;
	if (ev->what & FSWATCH_OVERFLOW) {
		overflow(w, api);
		return;
	}
	for (i = 0; i < w->n; i++) {
		struct fswatch_entry *e = &w->e[i];

		if (e->state != FSWATCH_ARMED || e->api != api)
			continue;
		if (api == FSWATCH_API_INOTIFY ? e->wd != ev->wd :
		    !fswatch_fid_equal(e, ev->fid, ev->fid_len))
			continue;
		matched = true;
		if (ev->name_len == 0) {
			/* The marked directory itself. */
			if (e->kind == FSWATCH_KIND_DIR && (ev->what & FSWATCH_REPORTABLE))
				report = true;
			if (ev->what & FSWATCH_LOSS)
				fswatch_lose(w, e, ev->what);
		} else if (e->kind == FSWATCH_KIND_DIR) {
			if (reportable(w, api, e, ev))
				report = true;
		} else if (ev->name_len == e->name_len &&
			   memcmp(ev->name, e->real + e->name_off, e->name_len) == 0) {
			if (reportable(w, api, e, ev))
				report = true;
			fswatch_presence(w, e, ev->what);
		}
	}
	if (!matched && api == FSWATCH_API_FANOTIFY && ev->name_len == 0 &&
	    (ev->what & FSWATCH_ISDIR) && (ev->what & FSWATCH_ATTRIB))
		report = fan_child_dir_of_watch(w, ev);
	if (report)
		emit(w, api, ev, ts_ns);
}
