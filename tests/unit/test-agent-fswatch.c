/*
 * test-agent-fswatch.c - unit tests of the declared-watch source: decoding
 * of synthetic inotify/fanotify buffers, matching events to watches
 * (frames, overflow and loss accounting, the agent's own actions) and the
 * start-up failure policy.  It links the real agent core; its frames go
 * through the real pump and are decoded back (agent-doubles.h).  The
 * option values are tested with the options (test-agent-options.c).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/fswatch.h"
#include "agent/reactor.h"
#include "agent-doubles.h"

/* ---- what the source did ----------------------------------------------- */

static uint64_t now_ns = 1000;     /* when the delivered events were read */
static struct pump pump;
static struct reactor *reactor;

static int reset_doubles(void **state)
{
	(void)state;
	test_pump_init(&pump);
	stats_reset();
	test_log_reset();
	now_ns = 1000;
	reactor = reactor_create();
	assert_non_null(reactor);
	return 0;
}

#define frames test_frames
#define n_frames test_frame_count()
#define n_logs test_log_count()
#define last_log test_log_last()
#define stat(id) stats_get(id)

/* ---- synthetic kernel records ------------------------------------------ */

static unsigned char buf[4096] __attribute__((aligned(8)));

/* One inotify record at *len; name padded to 16 bytes like the kernel. */
static void put_inotify(size_t *len, int wd, uint32_t mask, const char *name)
{
	struct inotify_event ie = { .wd = wd, .mask = mask };
	size_t nlen = name ? 16 : 0;

	ie.len = (uint32_t)nlen;
	memcpy(buf + *len, &ie, sizeof(ie));
	memset(buf + *len + sizeof(ie), 0, nlen);
	if (name)
		memcpy(buf + *len + sizeof(ie), name, strlen(name));
	*len += sizeof(ie) + nlen;
}

/* The identity bytes (fsid + file_handle) of a fake directory n. */
static size_t make_fid(unsigned char *out, unsigned n)
{
	uint32_t fsid[2] = { 0x1234, 0x5678 };
	uint32_t hbytes = 8;
	int32_t htype = 1;
	unsigned char h[8] = { 1, 2, 3, 4, 5, 6, 7, (unsigned char)n };

	memcpy(out, fsid, 8);
	memcpy(out + 8, &hbytes, 4);
	memcpy(out + 12, &htype, 4);
	memcpy(out + 16, h, 8);
	return 24;
}

/* One fanotify event: metadata, a DFID_NAME record for directory dir_n
 * (name NULL: no fid record at all), and a pidfd record when pidfd != -3. */
static void put_fanotify(size_t *len, uint64_t mask, int32_t pid,
			 unsigned dir_n, const char *name, int pidfd)
{
	struct fanotify_event_metadata m = {
		.vers = FANOTIFY_METADATA_VERSION,
		.metadata_len = FAN_EVENT_METADATA_LEN,
		.mask = mask, .fd = FAN_NOFD, .pid = pid,
	};
	size_t at = *len, p = at + sizeof(m);

	if (name) {
		struct fanotify_event_info_header h = {
			.info_type = FAN_EVENT_INFO_TYPE_DFID_NAME,
		};
		size_t rec = sizeof(h) + 24 + strlen(name) + 1;

		rec = (rec + 3) & ~(size_t)3;
		h.len = (uint16_t)rec;
		memset(buf + p, 0, rec);
		memcpy(buf + p, &h, sizeof(h));
		make_fid(buf + p + sizeof(h), dir_n);
		memcpy(buf + p + sizeof(h) + 24, name, strlen(name));
		p += rec;
	}
	if (pidfd != -3) {
		struct fanotify_event_info_pidfd pr = {
			.hdr = { .info_type = FAN_EVENT_INFO_TYPE_PIDFD,
				 .len = sizeof(pr) },
			.pidfd = pidfd,
		};

		memcpy(buf + p, &pr, sizeof(pr));
		p += sizeof(pr);
	}
	m.event_len = (uint32_t)(p - at);
	memcpy(buf + at, &m, sizeof(m));
	*len = p;
}

/* ---- decoding ------------------------------------------------------------ */

static void inotify_decodes_named_create(void **state)
{
	struct fswatch_event ev;
	size_t len = 0, off = 0;

	(void)state;
	put_inotify(&len, 3, IN_CREATE, "f");
	assert_int_equal(fswatch_inotify_next(buf, len, &off, &ev), 1);
	assert_int_equal(ev.wd, 3);
	assert_int_equal(ev.what, FSWATCH_CREATE);
	assert_int_equal(ev.name_len, 1);
	assert_memory_equal(ev.name, "f", 1);
	assert_int_equal(ev.pidfd, -1);
	assert_int_equal(off, len);
	assert_int_equal(fswatch_inotify_next(buf, len, &off, &ev), 0);
}

static void inotify_decodes_records_in_sequence(void **state)
{
	struct fswatch_event ev;
	size_t len = 0, off = 0;

	(void)state;
	put_inotify(&len, 1, IN_MODIFY, "a");
	put_inotify(&len, 1, IN_ATTRIB | IN_ISDIR, "sub");
	put_inotify(&len, 1, IN_DELETE, "b");
	assert_int_equal(fswatch_inotify_next(buf, len, &off, &ev), 1);
	assert_int_equal(ev.what, FSWATCH_MODIFY);
	assert_int_equal(fswatch_inotify_next(buf, len, &off, &ev), 1);
	assert_int_equal(ev.what, FSWATCH_ATTRIB | FSWATCH_ISDIR);
	assert_memory_equal(ev.name, "sub", 3);
	assert_int_equal(ev.name_len, 3);
	assert_int_equal(fswatch_inotify_next(buf, len, &off, &ev), 1);
	assert_int_equal(ev.what, FSWATCH_DELETE);
	assert_int_equal(fswatch_inotify_next(buf, len, &off, &ev), 0);
}

static void inotify_overflow_carries_no_watch(void **state)
{
	struct fswatch_event ev;
	size_t len = 0, off = 0;

	(void)state;
	put_inotify(&len, -1, IN_Q_OVERFLOW, NULL);
	assert_int_equal(fswatch_inotify_next(buf, len, &off, &ev), 1);
	assert_int_equal(ev.what, FSWATCH_OVERFLOW);
	assert_int_equal(ev.wd, -1);
	assert_int_equal(ev.name_len, 0);
}

static void inotify_self_deletion_and_ignored_are_losses(void **state)
{
	struct fswatch_event ev;
	size_t len = 0, off = 0;

	(void)state;
	put_inotify(&len, 2, IN_DELETE_SELF, NULL);
	put_inotify(&len, 2, IN_IGNORED, NULL);
	put_inotify(&len, 2, IN_MOVE_SELF, NULL);
	assert_int_equal(fswatch_inotify_next(buf, len, &off, &ev), 1);
	assert_int_equal(ev.what, FSWATCH_SELF_DELETED);
	assert_true(ev.what & FSWATCH_LOSS);
	assert_int_equal(fswatch_inotify_next(buf, len, &off, &ev), 1);
	assert_int_equal(ev.what, FSWATCH_WATCH_GONE);
	assert_true(ev.what & FSWATCH_LOSS);
	assert_false(ev.what & FSWATCH_REPORTABLE);
	assert_int_equal(fswatch_inotify_next(buf, len, &off, &ev), 1);
	assert_int_equal(ev.what, FSWATCH_SELF_MOVED);
}

static void inotify_rejects_name_overrunning_buffer(void **state)
{
	struct fswatch_event ev;
	size_t len = 0, off = 0;

	(void)state;
	put_inotify(&len, 1, IN_CREATE, "name");
	assert_int_equal(fswatch_inotify_next(buf, len - 1, &off, &ev), -1);
	assert_int_equal(off, 0);
}

static void inotify_rejects_truncated_header(void **state)
{
	struct fswatch_event ev;
	size_t len = 0, off = 0;

	(void)state;
	put_inotify(&len, 1, IN_CREATE, NULL);
	assert_int_equal(fswatch_inotify_next(buf, len - 2, &off, &ev), -1);
}

static void inotify_name_filling_record_without_nul_is_whole(void **state)
{
	struct inotify_event ie = { .wd = 1, .mask = IN_CREATE, .len = 4 };
	struct fswatch_event ev;
	size_t off = 0;

	(void)state;
	memcpy(buf, &ie, sizeof(ie));
	memcpy(buf + sizeof(ie), "abcd", 4);
	assert_int_equal(fswatch_inotify_next(buf, sizeof(ie) + 4, &off, &ev), 1);
	assert_int_equal(ev.name_len, 4);
	assert_memory_equal(ev.name, "abcd", 4);
}

static void fanotify_decodes_dfid_name_and_pidfd(void **state)
{
	unsigned char fid[FSWATCH_FID_MAX];
	struct fswatch_event ev;
	size_t len = 0, off = 0;

	(void)state;
	put_fanotify(&len, FAN_CREATE | FAN_MODIFY, 77, 5, "file", 9);
	assert_int_equal(fswatch_fanotify_next(buf, len, &off, &ev), 1);
	assert_int_equal(ev.what, FSWATCH_CREATE | FSWATCH_MODIFY);
	assert_int_equal(ev.pid, 77);
	assert_int_equal(ev.pidfd, 9);
	assert_int_equal(ev.fd, FAN_NOFD);
	assert_int_equal(ev.fid_len, make_fid(fid, 5));
	assert_memory_equal(ev.fid, fid, ev.fid_len);
	assert_int_equal(ev.name_len, 4);
	assert_memory_equal(ev.name, "file", 4);
	assert_int_equal(off, len);
	assert_int_equal(fswatch_fanotify_next(buf, len, &off, &ev), 0);
}

static void fanotify_dot_names_the_directory_itself(void **state)
{
	struct fswatch_event ev;
	size_t len = 0, off = 0;

	(void)state;
	put_fanotify(&len, FAN_DELETE_SELF | FAN_ONDIR, 10, 1, ".", -1);
	assert_int_equal(fswatch_fanotify_next(buf, len, &off, &ev), 1);
	assert_int_equal(ev.what, FSWATCH_SELF_DELETED | FSWATCH_ISDIR);
	assert_int_equal(ev.name_len, 0);
	assert_int_equal(ev.fid_len, 24);
	assert_int_equal(ev.pidfd, -1);
}

static void fanotify_overflow_has_no_records(void **state)
{
	struct fswatch_event ev;
	size_t len = 0, off = 0;

	(void)state;
	put_fanotify(&len, FAN_Q_OVERFLOW, 0, 0, NULL, -3);
	put_fanotify(&len, FAN_MODIFY, 12, 1, "x", -3);
	assert_int_equal(fswatch_fanotify_next(buf, len, &off, &ev), 1);
	assert_int_equal(ev.what, FSWATCH_OVERFLOW);
	assert_int_equal(ev.fid_len, 0);
	assert_int_equal(fswatch_fanotify_next(buf, len, &off, &ev), 1);
	assert_int_equal(ev.what, FSWATCH_MODIFY);
	assert_int_equal(ev.pid, 12);
}

static void fanotify_rejects_unknown_metadata_version(void **state)
{
	struct fswatch_event ev;
	size_t len = 0, off = 0;

	(void)state;
	put_fanotify(&len, FAN_MODIFY, 1, 1, "x", -3);
	buf[offsetof(struct fanotify_event_metadata, vers)] = 2;
	assert_int_equal(fswatch_fanotify_next(buf, len, &off, &ev), -1);
}

static void fanotify_rejects_event_overrunning_buffer(void **state)
{
	struct fswatch_event ev;
	size_t len = 0, off = 0;

	(void)state;
	put_fanotify(&len, FAN_MODIFY, 1, 1, "x", 4);
	assert_int_equal(fswatch_fanotify_next(buf, len - 4, &off, &ev), -1);
}

static void fanotify_rejects_info_record_overrunning_event(void **state)
{
	struct fanotify_event_info_header h;
	struct fswatch_event ev;
	size_t len = 0, off = 0;

	(void)state;
	put_fanotify(&len, FAN_MODIFY, 1, 1, "x", -3);
	memcpy(&h, buf + FAN_EVENT_METADATA_LEN, sizeof(h));
	h.len += 8;
	memcpy(buf + FAN_EVENT_METADATA_LEN, &h, sizeof(h));
	assert_int_equal(fswatch_fanotify_next(buf, len, &off, &ev), -1);
}

static void fanotify_rejects_handle_overrunning_record(void **state)
{
	struct fswatch_event ev;
	size_t len = 0, off = 0;
	uint32_t big = 200;

	(void)state;
	put_fanotify(&len, FAN_MODIFY, 1, 1, "x", -3);
	/* handle_bytes sits after the info header and the fsid. */
	memcpy(buf + FAN_EVENT_METADATA_LEN + 4 + 8, &big, 4);
	assert_int_equal(fswatch_fanotify_next(buf, len, &off, &ev), -1);
}

static void fanotify_skips_unknown_info_type(void **state)
{
	struct fanotify_event_info_header h = { .info_type = 99, .len = 12 };
	struct fanotify_event_metadata m;
	struct fswatch_event ev;
	size_t len = 0, off = 0;

	(void)state;
	put_fanotify(&len, FAN_ATTRIB, 3, 2, "y", -3);
	memcpy(&m, buf, sizeof(m));
	memset(buf + len, 0, 12);
	memcpy(buf + len, &h, sizeof(h));
	len += 12;
	m.event_len += 12;
	memcpy(buf, &m, sizeof(m));
	assert_int_equal(fswatch_fanotify_next(buf, len, &off, &ev), 1);
	assert_int_equal(ev.what, FSWATCH_ATTRIB);
	assert_int_equal(ev.name_len, 1);
	assert_int_equal(off, len);
}

/* ---- matching events to watches ------------------------------------------ */

#define SELF_PID 4242u

static struct fswatch w;

static void setup_source(unsigned n)
{
	memset(&w, 0, sizeof(w));
	w.fan_fd = w.ino_fd = w.proc_fd = -1;
	clock_timer_init(&w.rearm);
	w.log = (struct log_limit)LOG_LIMIT_INIT("fs watch", FSWATCH_LOG_WINDOW_NS,
						 FSWATCH_LOG_PER_WINDOW);
	w.overflow_log = (struct log_limit)LOG_LIMIT_INIT("fs watch",
							  FSWATCH_OVERFLOW_LOG_INTERVAL_NS, 1);
	w.pump = &pump;
	w.reactor = reactor;
	w.live = true;
	w.e = calloc(n, sizeof(*w.e));
	assert_non_null(w.e);
	w.n = n;
	w.self_pid = SELF_PID;
	memcpy(w.self_comm, "cellos-telemetr", 15);
	w.self_comm_len = 15;
}

static int teardown_source(void **state)
{
	(void)state;
	fswatch_stop(&w);
	assert_int_equal(reactor_count(reactor), 0);
	reactor_destroy(reactor);
	return 0;
}

static void dir_entry(unsigned i, const char *path, enum fswatch_api api, int n)
{
	struct fswatch_entry *e = &w.e[i];

	snprintf(e->path, sizeof(e->path), "%s", path);
	snprintf(e->real, sizeof(e->real), "%s", path);
	e->kind = FSWATCH_KIND_DIR;
	e->name_off = strlen(path);
	e->state = FSWATCH_ARMED;
	e->api = api;
	e->present = true;
	e->wd = api == FSWATCH_API_INOTIFY ? n : -1;
	e->fid_len = api == FSWATCH_API_FANOTIFY ? make_fid(e->fid, (unsigned)n) : 0;
}

static void file_entry(unsigned i, const char *path, enum fswatch_api api, int n)
{
	struct fswatch_entry *e = &w.e[i];

	dir_entry(i, path, api, n);
	e->kind = FSWATCH_KIND_FILE;
	e->name_off = (size_t)(strrchr(path, '/') - path) + 1;
	e->name_len = strlen(path) - e->name_off;
}

static void deliver_inotify(int wd, uint32_t mask, const char *name)
{
	struct fswatch_event ev;
	size_t len = 0, off = 0;

	put_inotify(&len, wd, mask, name);
	assert_int_equal(fswatch_inotify_next(buf, len, &off, &ev), 1);
	fswatch_handle_event(&w, FSWATCH_API_INOTIFY, &ev, now_ns);
}

static void deliver_fanotify(uint64_t mask, int32_t pid, unsigned dir_n,
			     const char *name, int pidfd)
{
	struct fswatch_event ev;
	size_t len = 0, off = 0;

	put_fanotify(&len, mask, pid, dir_n, name, pidfd);
	assert_int_equal(fswatch_fanotify_next(buf, len, &off, &ev), 1);
	fswatch_handle_event(&w, FSWATCH_API_FANOTIFY, &ev, now_ns);
}

static void inotify_dir_watch_reports_entries_as_the_agent(void **state)
{
	(void)state;
	setup_source(1);
	dir_entry(0, "/w/d", FSWATCH_API_INOTIFY, 1);
	now_ns = 5555;
	deliver_inotify(1, IN_CREATE, "a");
	deliver_inotify(1, IN_MODIFY, "a");
	deliver_inotify(1, IN_ATTRIB, "a");
	deliver_inotify(1, IN_DELETE, "a");
	deliver_inotify(1, IN_ATTRIB | IN_ISDIR, NULL);
	assert_int_equal(n_frames, 5);
	assert_int_equal(frames[0].probe, WIRE_PROBE_FS_INOTIFY_FIRED);
	assert_int_equal(frames[0].pid, SELF_PID);
	assert_string_equal(frames[0].comm, "cellos-telemetr");
	assert_int_equal(frames[0].monotonic_ns, 5555);
	assert_int_equal(stat(STAT_WATCH_LOST), 0);
}

static void inotify_event_of_unknown_watch_is_ignored(void **state)
{
	(void)state;
	setup_source(1);
	dir_entry(0, "/w/d", FSWATCH_API_INOTIFY, 1);
	deliver_inotify(7, IN_CREATE, "a");
	assert_int_equal(n_frames, 0);
}

static void file_watch_reports_only_its_name(void **state)
{
	(void)state;
	setup_source(1);
	file_entry(0, "/w/d/f", FSWATCH_API_INOTIFY, 1);
	deliver_inotify(1, IN_MODIFY, "g");
	deliver_inotify(1, IN_MODIFY, "ff");
	deliver_inotify(1, IN_ATTRIB | IN_ISDIR, NULL); /* the directory itself */
	assert_int_equal(n_frames, 0);
	deliver_inotify(1, IN_MODIFY, "f");
	assert_int_equal(n_frames, 1);
}

static void file_watch_counts_file_gone_and_sees_it_back(void **state)
{
	(void)state;
	setup_source(1);
	file_entry(0, "/w/d/f", FSWATCH_API_INOTIFY, 1);
	deliver_inotify(1, IN_DELETE, "f");
	assert_int_equal(n_frames, 1);
	assert_int_equal(stat(STAT_WATCH_LOST), 1);
	assert_false(w.e[0].present);
	assert_int_equal(w.e[0].state, FSWATCH_ARMED);
	assert_non_null(strstr(last_log, "/w/d/f"));
	deliver_inotify(1, IN_MOVED_TO, "f");
	assert_int_equal(n_frames, 2);
	assert_true(w.e[0].present);
	assert_non_null(strstr(last_log, "back"));
	/* Replaced by rename while present: an event, not a loss. */
	deliver_inotify(1, IN_MOVED_TO, "f");
	assert_int_equal(n_frames, 3);
	assert_int_equal(stat(STAT_WATCH_LOST), 1);
}

static void path_messages_are_rate_limited_counters_are_not(void **state)
{
	unsigned i;

	(void)state;
	setup_source(1);
	file_entry(0, "/w/d/f", FSWATCH_API_INOTIFY, 1);
	now_ns = FSWATCH_LOG_WINDOW_NS;
	for (i = 0; i < 3 * FSWATCH_LOG_PER_WINDOW; i++) {
		deliver_inotify(1, IN_DELETE, "f");
		deliver_inotify(1, IN_CREATE, "f");
	}
	assert_int_equal(stat(STAT_WATCH_LOST), 3 * FSWATCH_LOG_PER_WINDOW);
	assert_int_equal(n_logs, FSWATCH_LOG_PER_WINDOW);
	/* The next window says how many were left out, then logs again. */
	now_ns += FSWATCH_LOG_WINDOW_NS;
	deliver_inotify(1, IN_DELETE, "f");
	assert_int_equal(n_logs, FSWATCH_LOG_PER_WINDOW + 2);
	assert_non_null(strstr(last_log, "the file is gone"));
	assert_int_equal(stat(STAT_WATCH_LOST), 3 * FSWATCH_LOG_PER_WINDOW + 1);
}

static void one_event_matching_two_watches_gives_one_frame(void **state)
{
	(void)state;
	setup_source(2);
	dir_entry(0, "/w/d", FSWATCH_API_INOTIFY, 1);
	file_entry(1, "/w/d/f", FSWATCH_API_INOTIFY, 1);
	deliver_inotify(1, IN_MODIFY, "f");
	assert_int_equal(n_frames, 1);
}

static void dir_self_deletion_reports_counts_and_loses(void **state)
{
	(void)state;
	setup_source(1);
	dir_entry(0, "/w/d", FSWATCH_API_INOTIFY, 1);
	deliver_inotify(1, IN_DELETE_SELF, NULL);
	assert_int_equal(n_frames, 1);
	assert_int_equal(stat(STAT_WATCH_LOST), 1);
	assert_int_equal(w.e[0].state, FSWATCH_LOST);
	assert_int_equal(w.e[0].wd, -1);
	assert_non_null(strstr(last_log, "deleted"));
	/* The IN_IGNORED that follows matches nothing any more. */
	deliver_inotify(1, IN_IGNORED, NULL);
	assert_int_equal(n_frames, 1);
	assert_int_equal(stat(STAT_WATCH_LOST), 1);
}

static void ignored_alone_loses_watch_without_frame(void **state)
{
	(void)state;
	setup_source(1);
	dir_entry(0, "/w/d", FSWATCH_API_INOTIFY, 1);
	deliver_inotify(1, IN_IGNORED, NULL);
	assert_int_equal(n_frames, 0);
	assert_int_equal(stat(STAT_WATCH_LOST), 1);
	assert_int_equal(w.e[0].state, FSWATCH_LOST);
}

static void file_watch_loses_when_its_directory_moves(void **state)
{
	(void)state;
	setup_source(1);
	file_entry(0, "/w/d/f", FSWATCH_API_INOTIFY, 1);
	deliver_inotify(1, IN_MOVE_SELF, NULL);
	assert_int_equal(n_frames, 0);
	assert_int_equal(stat(STAT_WATCH_LOST), 1);
	assert_int_equal(w.e[0].state, FSWATCH_LOST);
	assert_non_null(strstr(last_log, "renamed"));
}

static void overflow_is_counted_and_logged_at_most_once_a_second(void **state)
{
	(void)state;
	setup_source(1);
	dir_entry(0, "/w/d", FSWATCH_API_INOTIFY, 1);
	deliver_inotify(-1, IN_Q_OVERFLOW, NULL);
	assert_int_equal(stat(STAT_DROP_FS_OVERFLOW), 1);
	assert_int_equal(n_logs, 1);
	assert_non_null(strstr(last_log, "overflow"));
	now_ns += FSWATCH_OVERFLOW_LOG_INTERVAL_NS / 2;
	deliver_inotify(-1, IN_Q_OVERFLOW, NULL);
	assert_int_equal(stat(STAT_DROP_FS_OVERFLOW), 2);
	assert_int_equal(n_logs, 1);
	now_ns += FSWATCH_OVERFLOW_LOG_INTERVAL_NS;
	deliver_fanotify(FAN_Q_OVERFLOW, 0, 0, NULL, -3);
	assert_int_equal(stat(STAT_DROP_FS_OVERFLOW), 3);
	assert_int_equal(n_logs, 2);
	assert_non_null(strstr(last_log, "fanotify"));
	assert_non_null(strstr(last_log, "1 more overflows"));
	assert_int_equal(n_frames, 0);
}

static void fanotify_own_actions_are_not_reported(void **state)
{
	(void)state;
	setup_source(1);
	dir_entry(0, "/w/d", FSWATCH_API_FANOTIFY, 1);
	deliver_fanotify(FAN_MODIFY, (int32_t)SELF_PID, 1, "log", -3);
	assert_int_equal(n_frames, 0);
}

static void fanotify_names_the_actor(void **state)
{
	char comm[64];
	ssize_t n;
	int fd;

	(void)state;
	setup_source(1);
	dir_entry(0, "/w/d", FSWATCH_API_FANOTIFY, 1);
	w.proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(w.proc_fd >= 0);
	/* This test process acts; its own comm, read independently. */
	fd = open("/proc/self/comm", O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	assert_true(n > 1);
	comm[n - 1] = '\0';
	deliver_fanotify(FAN_CREATE, (int32_t)getpid(), 1, "new", -3);
	assert_int_equal(n_frames, 1);
	assert_int_equal(frames[0].pid, (uint32_t)getpid());
	assert_string_equal(frames[0].comm, comm);
	assert_int_equal(stat(STAT_COMM_UNRESOLVED), 0);
}

static void fanotify_reaped_actor_gets_empty_comm(void **state)
{
	(void)state;
	setup_source(1);
	dir_entry(0, "/w/d", FSWATCH_API_FANOTIFY, 1);
	w.fan_pidfd = true;
	w.proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* FAN_NOPIDFD: the process was gone when the event was read. */
	deliver_fanotify(FAN_DELETE, (int32_t)getpid(), 1, "x", FAN_NOPIDFD);
	assert_int_equal(n_frames, 1);
	assert_int_equal(frames[0].comm_len, 0);
	assert_int_equal(stat(STAT_COMM_UNRESOLVED), 1);
}

static void fanotify_event_of_other_directory_is_ignored(void **state)
{
	(void)state;
	setup_source(1);
	dir_entry(0, "/w/d", FSWATCH_API_FANOTIFY, 1);
	deliver_fanotify(FAN_MODIFY, 99, 2, "x", -3);
	assert_int_equal(n_frames, 0);
}

static void fanotify_file_watch_matches_name_in_its_directory(void **state)
{
	(void)state;
	setup_source(1);
	file_entry(0, "/w/d/f", FSWATCH_API_FANOTIFY, 3);
	deliver_fanotify(FAN_ATTRIB, 99, 3, "g", -3);
	assert_int_equal(n_frames, 0);
	deliver_fanotify(FAN_ATTRIB, 99, 3, "f", -3);
	assert_int_equal(n_frames, 1);
	assert_int_equal(frames[0].pid, 99);
}

static void fanotify_dir_self_deletion_reports_and_loses(void **state)
{
	(void)state;
	setup_source(1);
	dir_entry(0, "/w/d", FSWATCH_API_FANOTIFY, 1);
	deliver_fanotify(FAN_DELETE_SELF | FAN_ONDIR, 99, 1, ".", -3);
	assert_int_equal(n_frames, 1);
	assert_int_equal(stat(STAT_WATCH_LOST), 1);
	assert_int_equal(w.e[0].state, FSWATCH_LOST);
	assert_int_equal(w.e[0].fid_len, 0);
}

static void inotify_agents_own_file_writes_are_not_reported(void **state)
{
	struct fswatch_own_file own[1];

	(void)state;
	setup_source(2);
	dir_entry(0, "/w/d", FSWATCH_API_INOTIFY, 1);
	file_entry(1, "/w/e/log", FSWATCH_API_INOTIFY, 2);
	snprintf(own[0].path, sizeof(own[0].path), "/w/d/agent.log");
	own[0].dir_len = 4;
	own[0].name_len = 9;
	w.own = own;
	w.n_own = 1;
	deliver_inotify(1, IN_MODIFY, "agent.log");
	assert_int_equal(n_frames, 0);
	/* Anything else done to it is not the agent's. */
	deliver_inotify(1, IN_ATTRIB, "agent.log");
	assert_int_equal(n_frames, 1);
	deliver_inotify(1, IN_MODIFY, "agent.lo");
	assert_int_equal(n_frames, 2);
	/* Same name, other directory. */
	deliver_inotify(2, IN_MODIFY, "log");
	assert_int_equal(n_frames, 3);
	w.own = NULL;
	w.n_own = 0;
}

static void watch_of_other_api_does_not_match(void **state)
{
	(void)state;
	setup_source(1);
	dir_entry(0, "/w/d", FSWATCH_API_FANOTIFY, 1);
	w.e[0].wd = 1;
	deliver_inotify(1, IN_MODIFY, "x");
	assert_int_equal(n_frames, 0);
}

/* ---- start-up policy (inotify: needs no privilege) ---------------------- */

#define env ((const struct source_env){ .r = reactor, .pump = &pump })

static void start_without_paths_arms_nothing(void **state)
{
	struct fswatch_config c = { .n_paths = 0 };
	struct source_msg msg;

	(void)state;
	assert_int_equal(fswatch_start(&w, &env, &c, &msg), 0);
	assert_int_equal(msg.armed, 1u << WIRE_PROBE_FS_INOTIFY_FIRED);
	assert_int_equal(reactor_count(reactor), 0);
}

static void start_fail_mode_missing_path_is_unavailable(void **state)
{
	struct fswatch_config c = { .n_paths = 0,
				    .backend = FSWATCH_BACKEND_INOTIFY,
				    .failure = FSWATCH_FAIL };
	struct source_msg msg;

	(void)state;
	c.paths[c.n_paths++] = "/nonexistent/cellos-fswatch-test";
	assert_int_equal(fswatch_start(&w, &env, &c, &msg), -ENOENT);
	assert_non_null(strstr(msg.text, "--watch=/nonexistent/cellos-fswatch-test"));
	assert_non_null(strstr(msg.text, strerror(ENOENT)));
	/* A failed start leaves nothing open. */
	assert_int_equal(reactor_count(reactor), 0);
}

static void start_degrade_mode_counts_and_runs_on(void **state)
{
	struct fswatch_config c = { .n_paths = 0,
				    .backend = FSWATCH_BACKEND_INOTIFY,
				    .failure = FSWATCH_DEGRADE };
	char tmpl[] = "/tmp/test-fswatch.XXXXXX";
	struct source_msg msg;

	(void)state;
	assert_non_null(mkdtemp(tmpl));
	c.paths[c.n_paths++] = "/nonexistent/cellos-fswatch-test";
	c.paths[c.n_paths++] = tmpl;
	assert_int_equal(fswatch_start(&w, &env, &c, &msg), 0);
	assert_int_equal(stat(STAT_WATCH_LOST), 1);
	assert_int_equal(w.e[0].state, FSWATCH_LOST);
	assert_int_equal(w.e[1].state, FSWATCH_ARMED);
	assert_int_equal(w.e[1].api, FSWATCH_API_INOTIFY);
	assert_int_equal(w.e[1].kind, FSWATCH_KIND_DIR);
	assert_true(w.rearm.armed);
	assert_true(w.e[1].wd >= 0);
	fswatch_stop(&w);
	assert_int_equal(reactor_count(reactor), 0);
	rmdir(tmpl);
}

static void start_resolves_file_watch_to_its_directory(void **state)
{
	struct fswatch_config c = { .n_paths = 0,
				    .backend = FSWATCH_BACKEND_INOTIFY };
	char tmpl[] = "/tmp/test-fswatch.XXXXXX";
	char file[64];
	struct source_msg msg;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(tmpl));
	snprintf(file, sizeof(file), "%s/watched", tmpl);
	fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	c.paths[c.n_paths++] = file;
	assert_int_equal(fswatch_start(&w, &env, &c, &msg), 0);
	assert_int_equal(w.e[0].kind, FSWATCH_KIND_FILE);
	assert_int_equal(w.e[0].state, FSWATCH_ARMED);
	assert_string_equal(w.e[0].real + w.e[0].name_off, "watched");
	assert_false(w.rearm.armed);
	fswatch_stop(&w);
	unlink(file);
	rmdir(tmpl);
}

static void start_makes_relative_path_absolute(void **state)
{
	struct fswatch_config c = { .n_paths = 0,
				    .backend = FSWATCH_BACKEND_INOTIFY };
	char tmpl[] = "/tmp/test-fswatch.XXXXXX";
	char old[PATH_MAX], sub[64];
	struct source_msg msg;

	(void)state;
	assert_non_null(mkdtemp(tmpl));
	snprintf(sub, sizeof(sub), "%s/sub", tmpl);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_non_null(getcwd(old, sizeof(old)));
	assert_int_equal(chdir(tmpl), 0);
	c.paths[c.n_paths++] = "sub";
	assert_int_equal(fswatch_start(&w, &env, &c, &msg), 0);
	assert_int_equal(chdir(old), 0);
	assert_string_equal(w.e[0].path, sub);
	assert_int_equal(w.e[0].state, FSWATCH_ARMED);
	fswatch_stop(&w);
	rmdir(sub);
	rmdir(tmpl);
}

static void start_records_files_open_for_writing(void **state)
{
	struct fswatch_config c = { .n_paths = 0,
				    .backend = FSWATCH_BACKEND_INOTIFY };
	char tmpl[] = "/tmp/test-fswatch.XXXXXX";
	char file[64], ro[64];
	struct source_msg msg;
	bool found = false, found_ro = false;
	unsigned i;
	int fd, rfd;

	(void)state;
	assert_non_null(mkdtemp(tmpl));
	snprintf(file, sizeof(file), "%s/written", tmpl);
	snprintf(ro, sizeof(ro), "%s/read", tmpl);
	fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	rfd = open(ro, O_CREAT | O_RDONLY | O_CLOEXEC, 0600);
	assert_true(rfd >= 0);
	c.paths[c.n_paths++] = tmpl;
	assert_int_equal(fswatch_start(&w, &env, &c, &msg), 0);
	for (i = 0; i < w.n_own; i++) {
		if (strcmp(w.own[i].path, file) == 0) {
			found = true;
			assert_int_equal(w.own[i].dir_len, strlen(tmpl));
			assert_int_equal(w.own[i].name_len, strlen("written"));
		}
		if (strcmp(w.own[i].path, ro) == 0)
			found_ro = true;
	}
	assert_true(found);
	assert_false(found_ro);
	fswatch_stop(&w);
	close(fd);
	close(rfd);
	unlink(file);
	unlink(ro);
	rmdir(tmpl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(inotify_decodes_named_create),
		cmocka_unit_test(inotify_decodes_records_in_sequence),
		cmocka_unit_test(inotify_overflow_carries_no_watch),
		cmocka_unit_test(inotify_self_deletion_and_ignored_are_losses),
		cmocka_unit_test(inotify_rejects_name_overrunning_buffer),
		cmocka_unit_test(inotify_rejects_truncated_header),
		cmocka_unit_test(inotify_name_filling_record_without_nul_is_whole),
		cmocka_unit_test(fanotify_decodes_dfid_name_and_pidfd),
		cmocka_unit_test(fanotify_dot_names_the_directory_itself),
		cmocka_unit_test(fanotify_overflow_has_no_records),
		cmocka_unit_test(fanotify_rejects_unknown_metadata_version),
		cmocka_unit_test(fanotify_rejects_event_overrunning_buffer),
		cmocka_unit_test(fanotify_rejects_info_record_overrunning_event),
		cmocka_unit_test(fanotify_rejects_handle_overrunning_record),
		cmocka_unit_test(fanotify_skips_unknown_info_type),
#define T(f) cmocka_unit_test_setup_teardown(f, reset_doubles, teardown_source)
		T(inotify_dir_watch_reports_entries_as_the_agent),
		T(inotify_event_of_unknown_watch_is_ignored),
		T(file_watch_reports_only_its_name),
		T(file_watch_counts_file_gone_and_sees_it_back),
		T(path_messages_are_rate_limited_counters_are_not),
		T(one_event_matching_two_watches_gives_one_frame),
		T(dir_self_deletion_reports_counts_and_loses),
		T(ignored_alone_loses_watch_without_frame),
		T(file_watch_loses_when_its_directory_moves),
		T(overflow_is_counted_and_logged_at_most_once_a_second),
		T(fanotify_own_actions_are_not_reported),
		T(fanotify_names_the_actor),
		T(fanotify_reaped_actor_gets_empty_comm),
		T(fanotify_event_of_other_directory_is_ignored),
		T(fanotify_file_watch_matches_name_in_its_directory),
		T(fanotify_dir_self_deletion_reports_and_loses),
		T(inotify_agents_own_file_writes_are_not_reported),
		T(watch_of_other_api_does_not_match),
		T(start_without_paths_arms_nothing),
		T(start_fail_mode_missing_path_is_unavailable),
		T(start_degrade_mode_counts_and_runs_on),
		T(start_resolves_file_watch_to_its_directory),
		T(start_makes_relative_path_absolute),
		T(start_records_files_open_for_writing),
#undef T
	};

	return cmocka_run_group_tests_name("agent-fswatch", tests, NULL, NULL);
}
