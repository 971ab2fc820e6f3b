/*
 * fswatch_event.c - inotify / fanotify record decoding (see fswatch_event.h).
 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>

#include "fswatch_event.h"

static void ev_reset(struct fswatch_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->wd = -1;
	ev->pidfd = -1;
	ev->fd = -1;
}

/* The name in a record is NUL-padded to the record's length; a name that
 * fills the record without a NUL is taken whole. */
static size_t name_length(const char *name, size_t room)
{
	const char *nul = memchr(name, '\0', room);

	return nul ? (size_t)(nul - name) : room;
}

static uint32_t inotify_what(uint32_t mask)
{
	uint32_t what = 0;

	if (mask & IN_MODIFY)
		what |= FSWATCH_MODIFY;
	if (mask & IN_ATTRIB)
		what |= FSWATCH_ATTRIB;
	if (mask & IN_CREATE)
		what |= FSWATCH_CREATE;
	if (mask & IN_DELETE)
		what |= FSWATCH_DELETE;
	if (mask & IN_MOVED_FROM)
		what |= FSWATCH_MOVED_FROM;
	if (mask & IN_MOVED_TO)
		what |= FSWATCH_MOVED_TO;
	if (mask & IN_DELETE_SELF)
		what |= FSWATCH_SELF_DELETED;
	if (mask & IN_MOVE_SELF)
		what |= FSWATCH_SELF_MOVED;
	if (mask & IN_UNMOUNT)
		what |= FSWATCH_UNMOUNTED;
	if (mask & IN_IGNORED)
		what |= FSWATCH_WATCH_GONE;
	if (mask & IN_Q_OVERFLOW)
		what |= FSWATCH_OVERFLOW;
	if (mask & IN_ISDIR)
		what |= FSWATCH_ISDIR;
	return what;
}

int fswatch_inotify_next(const void *buf, size_t len, size_t *off,
		     struct fswatch_event *ev)
{
	const unsigned char *p = buf;
	struct inotify_event ie;
	size_t at = *off;

	ev_reset(ev);
	if (at >= len)
		return 0;
	if (len - at < sizeof(ie))
		return -1;
	memcpy(&ie, p + at, sizeof(ie));
	if (ie.len > len - at - sizeof(ie))
		return -1;
	ev->wd = ie.wd;
	ev->what = inotify_what(ie.mask);
	if (ie.len > 0) {
		ev->name = (const char *)(p + at + sizeof(ie));
		ev->name_len = name_length(ev->name, ie.len);
		if (ev->name_len == 0)
			ev->name = NULL;
	}
	*off = at + sizeof(ie) + ie.len;
	return 1;
}

static uint32_t fanotify_what(uint64_t mask)
{
	uint32_t what = 0;

	if (mask & FAN_MODIFY)
		what |= FSWATCH_MODIFY;
	if (mask & FAN_ATTRIB)
		what |= FSWATCH_ATTRIB;
	if (mask & FAN_CREATE)
		what |= FSWATCH_CREATE;
	if (mask & FAN_DELETE)
		what |= FSWATCH_DELETE;
	if (mask & FAN_MOVED_FROM)
		what |= FSWATCH_MOVED_FROM;
	if (mask & FAN_MOVED_TO)
		what |= FSWATCH_MOVED_TO;
	if (mask & FAN_DELETE_SELF)
		what |= FSWATCH_SELF_DELETED;
	if (mask & FAN_MOVE_SELF)
		what |= FSWATCH_SELF_MOVED;
	if (mask & FAN_Q_OVERFLOW)
		what |= FSWATCH_OVERFLOW;
	if (mask & FAN_ONDIR)
		what |= FSWATCH_ISDIR;
	return what;
}

/* A FID-carrying info record: header, fsid, struct file_handle, and for
 * the *_NAME kinds a NUL-terminated name after the handle. */
static int decode_fid(const unsigned char *rec, size_t rec_len, int with_name,
		      struct fswatch_event *ev)
{
	struct fanotify_event_info_header hdr;
	struct file_handle fh;
	size_t fid_at = sizeof(hdr);
	size_t fh_at = fid_at + sizeof(__kernel_fsid_t);
	size_t end;

	if (rec_len < fh_at + sizeof(fh))
		return -1;
	memcpy(&fh, rec + fh_at, sizeof(fh));
	if (fh.handle_bytes > rec_len - fh_at - sizeof(fh))
		return -1;
	end = fh_at + sizeof(fh) + fh.handle_bytes;
	if (end - fid_at > FSWATCH_FID_MAX)
		return -1;
	ev->fid = rec + fid_at;
	ev->fid_len = end - fid_at;
	if (with_name && end < rec_len) {
		const char *name = (const char *)(rec + end);
		size_t n = name_length(name, rec_len - end);

		/* "." is how DFID_NAME names the directory itself. */
		if (n > 0 && !(n == 1 && name[0] == '.')) {
			ev->name = name;
			ev->name_len = n;
		}
	}
	return 0;
}

int fswatch_fanotify_next(const void *buf, size_t len, size_t *off,
		      struct fswatch_event *ev)
{
	const unsigned char *p = buf;
	struct fanotify_event_metadata m;
	size_t at = *off, info;
	int have_dir_fid = 0;

	ev_reset(ev);
	if (at >= len)
		return 0;
	if (len - at < FAN_EVENT_METADATA_LEN)
		return -1;
	memcpy(&m, p + at, sizeof(m));
	if (m.vers != FANOTIFY_METADATA_VERSION ||
	    m.metadata_len < FAN_EVENT_METADATA_LEN ||
	    m.event_len < m.metadata_len || m.event_len > len - at)
		return -1;
	ev->what = fanotify_what(m.mask);
	ev->pid = m.pid;
	ev->fd = m.fd;
	for (info = m.metadata_len; info < m.event_len;) {
		struct fanotify_event_info_header hdr;
		const unsigned char *rec = p + at + info;

		if (m.event_len - info < sizeof(hdr))
			return -1;
		memcpy(&hdr, rec, sizeof(hdr));
		if (hdr.len < sizeof(hdr) || hdr.len > m.event_len - info)
			return -1;
		switch (hdr.info_type) {
		case FAN_EVENT_INFO_TYPE_DFID_NAME:
		case FAN_EVENT_INFO_TYPE_DFID:
			if (decode_fid(rec, hdr.len,
				       hdr.info_type == FAN_EVENT_INFO_TYPE_DFID_NAME,
				       ev) < 0)
				return -1;
			have_dir_fid = 1;
			break;
		case FAN_EVENT_INFO_TYPE_FID:
			/* Only when no directory identity came with it. */
			if (!have_dir_fid && decode_fid(rec, hdr.len, 0, ev) < 0)
				return -1;
			break;
		case FAN_EVENT_INFO_TYPE_PIDFD: {
			struct fanotify_event_info_pidfd pr;

			if (hdr.len < sizeof(pr))
				return -1;
			memcpy(&pr, rec, sizeof(pr));
			ev->pidfd = pr.pidfd;
			break;
		}
		default:
			break; /* a kind this code does not use */
		}
		info += hdr.len;
	}
	*off = at + m.event_len;
	return 1;
}
