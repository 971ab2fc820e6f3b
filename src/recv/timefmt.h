/*
 * timefmt.h - host_received_at: RFC 3339 UTC timestamps with nanoseconds.
 *
 * Promises: recv_timefmt_rfc3339 renders a struct timespec as
 * "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" (always nine fraction digits, always
 * "Z", so lines sort and diff as text), without allocation and without
 * the process's time zone.  recv_timefmt_local_ms renders the text
 * format's clock, "HH:MM:SS.mmm" in the local time zone (localtime_r, so
 * TZ as the C library reads it once).  Pure otherwise: no global state.
 */
#ifndef RECV_TIMEFMT_H
#define RECV_TIMEFMT_H

#include <stddef.h>
#include <time.h>

/* "2026-11-28T10:39:28.123456789Z" is 30 bytes; a year beyond 9999 or
 * before 0 widens it, so the buffer has room for any time_t. */
#define RECV_STAMP_BYTES 48

/* Writes the stamp NUL-terminated into buf; returns its length, or 0
 * when ts cannot be represented (tv_nsec out of range, or a year that
 * does not fit struct tm). */
size_t recv_timefmt_rfc3339(const struct timespec *ts,
			    char buf[RECV_STAMP_BYTES]);

/* "HH:MM:SS.mmm" and its NUL. */
#define RECV_LOCAL_STAMP_BYTES 16

/* Writes the local time of day, truncated to the millisecond, into buf;
 * returns its length (12), or 0 when ts cannot be represented. */
size_t recv_timefmt_local_ms(const struct timespec *ts,
			     char buf[RECV_LOCAL_STAMP_BYTES]);

/* One read's host time, rendered once for every line it produces. */
struct recv_stamp {
	struct timespec ts;                  /* CLOCK_REALTIME */
	char rfc3339[RECV_STAMP_BYTES];      /* host_received_at */
	char local[RECV_LOCAL_STAMP_BYTES];  /* the text format's clock */
};

#endif
