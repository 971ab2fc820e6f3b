/*
 * log.h - the receiver's diagnostics on stderr.
 *
 * Promises: one line per call, "cellos-telemetry-recv: <level>: <msg>",
 * written with a single write so lines from concurrent tools on the same
 * terminal do not interleave mid-line.  Never allocates.
 */
#ifndef RECV_LOG_H
#define RECV_LOG_H

#define RECV_PROG "cellos-telemetry-recv"

/* Longest log line; longer messages are cut. */
#define RECV_LOG_LINE_BYTES 1024

void recv_log(const char *level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define recv_err(...) recv_log("error", __VA_ARGS__)
#define recv_warn(...) recv_log("warning", __VA_ARGS__)
#define recv_info(...) recv_log("info", __VA_ARGS__)

#endif
