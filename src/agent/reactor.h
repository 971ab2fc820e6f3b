/*
 * reactor.h - the agent's one event loop: epoll over every descriptor.
 *
 * Sources, the sink, signals (signalfd) and timers (clock.h) register an
 * fd and a handler.  Handlers run one at a time
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
#include <stddef.h>
#include <stdint.h>

#define REACTOR_MAX_FDS 64
/* Events taken from the kernel per epoll_wait. */
#define REACTOR_BATCH 32

struct reactor;

/* Called with the epoll events that fired for fd. */
typedef void (*reactor_fn)(void *ctx, uint32_t events);

struct reactor *reactor_create(void);
void reactor_destroy(struct reactor *r);

/* Wait up to timeout_ms (-1: forever) and dispatch what fired.  Returns
 * the number of handlers called, or -1 with errno set (EINTR is not an
 * error: it returns 0). */
int reactor_run_once(struct reactor *r, int timeout_ms);

/* Register fd (already non-blocking) for events (EPOLLIN, ...).  Returns 0
 * or -1 with errno set. */
int reactor_add(struct reactor *r, int fd, uint32_t events, reactor_fn fn,
		void *ctx);
int reactor_mod(struct reactor *r, int fd, uint32_t events);
int reactor_del(struct reactor *r, int fd);

/* Descriptors registered now. */
size_t reactor_count(const struct reactor *r);

/* Ask the loop to end: reactor_stopping() is true from now on (main's
 * loop checks it after each batch). */
void reactor_stop(struct reactor *r);
bool reactor_stopping(const struct reactor *r);

#endif /* CELLOS_AGENT_REACTOR_H */
