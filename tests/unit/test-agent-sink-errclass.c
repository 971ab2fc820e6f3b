/* test-agent-sink-errclass.c - the sink's errno classes (sink_errclass.c), per
 * errno and phase, including the ones Firecracker's vsock device produces:
 * a reset answering a connect (nothing listens on the host), EAGAIN on a
 * credit stall, and ECONNRESET / EPIPE / ENOTCONN / hangup after a
 * snapshot restore resets the device. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent/sink_errclass.h"

struct row {
	int err;
	enum sink_errclass cls;
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void check(enum sink_phase ph, const struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		enum sink_errclass got = sink_errclass(ph, rows[i].err);

		if (got != rows[i].cls)
			fail_msg("phase %d errno %d (%s): class %d, expected %d", (int)ph,
				 rows[i].err, strerror(rows[i].err), (int)got, (int)rows[i].cls);
	}
}

static void connect_absent_listener_backs_off(void **state)
{
	static const struct row rows[] = {
		{ ECONNREFUSED, SINK_EC_ABSENT }, /* Unix: nobody at the path */
		{ ECONNRESET, SINK_EC_ABSENT },   /* vsock: the VMM's reset */
		{ ETIMEDOUT, SINK_EC_ABSENT },    /* vsock connect timeout */
		{ ENOENT, SINK_EC_ABSENT },       /* socket file / device node not yet there */
		{ ENXIO, SINK_EC_ABSENT },
		{ ENODEV, SINK_EC_ABSENT },       /* no transport for the CID yet */
		{ EAFNOSUPPORT, SINK_EC_ABSENT }, /* vsock module not loaded yet */
		{ EHOSTUNREACH, SINK_EC_ABSENT },
		{ ENETUNREACH, SINK_EC_ABSENT },
		{ ENOTCONN, SINK_EC_ABSENT },     /* virtio port polled hangup */
		{ EAGAIN, SINK_EC_ABSENT },       /* Unix backlog full */
	};
	(void)state;
	check(SINK_PHASE_CONNECT, rows, N(rows));
}

static void write_stall_is_full_not_an_error(void **state)
{
	static const struct row rows[] = {
		{ EAGAIN, SINK_EC_FULL },
		{ EWOULDBLOCK, SINK_EC_FULL },
		{ EINTR, SINK_EC_RETRY },
	};
	(void)state;
	check(SINK_PHASE_WRITE, rows, N(rows));
	assert_int_equal(sink_errclass(SINK_PHASE_CONNECT, EINTR), SINK_EC_RETRY);
}

static void write_after_reset_is_lost(void **state)
{
	static const struct row rows[] = {
		{ 0, SINK_EC_LOST },              /* EPOLLHUP/RDHUP without SO_ERROR */
		{ ECONNRESET, SINK_EC_LOST },     /* snapshot restore: device reset */
		{ EPIPE, SINK_EC_LOST },
		{ ENOTCONN, SINK_EC_LOST },
		{ ECONNABORTED, SINK_EC_LOST },
		{ ESHUTDOWN, SINK_EC_LOST },
		{ ETIMEDOUT, SINK_EC_LOST },
		{ EHOSTDOWN, SINK_EC_LOST },
		{ ENODEV, SINK_EC_LOST },
		{ EIO, SINK_EC_LOST },
	};
	(void)state;
	check(SINK_PHASE_WRITE, rows, N(rows));
}

static void shortage_is_resource_at_both_phases(void **state)
{
	static const int errs[] = { ENOMEM, ENOBUFS, EMFILE, ENFILE };
	(void)state;
	for (size_t i = 0; i < N(errs); i++) {
		assert_int_equal(sink_errclass(SINK_PHASE_CONNECT, errs[i]), SINK_EC_RESOURCE);
		assert_int_equal(sink_errclass(SINK_PHASE_WRITE, errs[i]), SINK_EC_RESOURCE);
	}
}

static void misconfiguration_and_unknown_are_config(void **state)
{
	static const int errs[] = { EACCES, EPERM, EINVAL, ENOTSOCK, EBADF,
				    EADDRNOTAVAIL, EPROTOTYPE, ENOTDIR, 4095 };
	(void)state;
	for (size_t i = 0; i < N(errs); i++) {
		assert_int_equal(sink_errclass(SINK_PHASE_CONNECT, errs[i]), SINK_EC_CONFIG);
		assert_int_equal(sink_errclass(SINK_PHASE_WRITE, errs[i]), SINK_EC_CONFIG);
	}
	/* A hangup code at connect time is no configuration error. */
	assert_int_not_equal(sink_errclass(SINK_PHASE_CONNECT, 0), SINK_EC_LOST);
}

/* The same errno means different things at the two phases. */
static void reset_depends_on_phase(void **state)
{
	(void)state;
	assert_int_equal(sink_errclass(SINK_PHASE_CONNECT, ECONNRESET), SINK_EC_ABSENT);
	assert_int_equal(sink_errclass(SINK_PHASE_WRITE, ECONNRESET), SINK_EC_LOST);
	assert_int_equal(sink_errclass(SINK_PHASE_CONNECT, EAGAIN), SINK_EC_ABSENT);
	assert_int_equal(sink_errclass(SINK_PHASE_WRITE, EAGAIN), SINK_EC_FULL);
}

static void every_class_has_a_distinct_hint(void **state)
{
	static const enum sink_errclass all[] = {
		SINK_EC_RETRY, SINK_EC_FULL, SINK_EC_ABSENT, SINK_EC_LOST,
		SINK_EC_RESOURCE, SINK_EC_CONFIG,
	};
	(void)state;
	for (size_t i = 0; i < N(all); i++) {
		const char *h = sink_errclass_hint(all[i]);

		assert_non_null(h);
		assert_true(strlen(h) > 0);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(h, sink_errclass_hint(all[j]));
	}
	assert_non_null(sink_errclass_hint((enum sink_errclass)99));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(connect_absent_listener_backs_off),
		cmocka_unit_test(write_stall_is_full_not_an_error),
		cmocka_unit_test(write_after_reset_is_lost),
		cmocka_unit_test(shortage_is_resource_at_both_phases),
		cmocka_unit_test(misconfiguration_and_unknown_are_config),
		cmocka_unit_test(reset_depends_on_phase),
		cmocka_unit_test(every_class_has_a_distinct_hint),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
