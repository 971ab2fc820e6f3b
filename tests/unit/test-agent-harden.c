/*
 * test-agent-harden.c - the pure decisions of src/agent/harden.c: which
 * capabilities stay, which descriptors are closed, which oom_score_adj is
 * written; and that closing inherited descriptors keeps the ready fd.
 */
#include "config.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/harden.h"

static void caps_keep_nothing_without_watches_or_audit(void **state)
{
	struct harden_needs n = { .watches = false, .audit = false };

	(void)state;
	assert_int_equal(harden_caps_keep(&n), 0);
}

static void caps_keep_dac_read_search_for_watches(void **state)
{
	struct harden_needs n = { .watches = true };

	(void)state;
	assert_int_equal(harden_caps_keep(&n), 1ull << CAP_DAC_READ_SEARCH);
}

static void caps_keep_audit_control_for_audit(void **state)
{
	struct harden_needs n = { .audit = true };

	(void)state;
	assert_int_equal(harden_caps_keep(&n), 1ull << CAP_AUDIT_CONTROL);
}

static void caps_keep_never_net_admin_sys_admin_or_setpcap(void **state)
{
	struct harden_needs n = { .watches = true, .audit = true };
	uint64_t k;

	(void)state;
	k = harden_caps_keep(&n);
	assert_int_equal(k, (1ull << CAP_DAC_READ_SEARCH) | (1ull << CAP_AUDIT_CONTROL));
	assert_false(k & (1ull << CAP_NET_ADMIN));
	assert_false(k & (1ull << CAP_SYS_ADMIN));
	assert_false(k & (1ull << CAP_SETPCAP));
	assert_false(k & (1ull << CAP_DAC_OVERRIDE));
}

static void oom_value_lowers_a_higher_value(void **state)
{
	(void)state;
	assert_int_equal(harden_oom_value(0, HARDEN_OOM_SCORE_ADJ), HARDEN_OOM_SCORE_ADJ);
	assert_int_equal(harden_oom_value(500, -900), -900);
}

static void oom_value_keeps_a_lower_value(void **state)
{
	(void)state;
	assert_int_equal(harden_oom_value(-1000, HARDEN_OOM_SCORE_ADJ), -1000);
	assert_int_equal(harden_oom_value(-900, -900), -900);
}

static void close_ranges_without_keep_cover_3_up(void **state)
{
	struct harden_fd_range r[2];

	(void)state;
	assert_int_equal(harden_close_ranges(-1, r), 1);
	assert_int_equal(r[0].first, 3);
	assert_int_equal(r[0].last, HARDEN_FD_MAX);
}

static void close_ranges_skip_the_kept_fd(void **state)
{
	struct harden_fd_range r[2];

	(void)state;
	assert_int_equal(harden_close_ranges(7, r), 2);
	assert_int_equal(r[0].first, 3);
	assert_int_equal(r[0].last, 6);
	assert_int_equal(r[1].first, 8);
	assert_int_equal(r[1].last, HARDEN_FD_MAX);
}

static void close_ranges_keep_3_starts_at_4(void **state)
{
	struct harden_fd_range r[2];

	(void)state;
	assert_int_equal(harden_close_ranges(3, r), 1);
	assert_int_equal(r[0].first, 4);
	assert_int_equal(r[0].last, HARDEN_FD_MAX);
}

static void should_close_spares_stdio_keep_and_walk_dir(void **state)
{
	(void)state;
	for (int fd = 0; fd < 3; fd++)
		assert_false(harden_should_close(fd, -1, -1));
	assert_false(harden_should_close(5, 5, 9));
	assert_false(harden_should_close(9, 5, 9));
	assert_true(harden_should_close(3, 5, 9));
	assert_true(harden_should_close(10, 5, 9));
}

/* The real thing, on descriptors this test opens itself. */
static void close_inherited_keeps_only_stdio_and_ready_fd(void **state)
{
	int a, keep, b;

	(void)state;
	a = open("/dev/null", O_RDONLY | O_CLOEXEC);
	keep = open("/dev/null", O_RDONLY | O_CLOEXEC);
	b = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(a >= 3 && keep > a && b > keep);
	assert_int_equal(harden_close_inherited(keep), 0);
	assert_int_equal(fcntl(a, F_GETFD), -1);
	assert_int_equal(fcntl(b, F_GETFD), -1);
	assert_true(fcntl(keep, F_GETFD) >= 0);
	assert_true(fcntl(STDERR_FILENO, F_GETFD) >= 0);
	close(keep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(caps_keep_nothing_without_watches_or_audit),
		cmocka_unit_test(caps_keep_dac_read_search_for_watches),
		cmocka_unit_test(caps_keep_audit_control_for_audit),
		cmocka_unit_test(caps_keep_never_net_admin_sys_admin_or_setpcap),
		cmocka_unit_test(oom_value_lowers_a_higher_value),
		cmocka_unit_test(oom_value_keeps_a_lower_value),
		cmocka_unit_test(close_ranges_without_keep_cover_3_up),
		cmocka_unit_test(close_ranges_skip_the_kept_fd),
		cmocka_unit_test(close_ranges_keep_3_starts_at_4),
		cmocka_unit_test(should_close_spares_stdio_keep_and_walk_dir),
		cmocka_unit_test(close_inherited_keeps_only_stdio_and_ready_fd),
	};

	return cmocka_run_group_tests_name("agent-harden", tests, NULL, NULL);
}
