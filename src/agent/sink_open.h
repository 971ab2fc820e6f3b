/*
 * sink_open.h - opening the sink's transports (private to sink*.c): a
 * non-blocking connect to a vsock or Unix stream socket, a character
 * device opened for writing, stdout made non-blocking.  Each only opens;
 * the sink (sink.c) registers the descriptor and runs the state machine.
 * Error codes are negative errno values; a failed open leaves nothing
 * open.
 */
#ifndef CELLOS_AGENT_SINK_OPEN_H
#define CELLOS_AGENT_SINK_OPEN_H

#include <stdbool.h>

#include "sink_addr.h"

/* Start connecting to a SINK_VSOCK or SINK_UNIX address: 1 when already
 * connected, 0 while the connect is in progress (it completes with
 * EPOLLOUT and sink_sock_error() 0), with *fd set; or a negative errno. */
int sink_open_socket(const struct sink_addr *a, int *fd);

/* Open the character device at path for writing, without blocking and
 * without making it the controlling terminal; a tty is set to raw mode
 * (failing that is logged, naming the sink by name).  0 with *fd set, or
 * a negative errno (-ENODEV: not a character device). */
int sink_open_chardev(const char *path, const char *name, int *fd);

/* Make stdout non-blocking (its old flags in *saved_flags, -1 when they
 * were kept) and, unless it is a socket (*is_socket), a broken pipe an
 * EPIPE rather than SIGPIPE.  0 or a negative errno. */
int sink_open_stdout(bool *is_socket, int *saved_flags);

/* The pending error of a socket, as a positive errno value (0: none). */
int sink_sock_error(int fd);

#endif /* CELLOS_AGENT_SINK_OPEN_H */
