/*
 * reactor.c - epoll loop with a fixed table of handler slots.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "reactor.h"

struct slot {
	int fd;          /* -1: free */
	bool dead;       /* deleted during the current dispatch batch */
	reactor_fn fn;
	void *ctx;
};

struct reactor {
	int epfd;
	bool stop;
	bool dispatching;
	struct slot slots[REACTOR_MAX_FDS];
};

struct reactor *reactor_create(void)
{
	struct reactor *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (r->epfd < 0) {
		int e = errno;
		free(r);
		errno = e;
		return NULL;
	}
	for (int i = 0; i < REACTOR_MAX_FDS; i++)
		r->slots[i].fd = -1;
	return r;
}

void reactor_destroy(struct reactor *r)
{
	if (!r)
		return;
	close(r->epfd);
	free(r);
}

static struct slot *find_slot(struct reactor *r, int fd)
{
	for (int i = 0; i < REACTOR_MAX_FDS; i++)
		if (r->slots[i].fd == fd && !r->slots[i].dead)
			return &r->slots[i];
	return NULL;
}

int reactor_add(struct reactor *r, int fd, uint32_t events, reactor_fn fn,
		void *ctx)
{
	struct slot *s = NULL;
	struct epoll_event ev;

	if (fd < 0 || !fn) {
		errno = EINVAL;
		return -1;
	}
	if (find_slot(r, fd)) {
		errno = EEXIST;
		return -1;
	}
	for (int i = 0; i < REACTOR_MAX_FDS; i++) {
		/* A slot freed during dispatch is reused only after the
		 * batch, so a stale event cannot reach the new owner. */
		if (r->slots[i].fd < 0 && !r->slots[i].dead) {
			s = &r->slots[i];
			break;
		}
	}
	if (!s) {
		errno = ENOSPC;
		return -1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = s;
	if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -1;
	s->fd = fd;
	s->fn = fn;
	s->ctx = ctx;
	return 0;
}

int reactor_mod(struct reactor *r, int fd, uint32_t events)
{
	struct slot *s = find_slot(r, fd);
	struct epoll_event ev;

	if (!s) {
		errno = ENOENT;
		return -1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = s;
	return epoll_ctl(r->epfd, EPOLL_CTL_MOD, fd, &ev);
}

int reactor_del(struct reactor *r, int fd)
{
	struct slot *s = find_slot(r, fd);
	int rc = 0;

	if (!s) {
		errno = ENOENT;
		return -1;
	}
	/* The fd may already be closed by the caller (epoll drops closed
	 * fds by itself); EBADF/ENOENT are not worth failing for. */
	if (epoll_ctl(r->epfd, EPOLL_CTL_DEL, fd, NULL) < 0 &&
	    errno != EBADF && errno != ENOENT)
		rc = -1;
	if (r->dispatching)
		s->dead = true;
	s->fd = -1;
	return rc;
}

int reactor_run_once(struct reactor *r, int timeout_ms)
{
	struct epoll_event evs[REACTOR_BATCH];
	int n, called = 0;

	n = epoll_wait(r->epfd, evs, REACTOR_BATCH, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	r->dispatching = true;
	for (int i = 0; i < n; i++) {
		struct slot *s = evs[i].data.ptr;

		if (s->fd < 0 || s->dead)
			continue;
		s->fn(s->ctx, evs[i].events);
		called++;
	}
	r->dispatching = false;
	for (int i = 0; i < REACTOR_MAX_FDS; i++)
		r->slots[i].dead = false;
	return called;
}

size_t reactor_count(const struct reactor *r)
{
	size_t n = 0;

	for (int i = 0; i < REACTOR_MAX_FDS; i++)
		n += r->slots[i].fd >= 0;
	return n;
}

void reactor_stop(struct reactor *r)
{
	r->stop = true;
}

bool reactor_stopping(const struct reactor *r)
{
	return r->stop;
}
