/* test-recv-options.c - cellos-telemetry-recv's command line (options.c). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "recv/options.h"

#define MAX_ARGS 16

static struct recv_options opts;
static char err[RECV_OPTIONS_ERR_BYTES];

/* Parse a NULL-terminated list of arguments after the program name. */
static enum recv_options_result parse(const char *first, ...)
{
	char *argv[MAX_ARGS + 2];
	int argc = 0;
	va_list ap;

	argv[argc++] = (char *)"cellos-telemetry-recv";
	va_start(ap, first);
	for (const char *a = first; a != NULL && argc <= MAX_ARGS;
	     a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	return recv_options_parse(argc, argv, &opts, err, sizeof(err));
}

static void listen_alone_takes_defaults(void **state)
{
	(void)state;
	assert_int_equal(parse("--listen=/run/v.sock_9001", NULL), RECV_OPTIONS_RUN);
	assert_string_equal(opts.listen_path, "/run/v.sock_9001");
	assert_null(opts.input_path);
	assert_null(opts.output_path);
	assert_null(opts.raw_path);
	assert_null(opts.cell_id);
	assert_null(opts.run_id);
	assert_int_equal(opts.silence_window_s, RECV_DEFAULT_SILENCE_S);
	assert_int_equal(opts.count, 0);
	assert_int_equal(opts.format, RECV_FORMAT_JSON);
	assert_null(opts.summary_path);
	assert_int_equal(opts.summary_format, RECV_FORMAT_TEXT);
}

static void every_option_is_stored(void **state)
{
	(void)state;
	assert_int_equal(parse("--input", "-", "--output=o", "--raw=r",
			       "--cell-id=c", "--run-id=r1",
			       "--silence-window=0", "--count=18446744073709551615",
			       NULL),
			 RECV_OPTIONS_RUN);
	assert_string_equal(opts.input_path, "-");
	assert_string_equal(opts.output_path, "o");
	assert_string_equal(opts.raw_path, "r");
	assert_string_equal(opts.cell_id, "c");
	assert_string_equal(opts.run_id, "r1");
	assert_int_equal(opts.silence_window_s, 0);
	assert_true(opts.count == UINT64_MAX);
}

static void parse_can_run_twice(void **state)
{
	(void)state;
	assert_int_equal(parse("--listen=a", "--count=2", NULL), RECV_OPTIONS_RUN);
	assert_int_equal(parse("--input=b", NULL), RECV_OPTIONS_RUN);
	assert_null(opts.listen_path);
	assert_string_equal(opts.input_path, "b");
	assert_int_equal(opts.count, 0);
}

static void help_and_version_win(void **state)
{
	(void)state;
	assert_int_equal(parse("--help", NULL), RECV_OPTIONS_HELP);
	assert_int_equal(parse("-h", NULL), RECV_OPTIONS_HELP);
	assert_int_equal(parse("--version", NULL), RECV_OPTIONS_VERSION);
}

/* Each rejection names the option and the value in the message. */
static void expect_usage(const char *a, const char *b, const char *want)
{
	assert_int_equal(parse(a, b, NULL), RECV_OPTIONS_USAGE);
	if (strstr(err, want) == NULL)
		fail_msg("message '%s' does not contain '%s'", err, want);
}

static void count_rejects_zero_sign_junk_and_overflow(void **state)
{
	(void)state;
	expect_usage("--listen=s", "--count=0", "--count='0'");
	expect_usage("--listen=s", "--count=-1", "--count='-1'");
	expect_usage("--listen=s", "--count=+1", "--count='+1'");
	expect_usage("--listen=s", "--count= 1", "--count=' 1'");
	expect_usage("--listen=s", "--count=1x", "--count='1x'");
	expect_usage("--listen=s", "--count=0x10", "--count='0x10'");
	expect_usage("--listen=s", "--count=18446744073709551616",
		     "--count='18446744073709551616'");
	expect_usage("--listen=s", "--count=", "--count=''");
}

static void silence_window_accepts_0_to_a_day(void **state)
{
	(void)state;
	assert_int_equal(parse("--listen=s", "--silence-window=86400", NULL),
			 RECV_OPTIONS_RUN);
	assert_int_equal(opts.silence_window_s, 86400);
	expect_usage("--listen=s", "--silence-window=86401", "'86401'");
	expect_usage("--listen=s", "--silence-window=1.5", "'1.5'");
	expect_usage("--listen=s", "--silence-window=-0", "'-0'");
}

static void format_and_summary(void **state)
{
	(void)state;
	assert_int_equal(parse("--input=-", "--format=text", "--summary", NULL),
			 RECV_OPTIONS_RUN);
	assert_int_equal(opts.format, RECV_FORMAT_TEXT);
	assert_string_equal(opts.summary_path, RECV_SUMMARY_STDERR);
	assert_int_equal(opts.summary_format, RECV_FORMAT_TEXT);
	assert_int_equal(parse("--input=-", "--format=json", "--summary=s.json",
			       "--summary-format=json", NULL),
			 RECV_OPTIONS_RUN);
	assert_int_equal(opts.format, RECV_FORMAT_JSON);
	assert_string_equal(opts.summary_path, "s.json");
	assert_int_equal(opts.summary_format, RECV_FORMAT_JSON);
	/* "--summary FILE" is not the value: the optional value needs "=" */
	expect_usage("--summary", "s.json", "unexpected argument 's.json'");
	expect_usage("--input=-", "--format=xml", "--format='xml': not allowed; allowed: json or text");
	expect_usage("--input=-", "--format=", "--format='': not allowed");
	expect_usage("--input=-", "--summary-format=yaml",
		     "--summary-format='yaml': not allowed; allowed: json or text");
	expect_usage("--input=-", "--summary-format=json",
		     "--summary-format='json' without --summary");
	expect_usage("--input=-", "--summary=", "--summary='': empty");
	expect_usage("--summary", "--summary=x", "--summary given twice");
	expect_usage("--format=text", "--format=json", "--format given twice ('text' and 'json')");
}

/* Every option that takes a value is refused the second time, naming both
 * values, whatever its kind. */
static void any_value_given_twice_names_both(void **state)
{
	(void)state;
	expect_usage("--count=1", "--count=2", "--count given twice ('1' and '2')");
	expect_usage("--silence-window=1", "--silence-window=1",
		     "--silence-window given twice ('1' and '1')");
	expect_usage("--output=a", "--output=b", "--output given twice ('a' and 'b')");
	expect_usage("--raw=a", "--raw=a", "--raw given twice");
	expect_usage("--cell-id=a", "--cell-id=b", "--cell-id given twice");
	expect_usage("--run-id=a", "--run-id=b", "--run-id given twice");
	expect_usage("--input=a", "--input=b", "--input given twice");
}

static void listen_and_input_are_exclusive_and_one_is_needed(void **state)
{
	(void)state;
	expect_usage("--listen=a", "--input=b", "--listen='a' and --input='b'");
	expect_usage("--count=1", NULL, "neither --listen nor --input");
	expect_usage("--listen=a", "--listen=b", "--listen given twice");
}

static void listen_path_must_fit_sun_path(void **state)
{
	char arg[200];
	(void)state;
	memcpy(arg, "--listen=", 9);
	memset(arg + 9, 'p', 107);
	arg[9 + 107] = '\0';
	assert_int_equal(parse(arg, NULL), RECV_OPTIONS_RUN); /* 107 + NUL fits */
	arg[9 + 107] = 'p';
	arg[9 + 108] = '\0';
	expect_usage(arg, NULL, "path too long");
}

static void ids_must_be_utf8_and_bounded(void **state)
{
	char big[RECV_ID_MAX_BYTES + 16];
	(void)state;
	assert_int_equal(parse("--listen=s", "--cell-id=\xc3\xa9t\xc3\xa9", NULL),
			 RECV_OPTIONS_RUN);
	expect_usage("--listen=s", "--cell-id=\xc3", "--cell-id: value of 1 bytes");
	expect_usage("--listen=s", "--run-id=\xed\xa0\x80", "--run-id");
	expect_usage("--listen=s", "--run-id=", "--run-id: value of 0 bytes");
	memcpy(big, "--cell-id=", 10);
	memset(big + 10, 'c', RECV_ID_MAX_BYTES + 1);
	big[10 + RECV_ID_MAX_BYTES + 1] = '\0';
	expect_usage("--listen=s", big, "257 bytes");
	big[10 + RECV_ID_MAX_BYTES] = '\0';
	assert_int_equal(parse("--listen=s", big, NULL), RECV_OPTIONS_RUN);
}

static void unknown_options_and_arguments_are_named(void **state)
{
	(void)state;
	expect_usage("--listen=s", "--frobnicate=1", "'--frobnicate=1'");
	expect_usage("--listen=s", "-x", "'-x'");
	expect_usage("--listen=s", "stray", "'stray'");
	expect_usage("--listen=s", "--help=yes", "'--help=yes'");
	expect_usage("--listen", NULL, "'--listen' needs a value");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(listen_alone_takes_defaults),
		cmocka_unit_test(every_option_is_stored),
		cmocka_unit_test(format_and_summary),
		cmocka_unit_test(parse_can_run_twice),
		cmocka_unit_test(help_and_version_win),
		cmocka_unit_test(count_rejects_zero_sign_junk_and_overflow),
		cmocka_unit_test(silence_window_accepts_0_to_a_day),
		cmocka_unit_test(any_value_given_twice_names_both),
		cmocka_unit_test(listen_and_input_are_exclusive_and_one_is_needed),
		cmocka_unit_test(listen_path_must_fit_sun_path),
		cmocka_unit_test(ids_must_be_utf8_and_bounded),
		cmocka_unit_test(unknown_options_and_arguments_are_named),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
