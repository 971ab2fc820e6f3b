/*
 * summary_write.h - the --summary report, as text or as one JSON object.
 *
 * Promises: recv_summary_write prints everything struct recv_summary
 * holds (see summary.h), in the order the man page gives: span, frames
 * per probe, decode errors by name, silences, connections and how they
 * ended, then per comm the programs spawned, the processes still running,
 * connect attempts, denials and watched-path events, each table most
 * frequent first, RECV_SUMMARY_TOP names and one line for the others.
 * Comms are escaped as in the text format (text) or as JSON strings
 * (json): nothing the guest sent reaches the reader raw.  The JSON form is
 * one object on one line, with the same figures under stable keys (see
 * cellos-telemetry-recv(1)).  Called once, at the end of a run; uses
 * stdio on the caller's stream.
 */
#ifndef RECV_SUMMARY_WRITE_H
#define RECV_SUMMARY_WRITE_H

#include <stdint.h>
#include <stdio.h>

#include "recv/options.h"
#include "recv/summary.h"

/* refused: connections refused (the server counts those, not the
 * summary).  format: enum recv_format.  Returns 0, or -1 when writing to
 * f failed (errno set). */
int recv_summary_write(FILE *f, const struct recv_summary *s,
		       uint64_t refused, unsigned format);

#endif
