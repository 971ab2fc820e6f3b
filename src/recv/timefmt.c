/* timefmt.c - see timefmt.h. */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include "recv/timefmt.h"

size_t recv_timefmt_rfc3339(const struct timespec *ts,
			    char buf[RECV_STAMP_BYTES])
{
	struct tm tm;

	buf[0] = '\0';
	if (ts->tv_nsec < 0 || ts->tv_nsec > 999999999L)
		return 0;
	if (gmtime_r(&ts->tv_sec, &tm) == NULL)
		return 0;
	/* tm_year + 1900 is computed in long long: tm_year may be INT_MAX. */
	int n = snprintf(buf, RECV_STAMP_BYTES,
			 "%04lld-%02d-%02dT%02d:%02d:%02d.%09ldZ",
			 (long long)tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (long)ts->tv_nsec);
	if (n < 0 || n >= RECV_STAMP_BYTES) {
		buf[0] = '\0';
		return 0;
	}
	return (size_t)n;
}

size_t recv_timefmt_local_ms(const struct timespec *ts,
			     char buf[RECV_LOCAL_STAMP_BYTES])
{
	struct tm tm;

	buf[0] = '\0';
	if (ts->tv_nsec < 0 || ts->tv_nsec > 999999999L)
		return 0;
	if (localtime_r(&ts->tv_sec, &tm) == NULL)
		return 0;
	int n = snprintf(buf, RECV_LOCAL_STAMP_BYTES, "%02d:%02d:%02d.%03ld",
			 tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (long)(ts->tv_nsec / 1000000L));
	if (n != 12) {
		buf[0] = '\0';
		return 0;
	}
	return (size_t)n;
}
