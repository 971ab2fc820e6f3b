/*
 * signals.h - the receiver's signals, as events on a signalfd.
 *
 * Promises: recv_signals_setup ignores SIGPIPE (a closed output is a write
 * error the receiver reports), blocks SIGINT, SIGTERM and SIGHUP and
 * returns a non-blocking signalfd for them, which the loops poll with
 * their other descriptors.  recv_signals_take reads what is pending and
 * acts: SIGINT/SIGTERM stop the run, SIGHUP reopens the output files
 * (files.h) and the run goes on.
 */
#ifndef RECV_SIGNALS_H
#define RECV_SIGNALS_H

#include "recv/decode.h"

/* Returns the signalfd, or -1 after logging why. */
int recv_signals_setup(void);

enum recv_signal_action {
	RECV_SIGNAL_NONE = 0, /* nothing pending, or handled (SIGHUP) */
	RECV_SIGNAL_STOP,     /* SIGINT/SIGTERM: end the run, exit 0 */
	RECV_SIGNAL_IO_ERROR, /* flushing before a reopen failed (logged) */
	RECV_SIGNAL_ERROR,    /* the signalfd failed (logged) */
};

/* Handle every signal pending on sigfd (non-blocking). */
enum recv_signal_action recv_signals_take(int sigfd, struct recv_ctx *c);

#endif
