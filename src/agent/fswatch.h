/*
 * fswatch.h - declared filesystem watches (--watch=PATH): the source that
 * emits fs.inotify_fired.
 *
 * Promises:
 * - A directory watch reports modify, attribute change, create, delete and
 *   rename in/out of its direct entries, attribute changes of the directory
 *   itself and its deletion or renaming.  A file watch reports the same for
 *   one name in its directory (the path is resolved through symbolic links
 *   when it is armed), so a file replaced by rename, deleted or re-created
 *   is seen with the actor's pid, and the watch outlives the file.
 * - fanotify (FAN_REPORT_DFID_NAME, an inode mark on the directory; Linux
 *   5.9+ and CAP_SYS_ADMIN) names the acting process: pid = its tgid, comm
 *   read through /proc/PID as a directory fd and checked against the
 *   event's pidfd (Linux 5.15+), so a recycled pid is never given another
 *   process's name; a process already reaped gets comm "" (counted as
 *   STAT_COMM_UNRESOLVED).  Events whose actor is the agent are dropped.
 *   inotify, the fallback (--watch-backend=inotify, no CAP_SYS_ADMIN, no
 *   FID reporting, or a filesystem without file handles), cannot name the
 *   actor: pid and comm are the agent's own, as in the Rust agent; only
 *   the agent's writes to the files it held open for writing at start
 *   (stdout, stderr, --ready-fd) are recognised as its own and dropped.
 *   --watch-backend=auto uses fanotify when the group can be made, and
 *   inotify for a watch whose filesystem fanotify refuses.
 * - One kernel event gives at most one frame, however many watches match.
 * - A queue overflow (FAN_Q_OVERFLOW, IN_Q_OVERFLOW) counts one
 *   STAT_DROP_FS_OVERFLOW and logs (at most once a second).
 * - Lost paths: when a watched path disappears (a watched file's name is
 *   deleted or renamed away; a watched directory, or a watched file's
 *   directory, is deleted, renamed, or (inotify only: fanotify says
 *   nothing) unmounted) it is logged and counted
 *   as STAT_WATCH_LOST.  A file's watch stays armed on its directory and
 *   simply sees the name come back.  A watch whose directory is gone is
 *   re-checked every FSWATCH_REARM_INTERVAL_MS and armed again (logged)
 *   once the path exists; changes in between are not seen.
 * - Lifecycle as in source.h.  Startup: a path that cannot be watched
 *   either fails the start (FSWATCH_FAIL: the path's negative errno, and
 *   msg->text names the path; the caller exits 69) or is logged, counted
 *   (STAT_WATCH_LOST) and treated as lost (FSWATCH_DEGRADE).
 * - Bounded: at most FSWATCH_MAX_WATCHES paths, one table allocated at
 *   start, fixed read buffers, nothing allocated per event.
 */
#ifndef CELLOS_AGENT_FSWATCH_H
#define CELLOS_AGENT_FSWATCH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "source.h"
#include "fswatch_event.h"

#define FSWATCH_MAX_WATCHES 64
/* One read(): room for many records; the largest single record (fanotify
 * with a 128-byte handle and a 255-byte name) is under 512 bytes. */
#define FSWATCH_READ_BUF_BYTES (16 * 1024)
/* Reads per wakeup before yielding to the other sources. */
#define FSWATCH_READS_PER_WAKEUP 8
#define FSWATCH_REARM_INTERVAL_MS 250
#define FSWATCH_OVERFLOW_LOG_INTERVAL_NS 1000000000ull
/* Messages a workload can provoke at will (paths coming and going): at
 * most FSWATCH_LOG_PER_WINDOW per FSWATCH_LOG_WINDOW_NS; the rest are
 * counted and summarized.  The counters stay exact. */
#define FSWATCH_LOG_WINDOW_NS (10ull * 1000000000ull)
#define FSWATCH_LOG_PER_WINDOW 20
/* Files the agent itself writes, recorded at start (see fswatch_own_file). */
#define FSWATCH_MAX_OWN_FILES 8
/* comm is at most 15 bytes in the kernel; /proc/PID/comm adds a newline. */
#define FSWATCH_COMM_BYTES 64

enum fswatch_backend {
	FSWATCH_BACKEND_AUTO = 0,
	FSWATCH_BACKEND_FANOTIFY,
	FSWATCH_BACKEND_INOTIFY,
};

enum fswatch_failure {
	FSWATCH_FAIL = 0,   /* a path that cannot be watched at start ends the agent */
	FSWATCH_DEGRADE,    /* ... is logged, counted and retried */
};

/* What the command line asked for (options.c parses it).  paths point at
 * strings that live as long as the agent (argv); the same path twice is
 * one watch. */
struct fswatch_config {
	const char *paths[FSWATCH_MAX_WATCHES];
	unsigned n_paths;
	enum fswatch_backend backend;
	enum fswatch_failure failure;
};

/* ---- the running source; fields are private to fswatch*.c (visible for
 * static allocation and for the unit tests) ---- */

enum fswatch_kind { FSWATCH_KIND_DIR = 0, FSWATCH_KIND_FILE };
enum fswatch_state { FSWATCH_LOST = 0, FSWATCH_ARMED, FSWATCH_OFF };
enum fswatch_api { FSWATCH_API_INOTIFY = 0, FSWATCH_API_FANOTIFY };

struct fswatch_entry {
	char path[PATH_MAX];      /* as configured, made absolute */
	char real[PATH_MAX];      /* resolved when armed */
	size_t name_off;          /* file watch: the name within real */
	size_t name_len;
	enum fswatch_kind kind;
	enum fswatch_state state;
	enum fswatch_api api;
	bool present;             /* file watch: the name exists */
	int wd;                   /* inotify watch on the directory, or -1 */
	unsigned char fid[FSWATCH_FID_MAX]; /* fanotify: the directory's identity */
	size_t fid_len;
};

/* A file the agent holds open for writing at start (its stdout, stderr,
 * the --ready-fd pipe).  inotify cannot name the actor, so a plain
 * modification of one of these is known to be the agent's own doing and
 * is not reported. */
struct fswatch_own_file {
	char path[PATH_MAX];
	size_t dir_len;           /* the directory part; 0 for "/" */
	size_t name_len;
};

struct fswatch {
	struct fswatch_entry *e;      /* n entries, allocated once at start */
	struct fswatch_own_file *own; /* n_own, allocated once at start */
	unsigned n_own;
	unsigned n;
	enum fswatch_backend backend;
	struct reactor *reactor;
	struct pump *pump;
	int fan_fd;               /* -1 when not in use */
	bool fan_pidfd;           /* the group reports pidfds */
	int ino_fd;               /* -1 until a watch needs inotify */
	reactor_fn read_inotify;  /* its handler (fswatch_source.c), for arming */
	struct clock_timer rearm; /* runs while some watch is lost */
	int proc_fd;              /* /proc, for comm lookups */
	uint32_t self_pid;
	char self_comm[FSWATCH_COMM_BYTES];
	size_t self_comm_len;
	bool live;                /* started and not yet stopped */
	uint64_t now_ns;          /* when what is being handled was read */
	struct log_limit log;     /* messages the workload can provoke */
	struct log_limit overflow_log;
	int fan_err;              /* why fanotify could not be had (-errno) */
	unsigned char buf[FSWATCH_READ_BUF_BYTES] __attribute__((aligned(8)));
};

/* Arm every configured watch and register the descriptors (source.h's
 * lifecycle).  With no paths configured it does nothing and succeeds. */
int fswatch_start(struct fswatch *w, const struct source_env *env,
		  const struct fswatch_config *c, struct source_msg *msg);
/* Read what is queued, unregister, close and free; safe on a zeroed or
 * failed source, and twice. */
void fswatch_stop(struct fswatch *w);

/* Human-readable backend of an armed watch, for the startup log. */
const char *fswatch_api_name(enum fswatch_api api);

/* Exposed for the unit tests: act on one decoded event (match it to the
 * watches, emit, count, track losses).  ts_ns is when it was read. */
void fswatch_handle_event(struct fswatch *w, enum fswatch_api api,
			  const struct fswatch_event *ev, uint64_t ts_ns);

#endif /* CELLOS_AGENT_FSWATCH_H */
