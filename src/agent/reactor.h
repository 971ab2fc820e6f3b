/*
 * reactor.h - the agent's one event loop: epoll over every descriptor.
 *
 * Sources, the sink, signals (signalfd) and timers (timerfd) register an fd
 * and a handler (reactor_add in source.h).  Handlers run one at a time
 * from reactor_run_once(); they must not block.  A handler may add or
 * delete any fd, including its own: a slot deleted while a batch of events
 * is being dispatched is not called again in that batch.
 *
 * Capacity is fixed (REACTOR_MAX_FDS); nothing is allocated after
 * reactor_create().
 */
#ifndef CELLOS_AGENT_REACTOR_H
#define CELLOS_AGENT_REACTOR_H

#include <stdbool.h>

#include "source.h"

#define REACTOR_MAX_FDS 64
/* Events taken from the kernel per epoll_wait. */
#define REACTOR_BATCH 32

struct reactor *reactor_create(void);
void reactor_destroy(struct reactor *r);

/* Wait up to timeout_ms (-1: forever) and dispatch what fired.  Returns
 * the number of handlers called, or -1 with errno set (EINTR is not an
 * error: it returns 0). */
int reactor_run_once(struct reactor *r, int timeout_ms);

/* Make reactor_run() return after the current batch. */
void reactor_stop(struct reactor *r);
bool reactor_stopping(const struct reactor *r);

/* Dispatch until reactor_stop().  Returns 0, or -1 if epoll failed. */
int reactor_run(struct reactor *r);

#endif /* CELLOS_AGENT_REACTOR_H */
