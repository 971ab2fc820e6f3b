/*
 * test-wire-probes.c - probe identifiers and their lookup (probes.c).
 */
#include "wire-test.h"

/* wire-v1.md "Probe identifiers (v1)". */
static const char *const spec_probes[WIRE_PROBE_COUNT] = {
	[WIRE_PROBE_PROCESS_SPAWNED] = "process.spawned",
	[WIRE_PROBE_PROCESS_EXITED] = "process.exited",
	[WIRE_PROBE_CAPABILITY_DENIED] = "capability.denied",
	[WIRE_PROBE_FS_INOTIFY_FIRED] = "fs.inotify_fired",
	[WIRE_PROBE_NET_CONNECT_ATTEMPTED] = "net.connect_attempted",
};

static void every_probe_has_its_spec_identifier(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < WIRE_PROBE_COUNT; i++)
		assert_string_equal(wire_probe_name((enum wire_probe)i), spec_probes[i]);
	assert_null(wire_probe_name(WIRE_PROBE_COUNT));
	assert_null(wire_probe_name((enum wire_probe)-1));
}

static void lookup_finds_every_identifier(void **state)
{
	enum wire_probe p;
	int i;

	(void)state;
	for (i = 0; i < WIRE_PROBE_COUNT; i++) {
		p = WIRE_PROBE_COUNT;
		assert_true(wire_probe_lookup(spec_probes[i], strlen(spec_probes[i]), &p));
		assert_int_equal(p, i);
	}
}

static void lookup_rejects_near_misses(void **state)
{
	enum wire_probe p = WIRE_PROBE_COUNT;

	(void)state;
	assert_false(wire_probe_lookup("process.spawne", 14, &p));
	assert_false(wire_probe_lookup("process.spawnedx", 16, &p));
	assert_false(wire_probe_lookup("Process.spawned", 15, &p));
	assert_false(wire_probe_lookup("fs.inotify.fired", 16, &p));
	assert_false(wire_probe_lookup("", 0, &p));
	assert_false(wire_probe_lookup(NULL, 0, &p));
	/* length counts: a NUL-terminated prefix does not match */
	assert_false(wire_probe_lookup("process.spawned", 7, &p));
	assert_int_equal(p, WIRE_PROBE_COUNT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_probe_has_its_spec_identifier),
		cmocka_unit_test(lookup_finds_every_identifier),
		cmocka_unit_test(lookup_rejects_near_misses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
