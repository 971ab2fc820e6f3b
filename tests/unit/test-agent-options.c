/*
 * test-agent-options.c - the agent's command line (src/agent/options.c).
 */
#include "config.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <cmocka.h>

#include "agent/options.h"

#define MAX_ARGS (FSWATCH_MAX_WATCHES + 4)

static struct agent_options O;
static char out_text[8192], err_text[PATH_MAX + 1024];

/* Parse "cellos-telemetry" + args; the messages land in out_text and
 * err_text. */
static int parse(const char *a0, ...)
{
	char *argv[MAX_ARGS + 2];
	int argc = 0;
	va_list ap;
	FILE *out = fmemopen(out_text, sizeof(out_text), "w");
	FILE *err = fmemopen(err_text, sizeof(err_text), "w");

	assert_non_null(out);
	assert_non_null(err);
	memset(out_text, 0, sizeof(out_text));
	memset(err_text, 0, sizeof(err_text));
	argv[argc++] = (char *)"cellos-telemetry";
	va_start(ap, a0);
	for (const char *a = a0; a; a = va_arg(ap, const char *)) {
		assert_true(argc <= MAX_ARGS);
		argv[argc++] = (char *)a;
	}
	va_end(ap);
	argv[argc] = NULL;
	int rc = options_parse(&O, argc, argv, out, err);
	fclose(out);
	fclose(err);
	return rc;
}

static void defaults_are_vsock_frames_and_documented_values(void **state)
{
	(void)state;
	assert_int_equal(parse(NULL), 0);
	assert_int_equal(O.sink.kind, SINK_VSOCK);
	assert_int_equal(O.sink.cid, 2);
	assert_int_equal(O.sink.port, 9001);
	assert_int_equal(O.format, PUMP_FORMAT_FRAMES);
	assert_int_equal(O.queue_bytes, OPT_DEFAULT_QUEUE_BYTES);
	assert_int_equal(O.coalesce_ms, OPT_DEFAULT_COALESCE_MS);
	assert_int_equal(O.poll_ms, OPT_DEFAULT_POLL_MS);
	assert_int_equal(O.drain_ms, OPT_DEFAULT_DRAIN_MS);
	assert_int_equal(O.ready_fd, -1);
	assert_int_equal(O.rcvbuf, OPT_DEFAULT_RCVBUF);
	assert_int_equal(O.verbose, 0);
	assert_int_equal(O.stats_interval_s, 60);
	assert_string_equal(err_text, "");
}

static void every_option_is_taken(void **state)
{
	(void)state;
	assert_int_equal(parse("--sink=-", "--format=json", "--queue-bytes=65536",
			       "--coalesce-ms=0", "--poll-ms=250", "--ready-fd=7",
			       "--drain-ms=0", "--rcvbuf=4096", NULL), 0);
	assert_int_equal(O.sink.kind, SINK_STDOUT);
	assert_int_equal(O.format, PUMP_FORMAT_JSON);
	assert_int_equal(O.queue_bytes, 65536);
	assert_int_equal(O.coalesce_ms, 0);
	assert_int_equal(O.poll_ms, 250);
	assert_int_equal(O.ready_fd, 7);
	assert_int_equal(O.drain_ms, 0);
	assert_int_equal(O.rcvbuf, 4096);
	assert_int_equal(parse("--stats-interval=0", NULL), 0);
	assert_int_equal(O.stats_interval_s, 0);
	assert_int_equal(parse("--stats-interval=86400", NULL), 0);
	assert_int_equal(O.stats_interval_s, 86400);
	assert_int_equal(parse("--sink", "unix:/run/x.sock", "--verbose", "--verbose",
			       "--no-connector", NULL), 0);
	assert_int_equal(O.sink.kind, SINK_UNIX);
	assert_string_equal(O.sink.path, "/run/x.sock");
	assert_int_equal(O.verbose, 2);
	assert_true(O.force_walker);
	assert_int_equal(parse("--sink=chardev:/dev/vport0p1", NULL), 0);
	assert_int_equal(O.sink.kind, SINK_CHARDEV);
	assert_string_equal(O.sink.path, "/dev/vport0p1");
	assert_int_equal(O.perf_pages, OPT_DEFAULT_PERF_PAGES);
	assert_false(O.no_perf);
	assert_false(O.kernel_threads);
	assert_int_equal(parse("--no-perf", "--perf-ring-pages=1", "--kernel-threads", NULL), 0);
	assert_true(O.no_perf);
	assert_int_equal(O.perf_pages, 1);
	assert_true(O.kernel_threads);
	assert_int_equal(parse("--perf-ring-pages=4096", NULL), 0);
	assert_int_equal(O.perf_pages, 4096);
}

static void expect_usage_error(const char *arg, const char *opt, const char *val);

/* ---- --watch, --watch-backend, --watch-failure ---- */

static void watch_rejects_empty_and_overlong_paths(void **state)
{
	static char longp[PATH_MAX + 16];

	(void)state;
	expect_usage_error("--watch=", "--watch", "not empty");
	assert_int_equal(O.watch.n_paths, 0);
	strcpy(longp, "--watch=/");
	memset(longp + strlen(longp), 'a', PATH_MAX);
	assert_int_equal(parse(longp, NULL), EX_USAGE);
	assert_non_null(strstr(err_text, "shorter than 4096"));
}

static void watch_keeps_a_path_given_twice_once(void **state)
{
	(void)state;
	assert_int_equal(parse("--watch=/a", "--watch=/b", "--watch=/a", NULL), 0);
	assert_int_equal(O.watch.n_paths, 2);
	assert_string_equal(O.watch.paths[0], "/a");
	assert_string_equal(O.watch.paths[1], "/b");
}

static void watch_takes_at_most_max_watches(void **state)
{
	static char args[FSWATCH_MAX_WATCHES + 1][24];
	char *argv[FSWATCH_MAX_WATCHES + 3];
	FILE *out = fmemopen(out_text, sizeof(out_text), "w");
	FILE *err = fmemopen(err_text, sizeof(err_text), "w");
	int argc = 0;

	(void)state;
	assert_non_null(out);
	assert_non_null(err);
	memset(err_text, 0, sizeof(err_text));
	argv[argc++] = (char *)"cellos-telemetry";
	for (unsigned i = 0; i <= FSWATCH_MAX_WATCHES; i++) {
		snprintf(args[i], sizeof(args[i]), "--watch=/p%u", i);
		argv[argc++] = args[i];
	}
	argv[argc] = NULL;
	assert_int_equal(options_parse(&O, argc, argv, out, err), EX_USAGE);
	fclose(out);
	fclose(err);
	assert_non_null(strstr(err_text, "at most 64 watches"));
	assert_int_equal(O.watch.n_paths, FSWATCH_MAX_WATCHES);
	/* One fewer is fine. */
	assert_int_equal(options_parse(&O, argc - 1, argv, stdout, stderr), 0);
}

static void watch_backend_is_auto_fanotify_or_inotify(void **state)
{
	(void)state;
	assert_int_equal(parse(NULL), 0);
	assert_int_equal(O.watch.backend, FSWATCH_BACKEND_AUTO);
	assert_int_equal(parse("--watch-backend=fanotify", NULL), 0);
	assert_int_equal(O.watch.backend, FSWATCH_BACKEND_FANOTIFY);
	assert_int_equal(parse("--watch-backend=inotify", NULL), 0);
	assert_int_equal(O.watch.backend, FSWATCH_BACKEND_INOTIFY);
	assert_int_equal(parse("--watch-backend=auto", NULL), 0);
	assert_int_equal(O.watch.backend, FSWATCH_BACKEND_AUTO);
	expect_usage_error("--watch-backend=Inotify", "--watch-backend",
			   "auto, fanotify, inotify");
	expect_usage_error("--watch-backend=", "--watch-backend", "''");
}

static void watch_failure_is_fail_or_degrade(void **state)
{
	(void)state;
	assert_int_equal(parse(NULL), 0);
	assert_int_equal(O.watch.failure, FSWATCH_FAIL);
	assert_int_equal(parse("--watch-failure=degrade", NULL), 0);
	assert_int_equal(O.watch.failure, FSWATCH_DEGRADE);
	assert_int_equal(parse("--watch-failure=fail", NULL), 0);
	assert_int_equal(O.watch.failure, FSWATCH_FAIL);
	expect_usage_error("--watch-failure=ignore", "--watch-failure", "fail, degrade");
}

/* Each bad value: exit 64 and one line naming option and value. */
static void expect_usage_error(const char *arg, const char *opt, const char *val)
{
	assert_int_equal(parse(arg, NULL), EX_USAGE);
	assert_non_null(strstr(err_text, opt));
	assert_non_null(strstr(err_text, val));
	assert_non_null(strstr(err_text, "allowed"));
	/* exactly one line */
	char *nl = strchr(err_text, '\n');
	assert_non_null(nl);
	assert_int_equal(nl[1], '\0');
}

static void bad_values_name_option_value_and_what_is_allowed(void **state)
{
	(void)state;
	expect_usage_error("--format=xml", "--format", "'xml'");
	expect_usage_error("--queue-bytes=10", "--queue-bytes", "'10'");
	expect_usage_error("--queue-bytes=-1", "--queue-bytes", "'-1'");
	expect_usage_error("--queue-bytes=1k", "--queue-bytes", "'1k'");
	expect_usage_error("--coalesce-ms=99999999", "--coalesce-ms", "'99999999'");
	expect_usage_error("--coalesce-ms=", "--coalesce-ms", "''");
	expect_usage_error("--poll-ms=1", "--poll-ms", "'1'");
	expect_usage_error("--ready-fd=1", "--ready-fd", "'1'");
	expect_usage_error("--ready-fd=x", "--ready-fd", "'x'");
	expect_usage_error("--drain-ms=+5", "--drain-ms", "'+5'");
	expect_usage_error("--rcvbuf=12", "--rcvbuf", "'12'");
	expect_usage_error("--stats-interval=86401", "--stats-interval", "'86401'");
	expect_usage_error("--stats-interval=-1", "--stats-interval", "'-1'");
	expect_usage_error("--stats-interval=1m", "--stats-interval", "'1m'");
	expect_usage_error("--stats-interval=", "--stats-interval", "''");
	expect_usage_error("--rcvbuf=99999999999", "--rcvbuf", "'99999999999'");
	expect_usage_error("--sink=tcp:1.2.3.4:5", "--sink", "'tcp:1.2.3.4:5'");
	expect_usage_error("--sink=chardev:vport0p1", "--sink", "'vport0p1' is not absolute");
	expect_usage_error("--perf-ring-pages=3", "--perf-ring-pages", "'3'");
	expect_usage_error("--perf-ring-pages=0", "--perf-ring-pages", "'0'");
	expect_usage_error("--perf-ring-pages=8192", "--perf-ring-pages", "power of two from 1 to 4096");
}

static void probes_default_to_all_but_capability_denied_and_take_a_list(void **state)
{
	const unsigned denied = 1u << WIRE_PROBE_CAPABILITY_DENIED;
	const unsigned all = (1u << WIRE_PROBE_COUNT) - 1;

	(void)state;
	assert_int_equal(parse(NULL), 0);
	assert_int_equal(O.probes, all & ~denied);
	assert_int_equal(parse("--probes=+capability.denied", NULL), 0);
	assert_int_equal(O.probes, all);
	assert_int_equal(parse("--probes=-net.connect_attempted,+capability.denied", NULL), 0);
	assert_int_equal(O.probes, all & ~(1u << WIRE_PROBE_NET_CONNECT_ATTEMPTED));
	assert_int_equal(parse("--probes=net.connect_attempted", NULL), 0);
	assert_int_equal(O.probes, 1u << WIRE_PROBE_NET_CONNECT_ATTEMPTED);
	assert_int_equal(parse("--probes=process.spawned,capability.denied,process.spawned", NULL), 0);
	assert_int_equal(O.probes, (1u << WIRE_PROBE_PROCESS_SPAWNED) |
				   (1u << WIRE_PROBE_CAPABILITY_DENIED));
}

static void bad_probe_lists_are_usage_errors_naming_the_probes(void **state)
{
	static const char *bad[] = {
		"--probes=", "--probes=net.connect", "--probes=process.spawned,",
		"--probes=,process.spawned", "--probes=process.spawned,,process.exited",
		"--probes=PROCESS.SPAWNED", "--probes=process.spawned process.exited",
		"--probes=+capability.denied,process.exited", "--probes=process.exited,+fs.inotify_fired",
		"--probes=+", "--probes=-process.spawned,-process.exited,-fs.inotify_fired,-net.connect_attempted",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i], NULL), EX_USAGE);
		assert_non_null(strstr(err_text, "--probes"));
		assert_non_null(strstr(err_text, bad[i] + strlen("--probes=")));
		assert_non_null(strstr(err_text, "net.connect_attempted"));
		assert_non_null(strstr(err_text, "fs.inotify_fired"));
		/* one line */
		assert_ptr_equal(strchr(err_text, '\n'), err_text + strlen(err_text) - 1);
	}
}

static void cgroup_and_connect_source_are_checked(void **state)
{
	(void)state;
	assert_int_equal(parse(NULL), 0);
	assert_null(O.cgroup);
	assert_int_equal(O.connect_source, CONNECT_SOURCE_AUTO);
	assert_int_equal(parse("--cgroup=/sys/fs/cgroup/x", "--connect-source=audit", NULL), 0);
	assert_string_equal(O.cgroup, "/sys/fs/cgroup/x");
	assert_int_equal(O.connect_source, CONNECT_SOURCE_AUDIT);
	assert_int_equal(parse("--connect-source=bpf", NULL), 0);
	assert_int_equal(O.connect_source, CONNECT_SOURCE_BPF);
	expect_usage_error("--cgroup=relative/dir", "--cgroup", "'relative/dir'");
	expect_usage_error("--connect-source=ebpf", "--connect-source", "auto, bpf, audit");
}

static void json_needs_stdout(void **state)
{
	(void)state;
	assert_int_equal(parse("--format=json", "--sink=unix:/x", NULL), EX_USAGE);
	assert_non_null(strstr(err_text, "--format"));
}

static void unknown_option_missing_value_and_extra_argument_are_usage_errors(void **state)
{
	(void)state;
	assert_int_equal(parse("--frobnicate", NULL), EX_USAGE);
	assert_non_null(strstr(err_text, "--frobnicate"));
	assert_int_equal(parse("--sink", NULL), EX_USAGE);
	assert_non_null(strstr(err_text, "--sink"));
	assert_int_equal(parse("extra", NULL), EX_USAGE);
	assert_non_null(strstr(err_text, "extra"));
}

static void help_and_version_print_and_exit_zero(void **state)
{
	(void)state;
	assert_int_equal(parse("--help", NULL), OPTIONS_EXIT_OK);
	assert_non_null(strstr(out_text, "--sink=URI"));
	assert_non_null(strstr(out_text, "--rcvbuf"));
	assert_int_equal(parse("--version", NULL), OPTIONS_EXIT_OK);
	assert_non_null(strstr(out_text, PACKAGE_VERSION));
	assert_string_equal(err_text, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_are_vsock_frames_and_documented_values),
		cmocka_unit_test(every_option_is_taken),
		cmocka_unit_test(bad_values_name_option_value_and_what_is_allowed),
		cmocka_unit_test(probes_default_to_all_but_capability_denied_and_take_a_list),
		cmocka_unit_test(cgroup_and_connect_source_are_checked),
		cmocka_unit_test(bad_probe_lists_are_usage_errors_naming_the_probes),
		cmocka_unit_test(json_needs_stdout),
		cmocka_unit_test(unknown_option_missing_value_and_extra_argument_are_usage_errors),
		cmocka_unit_test(help_and_version_print_and_exit_zero),
		cmocka_unit_test(watch_rejects_empty_and_overlong_paths),
		cmocka_unit_test(watch_keeps_a_path_given_twice_once),
		cmocka_unit_test(watch_takes_at_most_max_watches),
		cmocka_unit_test(watch_backend_is_auto_fanotify_or_inotify),
		cmocka_unit_test(watch_failure_is_fail_or_degrade),
	};
	return cmocka_run_group_tests_name("agent-options", tests, NULL, NULL);
}
