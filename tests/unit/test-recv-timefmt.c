/* test-recv-timefmt.c - host_received_at formatting (timefmt.c). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "recv/timefmt.h"

static void expect(time_t sec, long nsec, const char *want)
{
	struct timespec ts = { .tv_sec = sec, .tv_nsec = nsec };
	char buf[RECV_STAMP_BYTES];

	assert_int_equal(recv_timefmt_rfc3339(&ts, buf), strlen(want));
	assert_string_equal(buf, want);
}

static void epoch_has_nine_zero_digits(void **state)
{
	(void)state;
	expect(0, 0, "1970-01-01T00:00:00.000000000Z");
}

static void nanoseconds_are_zero_padded(void **state)
{
	(void)state;
	expect(1, 1, "1970-01-01T00:00:01.000000001Z");
	expect(59, 999999999, "1970-01-01T00:00:59.999999999Z");
	expect(0, 120000, "1970-01-01T00:00:00.000120000Z");
}

static void known_instants_render_in_utc(void **state)
{
	(void)state;
	expect(1795862368, 123456789, "2026-11-28T10:39:28.123456789Z");
	/* leap day, and the last second of a leap year */
	expect(951782400, 0, "2000-02-29T00:00:00.000000000Z");
	expect(1483228799, 5, "2016-12-31T23:59:59.000000005Z");
	/* past 2038 */
	expect(2147483648, 0, "2038-01-19T03:14:08.000000000Z");
}

static void time_zone_is_ignored(void **state)
{
	(void)state;
	setenv("TZ", "Asia/Kolkata", 1);
	tzset();
	expect(0, 0, "1970-01-01T00:00:00.000000000Z");
	unsetenv("TZ");
	tzset();
}

static void bad_nanoseconds_are_refused(void **state)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 1000000000L };
	char buf[RECV_STAMP_BYTES];
	(void)state;
	assert_int_equal(recv_timefmt_rfc3339(&ts, buf), 0);
	assert_string_equal(buf, "");
	ts.tv_nsec = -1;
	assert_int_equal(recv_timefmt_rfc3339(&ts, buf), 0);
}

static void before_the_epoch_still_formats(void **state)
{
	(void)state;
	expect(-1, 0, "1969-12-31T23:59:59.000000000Z");
}

/* The text format's clock: local time of day, truncated to the ms.  POSIX
 * TZ strings, so no zoneinfo files are needed ("UTC-2" is two hours
 * ahead). */
static void expect_local(const char *tz, time_t sec, long nsec,
			 const char *want)
{
	struct timespec ts = { .tv_sec = sec, .tv_nsec = nsec };
	char buf[RECV_LOCAL_STAMP_BYTES];

	setenv("TZ", tz, 1);
	tzset();
	assert_int_equal(recv_timefmt_local_ms(&ts, buf), strlen(want));
	assert_string_equal(buf, want);
	unsetenv("TZ");
	tzset();
}

static void local_clock_has_milliseconds_in_the_zone(void **state)
{
	(void)state;
	/* 2026-12-04T10:39:28Z */
	expect_local("UTC0", 1796380768, 123456789, "10:39:28.123");
	expect_local("UTC-2", 1796380768, 999999999, "12:39:28.999");
	expect_local("UTC+11", 1796380768, 0, "23:39:28.000");
	expect_local("UTC0", 0, 1000000, "00:00:00.001");
}

static void local_clock_refuses_bad_nanoseconds(void **state)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 1000000000L };
	char buf[RECV_LOCAL_STAMP_BYTES];
	(void)state;
	assert_int_equal(recv_timefmt_local_ms(&ts, buf), 0);
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(epoch_has_nine_zero_digits),
		cmocka_unit_test(nanoseconds_are_zero_padded),
		cmocka_unit_test(known_instants_render_in_utc),
		cmocka_unit_test(time_zone_is_ignored),
		cmocka_unit_test(bad_nanoseconds_are_refused),
		cmocka_unit_test(before_the_epoch_still_formats),
		cmocka_unit_test(local_clock_has_milliseconds_in_the_zone),
		cmocka_unit_test(local_clock_refuses_bad_nanoseconds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
