/*
 * fswatch_event.h - decoding of the records read from an inotify or a
 * fanotify descriptor into one normalized event.
 *
 * Promises: pure functions over the bytes the kernel returned.  No
 * syscalls, no allocation, no state beyond the caller's offset; records are
 * copied out with memcpy, so any alignment of the buffer is fine.  A record
 * that is shorter than its header says, overruns the buffer, or (fanotify)
 * carries a metadata version this code does not know ends the decoding of
 * that buffer with -1: the kernel never produces one, and guessing where
 * the next record starts would misread everything after it.
 *
 * The fanotify decoder assumes a group made with FAN_REPORT_DFID_NAME
 * (optionally FAN_REPORT_PIDFD), which is the only kind fswatch creates.
 */
#ifndef CELLOS_AGENT_FSWATCH_EVENT_H
#define CELLOS_AGENT_FSWATCH_EVENT_H

#include <stddef.h>
#include <stdint.h>

/* What happened, as bits of fswatch_event.what (both APIs map onto these). */
enum {
	FSWATCH_MODIFY       = 1u << 0,  /* content written */
	FSWATCH_ATTRIB       = 1u << 1,  /* metadata changed (mode, owner, times, links) */
	FSWATCH_CREATE       = 1u << 2,  /* entry created in the marked directory */
	FSWATCH_DELETE       = 1u << 3,  /* entry removed from the marked directory */
	FSWATCH_MOVED_FROM   = 1u << 4,  /* entry renamed out of (or within) the directory */
	FSWATCH_MOVED_TO     = 1u << 5,  /* entry renamed into (or within) the directory */
	FSWATCH_SELF_DELETED = 1u << 6,  /* the marked directory itself was deleted */
	FSWATCH_SELF_MOVED   = 1u << 7,  /* the marked directory itself was renamed */
	FSWATCH_UNMOUNTED    = 1u << 8,  /* its filesystem was unmounted (inotify) */
	FSWATCH_WATCH_GONE   = 1u << 9,  /* the kernel dropped the watch (IN_IGNORED) */
	FSWATCH_OVERFLOW     = 1u << 10, /* the queue overflowed: events were lost */
	FSWATCH_ISDIR        = 1u << 11, /* the subject is a directory */
};

/* Changes that are reported as fs.inotify_fired when they match a watch. */
#define FSWATCH_REPORTABLE (FSWATCH_MODIFY | FSWATCH_ATTRIB | FSWATCH_CREATE | FSWATCH_DELETE | \
			FSWATCH_MOVED_FROM | FSWATCH_MOVED_TO | FSWATCH_SELF_DELETED | \
			FSWATCH_SELF_MOVED)
/* Changes after which the marked directory no longer backs the watch. */
#define FSWATCH_LOSS (FSWATCH_SELF_DELETED | FSWATCH_SELF_MOVED | FSWATCH_UNMOUNTED | \
		  FSWATCH_WATCH_GONE)

/* Bytes of a fanotify object identity: the fsid (8) and a struct
 * file_handle (8 + up to MAX_HANDLE_SZ = 128). */
#define FSWATCH_FID_MAX (8 + 8 + 128)

struct fswatch_event {
	uint32_t what;              /* FSWATCH_* bits */
	int32_t wd;                 /* inotify: the watch; fanotify: -1 */
	int32_t pid;                /* fanotify: acting process (tgid); inotify: 0 */
	int pidfd;                  /* fanotify PIDFD record: an fd the caller
				     * must close when >= 0; else < 0 */
	int fd;                     /* fanotify: an object fd the caller must
				     * close when >= 0 (never in FID mode) */
	const unsigned char *fid;   /* fanotify: fsid + file_handle of the
				     * directory, pointing into the buffer */
	size_t fid_len;             /* 0 when the record carried none */
	const char *name;           /* entry name, not NUL-terminated; */
	size_t name_len;            /* 0 for an event on the marked object itself */
};

/* Decode the record at *off of the len bytes in buf into *ev and advance
 * *off past it.  Returns 1 for an event, 0 at the end of the buffer, -1
 * for a malformed record (see above; *ev then still names any fds that
 * were decoded, for the caller to close). */
int fswatch_inotify_next(const void *buf, size_t len, size_t *off,
		     struct fswatch_event *ev);
int fswatch_fanotify_next(const void *buf, size_t len, size_t *off,
		      struct fswatch_event *ev);

#endif /* CELLOS_AGENT_FSWATCH_EVENT_H */
