/*
 * input.h - --input: decode a captured stream (a file, a pipe, stdin).
 *
 * Promises: the capture is decoded exactly as one connection would be,
 * with connection id 0, until its end, --count, a framing error (which
 * ends the stream as it would end a connection) or SIGINT/SIGTERM.  A
 * pipe or terminal is polled together with the signalfd, so a signal
 * stops it (or, SIGHUP, reopens the output files) even while no input
 * arrives.  No silence window.
 */
#ifndef RECV_INPUT_H
#define RECV_INPUT_H

#include "recv/decode.h"

#define RECV_INPUT_CONN_ID 0
#define RECV_INPUT_READ_BYTES (64 * 1024)

/* Returns a sysexits code: EX_OK, EX_NOINPUT (cannot open), EX_IOERR. */
int recv_input_run(struct recv_ctx *c, int sigfd);

#endif
