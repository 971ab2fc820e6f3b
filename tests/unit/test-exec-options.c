/* Unit tests of src/exec/options.c: the command line of
 * cellos-workload-exec. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "exec/options.h"

#define PID_MAX 32768L
#define ARGV_MAX 16

static char err[GATE_ERR_MAX];
static struct gate_options opts;

/* Parse a NULL-terminated list of words (argv[0] included). */
static int parse_words(const char *const *words, long pid_max)
{
	static char *argv[ARGV_MAX + 1];
	int argc = 0;

	while (words[argc] && argc < ARGV_MAX) {
		argv[argc] = (char *)words[argc];
		argc++;
	}
	argv[argc] = NULL;
	return gate_parse_options(argc, argv, pid_max, &opts, err, sizeof err);
}

#define PARSE(...) parse_words((const char *const[]){ "wexec", __VA_ARGS__, NULL }, PID_MAX)

static void default_protects_pid_1_with_eperm(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--", "prog", "arg"), GATE_PARSE_RUN);
	assert_int_equal(opts.n_protect, 1);
	assert_int_equal(opts.protect[0], 1);
	assert_int_equal(opts.action, GATE_ACTION_EPERM);
	assert_false(opts.pid_namespace);
	assert_string_equal(opts.program[0], "prog");
	assert_string_equal(opts.program[1], "arg");
	assert_null(opts.program[2]);
}

static void protect_list_replaces_the_default(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--protect=7,42", "--", "prog"), GATE_PARSE_RUN);
	assert_int_equal(opts.n_protect, 2);
	assert_int_equal(opts.protect[0], 7);
	assert_int_equal(opts.protect[1], 42);
}

static void repeated_protect_options_add_up(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--protect=1", "--protect", "300,2", "prog"), GATE_PARSE_RUN);
	assert_int_equal(opts.n_protect, 3);
	assert_int_equal(opts.protect[0], 1);
	assert_int_equal(opts.protect[1], 300);
	assert_int_equal(opts.protect[2], 2);
}

static void protect_drops_duplicates(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--protect=5,5,6,5", "prog"), GATE_PARSE_RUN);
	assert_int_equal(opts.n_protect, 2);
}

static void protect_rejects_junk(void **state)
{
	static const char *const bad[] = {
		"--protect=", "--protect=x", "--protect=1x", "--protect=1,,2",
		"--protect=1,", "--protect=,1", "--protect=+1", "--protect=-1",
		"--protect= 1", "--protect=0", "--protect=0x10", "--protect=1.5",
		"--protect=99999999999999999999999",
	};
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(PARSE(bad[i], "prog"), GATE_PARSE_ERROR);
		assert_non_null(strstr(err, "--protect"));
		assert_non_null(strstr(err, "is not a pid"));
	}
}

static void protect_error_names_the_bad_value(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--protect=12,abc", "prog"), GATE_PARSE_ERROR);
	assert_non_null(strstr(err, "'abc'"));
	assert_non_null(strstr(err, "1 to 32767"));
}

static void protect_takes_pids_below_pid_max_only(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--protect=32767", "prog"), GATE_PARSE_RUN);
	assert_int_equal(opts.protect[0], 32767);
	assert_int_equal(PARSE("--protect=32768", "prog"), GATE_PARSE_ERROR);
	/* The same number is fine on a kernel with a larger pid_max. */
	assert_int_equal(parse_words((const char *const[]){ "w", "--protect=32768", "p", NULL },
				     4194304L), GATE_PARSE_RUN);
}

static void protect_rejects_more_pids_than_it_holds(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--protect=1,2,3,4,5,6,7,8", "prog"), GATE_PARSE_RUN);
	assert_int_equal(opts.n_protect, GATE_MAX_PROTECT);
	assert_int_equal(PARSE("--protect=1,2,3,4,5,6,7,8", "--protect=9", "prog"),
			 GATE_PARSE_ERROR);
	assert_non_null(strstr(err, "at most 8"));
}

static void action_accepts_eperm_and_kill_only(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--action=kill", "prog"), GATE_PARSE_RUN);
	assert_int_equal(opts.action, GATE_ACTION_KILL);
	assert_int_equal(PARSE("--action=kill", "--action=eperm", "prog"), GATE_PARSE_RUN);
	assert_int_equal(opts.action, GATE_ACTION_EPERM);
	assert_int_equal(PARSE("--action=KILL", "prog"), GATE_PARSE_ERROR);
	assert_non_null(strstr(err, "--action"));
	assert_non_null(strstr(err, "'KILL'"));
}

static void pid_namespace_is_a_flag(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--pid-namespace", "prog"), GATE_PARSE_RUN);
	assert_true(opts.pid_namespace);
	assert_int_equal(PARSE("--pid-namespace=yes", "prog"), GATE_PARSE_ERROR);
	assert_non_null(strstr(err, "takes no value"));
}

static void missing_program_is_an_error(void **state)
{
	(void)state;
	assert_int_equal(parse_words((const char *const[]){ "w", NULL }, PID_MAX),
			 GATE_PARSE_ERROR);
	assert_non_null(strstr(err, "PROGRAM"));
	assert_int_equal(PARSE("--protect=3", "--"), GATE_PARSE_ERROR);
}

static void options_after_program_belong_to_it(void **state)
{
	(void)state;
	assert_int_equal(PARSE("prog", "--protect=x", "--action=nope"), GATE_PARSE_RUN);
	assert_string_equal(opts.program[0], "prog");
	assert_string_equal(opts.program[1], "--protect=x");
	assert_int_equal(opts.protect[0], 1);
	/* After "--" even an option-like PROGRAM is PROGRAM. */
	assert_int_equal(PARSE("--", "--help"), GATE_PARSE_RUN);
	assert_string_equal(opts.program[0], "--help");
}

static void unknown_option_is_an_error(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--protekt=1", "prog"), GATE_PARSE_ERROR);
	assert_non_null(strstr(err, "unknown option '--protekt=1'"));
	assert_int_equal(PARSE("-x", "prog"), GATE_PARSE_ERROR);
	assert_non_null(strstr(err, "'-x'"));
}

static void option_without_its_value_is_an_error(void **state)
{
	(void)state;
	assert_int_equal(parse_words((const char *const[]){ "w", "--action", NULL }, PID_MAX),
			 GATE_PARSE_ERROR);
	assert_non_null(strstr(err, "'--action' needs a value"));
}

static void help_and_version_are_recognised(void **state)
{
	(void)state;
	assert_int_equal(PARSE("--help"), GATE_PARSE_HELP);
	assert_int_equal(PARSE("-V"), GATE_PARSE_VERSION);
}

static void pid_max_is_read_from_the_kernel(void **state)
{
	(void)state;
	long v = gate_pid_max();
	assert_true(v >= 2 && v <= GATE_PID_MAX_LIMIT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_protects_pid_1_with_eperm),
		cmocka_unit_test(protect_list_replaces_the_default),
		cmocka_unit_test(repeated_protect_options_add_up),
		cmocka_unit_test(protect_drops_duplicates),
		cmocka_unit_test(protect_rejects_junk),
		cmocka_unit_test(protect_error_names_the_bad_value),
		cmocka_unit_test(protect_takes_pids_below_pid_max_only),
		cmocka_unit_test(protect_rejects_more_pids_than_it_holds),
		cmocka_unit_test(action_accepts_eperm_and_kill_only),
		cmocka_unit_test(pid_namespace_is_a_flag),
		cmocka_unit_test(missing_program_is_an_error),
		cmocka_unit_test(options_after_program_belong_to_it),
		cmocka_unit_test(unknown_option_is_an_error),
		cmocka_unit_test(option_without_its_value_is_an_error),
		cmocka_unit_test(help_and_version_are_recognised),
		cmocka_unit_test(pid_max_is_read_from_the_kernel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
