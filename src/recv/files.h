/*
 * files.h - the receiver's output files: --output and --raw.
 *
 * Promises: both are opened for appending (O_APPEND, created 0644 when
 * missing), so a receiver restarted on the same files keeps every line
 * of the runs before it.  recv_files_reopen is the logrotate step: after
 * the operator renamed the files, it writes what the output buffer holds
 * to the old --output, then opens the paths anew and switches to them.
 * The switch falls between two whole lines (lines are only ever written
 * whole) and between two reads (--raw gets each read's bytes in one
 * piece), so nothing is lost and no line is split; the old files hold
 * everything up to the switch, the new ones everything after it (a new
 * text --output starts with the column titles, as the first did).  When a
 * path cannot be opened, the old descriptor is kept and the error logged:
 * records keep going to the renamed file rather than nowhere.
 */
#ifndef RECV_FILES_H
#define RECV_FILES_H

#include "recv/decode.h"

/* Open path for --NAME (appending).  Returns the fd, or -1 after logging
 * why. */
int recv_files_open(const char *name, const char *path);

/* --output opened on an existing file: if it ends in an incomplete line
 * (the SIGKILL contract of cellos-telemetry-recv(1)), write the newline
 * that ends it, with a warning.  Returns 0, or -1 after logging why. */
int recv_files_end_line(const char *path, int fd);

/* SIGHUP: reopen --output (when not stdout) and --raw (when given).
 * Returns 0, or -1 with errno when flushing to the old --output failed
 * (the run ends, as for any output error).  Failing to open a new file is
 * not an error: it is logged and the old file kept. */
int recv_files_reopen(struct recv_ctx *c);

#endif
