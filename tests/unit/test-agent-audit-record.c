/*
 * Unit tests for src/agent/audit_record.c: the bounded parser of audit
 * record text and the realtime -> monotonic conversion.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "agent/audit_record.h"

/* A SYSCALL record as a 6.x kernel writes it for a refused connect. */
static const char connect_rec[] =
	"audit(1795140000.123:4567): arch=c000003e syscall=42 success=no "
	"exit=-111 a0=3 a1=7ffc1b2c a2=10 a3=0 items=0 ppid=1200 pid=1234 "
	"auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 "
	"fsgid=0 tty=(none) ses=4294967295 comm=\"curl\" exe=\"/usr/bin/curl\" "
	"key=\"cellos-telemetry\"";

static int parse_str(const char *s, struct audit_record *r)
{
	return audit_record_parse(s, strlen(s), r);
}

static void parse_reads_stamp_fields_pid_and_comm(void **state)
{
	struct audit_record r;

	assert_int_equal(parse_str(connect_rec, &r), 0);
	assert_int_equal(r.sec, 1795140000);
	assert_int_equal(r.msec, 123);
	assert_int_equal(r.serial, 4567);
	assert_int_equal(r.arch, 0xc000003eu);
	assert_int_equal(r.syscall, 42);
	assert_true(r.exit == -111);
	assert_int_equal(r.a0, 3);
	assert_int_equal(r.pid, 1234);
	assert_int_equal(r.comm_len, 4);
	assert_memory_equal(r.comm, "curl", 4);
	unsigned all = AUDIT_HAVE_STAMP | AUDIT_HAVE_ARCH | AUDIT_HAVE_SYSCALL |
		       AUDIT_HAVE_EXIT | AUDIT_HAVE_A0 | AUDIT_HAVE_PID | AUDIT_HAVE_COMM;
	assert_int_equal(r.have, all);
}

static void parse_does_not_take_ppid_for_pid(void **state)
{
	struct audit_record r;

	assert_int_equal(parse_str("audit(1.000:1): ppid=7 pid=8", &r), 0);
	assert_int_equal(r.pid, 8);
}

static void parse_first_occurrence_of_a_field_wins(void **state)
{
	struct audit_record r;

	assert_int_equal(parse_str("audit(1.000:1): pid=5 comm=\"a\" pid=6 comm=\"b\"", &r), 0);
	assert_int_equal(r.pid, 5);
	assert_memory_equal(r.comm, "a", 1);
}

static void parse_decodes_hex_encoded_comm(void **state)
{
	struct audit_record r;

	/* "my job" has a space, so the kernel writes it as hex. */
	assert_int_equal(parse_str("audit(1.000:1): pid=9 comm=6D79206A6F62 exe=2F", &r), 0);
	assert_true(r.have & AUDIT_HAVE_COMM);
	assert_int_equal(r.comm_len, 6);
	assert_memory_equal(r.comm, "my job", 6);
}

static void parse_hex_comm_keeps_raw_bytes(void **state)
{
	struct audit_record r;

	assert_int_equal(parse_str("audit(1.000:1): comm=FF00c3", &r), 0);
	assert_int_equal(r.comm_len, 3);
	assert_memory_equal(r.comm, "\xff\x00\xc3", 3);
}

static void parse_odd_or_non_hex_comm_is_unknown(void **state)
{
	struct audit_record r;

	assert_int_equal(parse_str("audit(1.000:1): comm=ABC", &r), 0);
	assert_false(r.have & AUDIT_HAVE_COMM);
	assert_int_equal(parse_str("audit(1.000:1): comm=(null)", &r), 0);
	assert_false(r.have & AUDIT_HAVE_COMM);
	assert_int_equal(parse_str("audit(1.000:1): comm=\"a\"b\"", &r), 0);
	assert_false(r.have & AUDIT_HAVE_COMM);
	assert_int_equal(parse_str("audit(1.000:1): comm=\"", &r), 0);
	assert_false(r.have & AUDIT_HAVE_COMM);
}

static void parse_empty_quoted_comm_is_known_and_empty(void **state)
{
	struct audit_record r;

	assert_int_equal(parse_str("audit(1.000:1): comm=\"\"", &r), 0);
	assert_true(r.have & AUDIT_HAVE_COMM);
	assert_int_equal(r.comm_len, 0);
}

static void parse_cuts_overlong_comm_to_buffer(void **state)
{
	char rec[256];
	struct audit_record r;
	char name[AUDIT_COMM_MAX * 2];

	memset(name, 'x', sizeof(name));
	snprintf(rec, sizeof(rec), "audit(1.000:1): comm=\"%.*s\" pid=3",
		 (int)sizeof(name), name);
	assert_int_equal(parse_str(rec, &r), 0);
	assert_int_equal(r.comm_len, AUDIT_COMM_MAX);
	assert_int_equal(r.pid, 3);
}

static void parse_reads_exit_codes(void **state)
{
	struct audit_record r;

	assert_int_equal(parse_str("audit(1.000:1): exit=-1", &r), 0);
	assert_true(r.exit == -1);
	assert_int_equal(parse_str("audit(1.000:1): exit=-13", &r), 0);
	assert_true(r.exit == -13);
	assert_int_equal(parse_str("audit(1.000:1): exit=140737488355328", &r), 0);
	assert_true(r.exit == 140737488355328LL);
	assert_int_equal(parse_str("audit(1.000:1): exit=-9223372036854775808", &r), 0);
	assert_true(r.exit == INT64_MIN);
	assert_true(r.have & AUDIT_HAVE_EXIT);
}

static void parse_drops_out_of_range_numbers(void **state)
{
	struct audit_record r;

	assert_int_equal(parse_str("audit(1.000:1): exit=9223372036854775808 pid=4294967296 "
				   "syscall=-1 arch=1c000003e a0=xyz", &r), 0);
	assert_int_equal(r.have, AUDIT_HAVE_STAMP);
}

static void parse_rejects_malformed_stamp(void **state)
{
	struct audit_record r;
	static const char *bad[] = {
		"", "audit", "audit(", "audit(1.000:1)", "audit(1.000:1", "audit(.000:1): ",
		"audit(1.1000:1): ", "audit(1:1): ", "audit(1.000:): ", "audit(1.000:4294967296): ",
		"audit(18446744073709551616.000:1): ", "type=SYSCALL msg=audit(1.000:1): ",
		" audit(1.000:1): ",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r.have = ~0u;
		assert_int_equal(parse_str(bad[i], &r), -1);
		assert_int_equal(r.have, 0);
	}
}

static void parse_stops_at_embedded_nul(void **state)
{
	static const char rec[] = "audit(1.000:1): pid=1\0 pid=2 comm=\"x\"";
	struct audit_record r;

	assert_int_equal(audit_record_parse(rec, sizeof(rec) - 1, &r), 0);
	assert_int_equal(r.pid, 1);
	assert_false(r.have & AUDIT_HAVE_COMM);
}

/* Every prefix of a record, each in a buffer of exactly that size, so a
 * read past the end shows up under valgrind. */
static void parse_truncated_input_stays_in_bounds(void **state)
{
	size_t n = strlen(connect_rec);

	for (size_t len = 0; len <= n; len++) {
		char *buf = malloc(len ? len : 1);
		assert_non_null(buf);
		memcpy(buf, connect_rec, len);
		struct audit_record r;
		int rc = audit_record_parse(buf, len, &r);
		/* The stamp alone decides success. */
		assert_int_equal(rc, len >= strlen("audit(1795140000.123:4567):") ? 0 : -1);
		if ((r.have & AUDIT_HAVE_PID))
			assert_true(r.pid == 1234 || len < n);
		free(buf);
	}
}

static void parse_random_bytes_never_crash(void **state)
{
	unsigned seed = 20261128;
	char buf[300];

	for (int iter = 0; iter < 20000; iter++) {
		size_t len = (size_t)(rand_r(&seed) % (int)sizeof(buf));
		/* Half the inputs start with a valid stamp so the field loop runs. */
		size_t off = 0;
		if (iter % 2 == 0) {
			memcpy(buf, "audit(1.000:1): ", 16);
			off = 16;
		}
		static const char alpha[] = "pidcomexyta=\"0123456789ABCDEF -\n\0\xff";
		for (size_t i = off; i < len; i++)
			buf[i] = alpha[rand_r(&seed) % (int)(sizeof(alpha) - 1)];
		struct audit_record r;
		int rc = audit_record_parse(buf, len < off ? off : len, &r);
		assert_true(rc == 0 || rc == -1);
		assert_true(r.comm_len <= AUDIT_COMM_MAX);
	}
}

static void parse_null_text_is_rejected(void **state)
{
	struct audit_record r;

	assert_int_equal(audit_record_parse(NULL, 0, &r), -1);
}

static void mono_subtracts_offset(void **state)
{
	struct audit_record r = { .sec = 1000, .msec = 5 };

	assert_true(audit_record_mono_ns(&r, 900000000000LL) == 100005000000ULL);
	assert_true(audit_record_mono_ns(&r, 0) == 1000005000000ULL);
	assert_true(audit_record_mono_ns(&r, -5000000LL) == 1000010000000ULL);
}

static void mono_saturates_instead_of_wrapping(void **state)
{
	struct audit_record r = { .sec = 1, .msec = 0 };

	assert_true(audit_record_mono_ns(&r, 2000000000LL) == 0);
	r.sec = UINT64_MAX / 1000000000ULL;
	r.msec = 999;
	assert_true(audit_record_mono_ns(&r, INT64_MIN) == UINT64_MAX);
}

static uint64_t now_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* A record stamped "now" in realtime converts to monotonic now, less what
 * its millisecond resolution cut off.  The clocks are read between mono0
 * and mono1, so the bounds hold however long the machine takes (a busy
 * host, valgrind) without a timing allowance. */
static void mono_of_a_record_stamped_now_is_monotonic_now(void **state)
{
	uint64_t mono0 = now_ns(CLOCK_MONOTONIC);
	int64_t off = audit_clock_offset_ns();
	uint64_t rt = now_ns(CLOCK_REALTIME);
	uint64_t mono1 = now_ns(CLOCK_MONOTONIC);
	struct audit_record r = { .sec = rt / 1000000000ULL,
				  .msec = (uint32_t)(rt % 1000000000ULL / 1000000ULL) };
	uint64_t got = audit_record_mono_ns(&r, off);

	uint64_t span = mono1 - mono0;

	(void)state;
	/* The offset places its realtime read at the middle of its own two
	 * monotonic reads, both inside [mono0, mono1]: off by at most span.
	 * 1 us more for the clocks' own rounding. */
	assert_true(got <= mono1 + span + 1000ULL);
	assert_true(got + 1000000ULL + span + 1000ULL >= mono0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_reads_stamp_fields_pid_and_comm),
		cmocka_unit_test(parse_does_not_take_ppid_for_pid),
		cmocka_unit_test(parse_first_occurrence_of_a_field_wins),
		cmocka_unit_test(parse_decodes_hex_encoded_comm),
		cmocka_unit_test(parse_hex_comm_keeps_raw_bytes),
		cmocka_unit_test(parse_odd_or_non_hex_comm_is_unknown),
		cmocka_unit_test(parse_empty_quoted_comm_is_known_and_empty),
		cmocka_unit_test(parse_cuts_overlong_comm_to_buffer),
		cmocka_unit_test(parse_reads_exit_codes),
		cmocka_unit_test(parse_drops_out_of_range_numbers),
		cmocka_unit_test(parse_rejects_malformed_stamp),
		cmocka_unit_test(parse_stops_at_embedded_nul),
		cmocka_unit_test(parse_truncated_input_stays_in_bounds),
		cmocka_unit_test(parse_random_bytes_never_crash),
		cmocka_unit_test(parse_null_text_is_rejected),
		cmocka_unit_test(mono_subtracts_offset),
		cmocka_unit_test(mono_saturates_instead_of_wrapping),
		cmocka_unit_test(mono_of_a_record_stamped_now_is_monotonic_now),
	};
	return cmocka_run_group_tests_name("agent-audit-record", tests, NULL, NULL);
}
