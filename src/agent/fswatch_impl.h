/*
 * fswatch_impl.h - what the files of the declared-watch source share
 * (private to src/agent/fswatch*.c; see fswatch.h for the promises).
 *
 *   fswatch_source.c start and stop, reading the descriptors
 *   fswatch_arm.c    arming a watch (fanotify or inotify), losing it,
 *                    re-arming lost watches from a timer, and the
 *                    rate-limited log
 *   fswatch_actor.c  naming the actor (/proc and the pidfd), and the
 *                    agent's own open files
 *   fswatch_match.c  matching one decoded event to the watches
 */
#ifndef CELLOS_AGENT_FSWATCH_IMPL_H
#define CELLOS_AGENT_FSWATCH_IMPL_H

#include <fcntl.h>
#include <sys/types.h>

#include "fswatch.h"

/* Linux 6.5: a handle meant only to identify an object, which is what
 * fanotify reports; Debian 12's 6.1 headers lack it. */
#ifndef AT_HANDLE_FID
#define AT_HANDLE_FID 0x200
#endif

/* What a directory mark listens for.  FAN_ONDIR is needed even for file
 * watches: without it the directory's own deletion is not reported. */
#define FSWATCH_FAN_MASK (FAN_MODIFY | FAN_ATTRIB | FAN_CREATE | FAN_DELETE | \
			  FAN_MOVED_FROM | FAN_MOVED_TO | FAN_DELETE_SELF | \
			  FAN_MOVE_SELF | FAN_EVENT_ON_CHILD | FAN_ONDIR)
#define FSWATCH_INO_MASK (IN_MODIFY | IN_ATTRIB | IN_CREATE | IN_DELETE | \
			  IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | \
			  IN_MOVE_SELF | IN_ONLYDIR)

struct fswatch_handle_buf {
	struct file_handle fh;
	unsigned char bytes[MAX_HANDLE_SZ];
};

/* fswatch_arm.c */
/* A runtime message the workload can provoke: rate-limited (fswatch.h). */
void fswatch_log(struct fswatch *w, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* fsid + file_handle of path (relative to dirfd), in the layout fanotify
 * reports.  0 or a negative errno value. */
int fswatch_fid_of(int dirfd, const char *path, unsigned char *fid,
		   size_t *fid_len);
bool fswatch_fid_equal(const struct fswatch_entry *e, const unsigned char *fid,
		       size_t len);
/* Arm one watch.  0 or a negative errno value. */
int fswatch_arm(struct fswatch *w, struct fswatch_entry *e);
/* The re-arm timer runs only while some watch is lost. */
void fswatch_rearm_update(struct fswatch *w);
void fswatch_on_rearm_timer(void *ctx, uint32_t events);
/* The marked directory of e went away (what: FSWATCH_* loss bits). */
void fswatch_lose(struct fswatch *w, struct fswatch_entry *e, uint32_t what);
/* A watched file's name came or went. */
void fswatch_presence(struct fswatch *w, struct fswatch_entry *e, uint32_t what);

/* fswatch_actor.c */
/* The actor's comm, or -1 when it cannot be known for sure. */
ssize_t fswatch_actor_comm(struct fswatch *w, int32_t pid, int pidfd,
			   char *out, size_t cap);
/* The agent's pid and comm, and the files it holds open for writing now
 * (struct fswatch_own_file): at start, best effort. */
void fswatch_self_identity(struct fswatch *w);
void fswatch_own_files(struct fswatch *w);
/* Is the named entry of this inotify event one of the agent's own files? */
bool fswatch_own_file(const struct fswatch *w, const struct fswatch_entry *e,
		      const struct fswatch_event *ev);

#endif /* CELLOS_AGENT_FSWATCH_IMPL_H */
