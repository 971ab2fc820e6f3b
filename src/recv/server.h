/*
 * server.h - --listen: many connections, one non-blocking epoll loop.
 *
 * Promises: every descriptor (listening socket, connections, their
 * silence timers, the signalfd) is non-blocking and watched by one epoll
 * instance; nothing waits except epoll_wait and output writes.  Each
 * connection has its own wire_stream and its own id (1, 2, 3, ... in
 * accept order), so one connection's garbage never disturbs another's
 * frames.  At most RECV_MAX_CONNECTIONS are open at once; one more is
 * accepted and closed at once, with a (rate-limited) log line and a
 * counter, so the peer sees EOF instead of hanging in the backlog.
 * Memory is allocated once, at start-up, for the whole table.
 */
#ifndef RECV_SERVER_H
#define RECV_SERVER_H

#include "recv/decode.h"

#define RECV_MAX_CONNECTIONS 64
#define RECV_STR_(x) #x
#define RECV_STR(x) RECV_STR_(x)
/* Bytes taken from one connection per wake-up; level-triggered epoll
 * brings us back for the rest, so a busy peer cannot starve the others. */
#define RECV_READ_BYTES (64 * 1024)
/* Events handled per epoll_wait. */
#define RECV_EPOLL_EVENTS 32
/* At most one "connection refused" log line per this many seconds. */
#define RECV_REFUSE_LOG_INTERVAL_S 1

/* Runs until SIGINT/SIGTERM (sigfd readable; SIGHUP reopens the output
 * files and goes on), --count, or a fatal error.
 * Returns a sysexits code (EX_OK on a normal stop). */
int recv_server_run(struct recv_ctx *c, int sigfd);

#endif
