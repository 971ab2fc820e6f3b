/*
 * Unit tests for src/agent/audit_rules.c: the bytes of the audit rules the
 * agent installs, the "is this listed rule ours" test, and what a record
 * is evidence for.  Expected syscall numbers and AUDIT_ARCH values are
 * written out from the kernel's tables, not taken from the code under test.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent/audit_rules.h"

#define SELF 4242u
#define KEY "cellos-telemetry"
#define KEYLEN 16u

static struct audit_rule rules[AUDIT_RULES_MAX];

static bool bit(const struct audit_rule_data *d, unsigned nr)
{
	return (d->mask[nr / 32] >> (nr % 32)) & 1u;
}

static unsigned bits_set(const struct audit_rule_data *d)
{
	unsigned n = 0;
	for (unsigned i = 0; i < AUDIT_BITMASK_SIZE * 32; i++)
		n += bit(d, i);
	return n;
}

/* Common shape: exit list, always, arch first, pid != SELF, key last. */
static void check_frame(struct audit_rule *r, uint32_t arch, unsigned nfields)
{
	struct audit_rule_data *d = audit_rule_data(r);

	assert_int_equal(d->flags, 0x04);          /* AUDIT_FILTER_EXIT */
	assert_int_equal(d->action, 2);            /* AUDIT_ALWAYS */
	assert_int_equal(d->field_count, nfields);
	assert_int_equal(d->fields[0], 11);        /* AUDIT_ARCH */
	assert_int_equal(d->fieldflags[0], 0x40000000u);
	assert_int_equal(d->values[0], arch);
	assert_int_equal(d->fields[nfields - 2], 0);        /* AUDIT_PID */
	assert_int_equal(d->fieldflags[nfields - 2], 0x30000000u); /* != */
	assert_int_equal(d->values[nfields - 2], SELF);
	assert_int_equal(d->fields[nfields - 1], 210);      /* AUDIT_FILTERKEY */
	assert_int_equal(d->fieldflags[nfields - 1], 0x40000000u);
	assert_int_equal(d->values[nfields - 1], KEYLEN);
	assert_int_equal(d->buflen, KEYLEN);
	assert_memory_equal(d->buf, KEY, KEYLEN);
	assert_int_equal(r->len, sizeof(struct audit_rule_data) + KEYLEN);
	for (unsigned i = nfields; i < AUDIT_MAX_FIELDS; i++)
		assert_int_equal(d->fields[i], 0);
}

static void rule_data_layout_matches_the_kernel_abi(void **state)
{
	/* flags, action, field_count, mask[64], fields[64], values[64],
	 * fieldflags[64], buflen: 4 + 4 + 4 + 4 * 64 * 4 + 4 bytes. */
	assert_int_equal(sizeof(struct audit_rule_data), 1040);
	assert_int_equal(offsetof(struct audit_rule_data, mask), 12);
	assert_int_equal(offsetof(struct audit_rule_data, fields), 268);
	assert_int_equal(offsetof(struct audit_rule_data, buf), 1040);
}

static void build_counts_rules_per_probe(void **state)
{
	/* Plus 5 exclusions whatever the probes. */
#if defined(__x86_64__)
	assert_int_equal(audit_rules_build(AUDIT_PROBE_CONNECT, SELF, rules, AUDIT_RULES_MAX), 3 + 5);
	assert_int_equal(audit_rules_build(AUDIT_PROBE_DENIED, SELF, rules, AUDIT_RULES_MAX), 4 + 5);
	assert_int_equal(audit_rules_build(AUDIT_PROBE_ALL, SELF, rules, AUDIT_RULES_MAX), 7 + 5);
#elif defined(__aarch64__)
	assert_int_equal(audit_rules_build(AUDIT_PROBE_CONNECT, SELF, rules, AUDIT_RULES_MAX), 2 + 5);
	assert_int_equal(audit_rules_build(AUDIT_PROBE_ALL, SELF, rules, AUDIT_RULES_MAX), 6 + 5);
#endif
	assert_int_equal(audit_rules_build(0, SELF, rules, AUDIT_RULES_MAX), 0);
}

static void build_never_writes_past_max(void **state)
{
	struct audit_rule two[3];

	memset(two, 0xa5, sizeof(two));
	assert_true(audit_rules_build(AUDIT_PROBE_ALL, SELF, two, 2) <= 2);
	/* The third slot is untouched. */
	const unsigned char *p = (const unsigned char *)&two[2];
	for (size_t i = 0; i < sizeof(two[2]); i++)
		assert_int_equal(p[i], 0xa5);
}

#if defined(__x86_64__)
static void connect_rule_matches_connect_only(void **state)
{
	assert_int_equal(audit_rules_build(AUDIT_PROBE_CONNECT, SELF, rules, AUDIT_RULES_MAX), 8);
	struct audit_rule_data *d = audit_rule_data(&rules[0]);

	check_frame(&rules[0], 0xc000003eu, 3);     /* AUDIT_ARCH_X86_64 */
	assert_int_equal(bits_set(d), 1);
	assert_true(bit(d, 42));                     /* connect */
	assert_int_equal(rules[0].probe, AUDIT_PROBE_CONNECT);
	assert_false(rules[0].compat);
	assert_false(rules[0].optional);
}

static void compat_connect_rules_cover_connect_and_socketcall(void **state)
{
	assert_int_equal(audit_rules_build(AUDIT_PROBE_CONNECT, SELF, rules, AUDIT_RULES_MAX), 8);

	struct audit_rule_data *d = audit_rule_data(&rules[1]);
	check_frame(&rules[1], 0x40000003u, 3);      /* AUDIT_ARCH_I386 */
	assert_int_equal(bits_set(d), 1);
	assert_true(bit(d, 362));                    /* i386 connect */
	assert_true(rules[1].compat);
	assert_true(rules[1].optional);

	d = audit_rule_data(&rules[2]);
	check_frame(&rules[2], 0x40000003u, 4);
	assert_int_equal(bits_set(d), 1);
	assert_true(bit(d, 102));                    /* i386 socketcall */
	assert_int_equal(d->fields[1], 200);         /* AUDIT_ARG0 */
	assert_int_equal(d->fieldflags[1], 0x40000000u);
	assert_int_equal(d->values[1], 3);           /* SYS_CONNECT */
}

static void denied_rules_match_eperm_and_eacces_except_access(void **state)
{
	assert_int_equal(audit_rules_build(AUDIT_PROBE_DENIED, SELF, rules, AUDIT_RULES_MAX), 9);
	static const uint32_t exits[] = { 0xffffffffu, 0xfffffff3u };   /* -1, -13 */

	for (int i = 0; i < 2; i++) {
		struct audit_rule_data *d = audit_rule_data(&rules[i]);
		check_frame(&rules[i], 0xc000003eu, 4);
		assert_int_equal(d->fields[1], 103);         /* AUDIT_EXIT */
		assert_int_equal(d->fieldflags[1], 0x40000000u);
		assert_int_equal(d->values[1], exits[i]);
		assert_int_equal(bits_set(d), AUDIT_BITMASK_SIZE * 32 - 3);
		assert_false(bit(d, 21));                    /* access */
		assert_false(bit(d, 269));                   /* faccessat */
		assert_false(bit(d, 439));                   /* faccessat2 */
		assert_true(bit(d, 170));                    /* sethostname */
		assert_int_equal(rules[i].probe, AUDIT_PROBE_DENIED);
	}
	for (int i = 2; i < 4; i++) {
		struct audit_rule_data *d = audit_rule_data(&rules[i]);
		check_frame(&rules[i], 0x40000003u, 4);
		assert_int_equal(d->values[1], exits[i - 2]);
		assert_false(bit(d, 33));                    /* i386 access */
		assert_false(bit(d, 307));                   /* i386 faccessat */
		assert_false(bit(d, 439));
		assert_true(rules[i].compat);
	}
}
#endif

static void exclusions_drop_the_records_nobody_reads(void **state)
{
	/* PROCTITLE, SOCKADDR, CWD, PATH, EOE */
	static const uint32_t types[] = { 1327, 1306, 1307, 1302, 1320 };
	size_t n = audit_rules_build(AUDIT_PROBE_CONNECT, SELF, rules, AUDIT_RULES_MAX);

	assert_true(n >= 5);
	for (size_t i = 0; i < 5; i++) {
		struct audit_rule *r = &rules[n - 5 + i];
		struct audit_rule_data *d = audit_rule_data(r);
		assert_int_equal(d->flags, 0x05);          /* AUDIT_FILTER_EXCLUDE */
		assert_int_equal(d->action, 0);            /* AUDIT_NEVER */
		/* One field: a key would disable the exclude filter. */
		assert_int_equal(d->field_count, 1);
		assert_int_equal(d->fields[0], 12);        /* AUDIT_MSGTYPE */
		assert_int_equal(d->fieldflags[0], 0x40000000u);
		assert_int_equal(d->values[0], types[i]);
		assert_int_equal(d->buflen, 0);
		assert_int_equal(r->len, sizeof(struct audit_rule_data));
		assert_int_equal(bits_set(d), 0);
		assert_int_equal(r->probe, 0);
		assert_true(r->optional);
	}
}

#if defined(__x86_64__)
static void no_probes_build_no_rules_not_even_exclusions(void **state)
{
	assert_int_equal(audit_rules_build(0, SELF, rules, AUDIT_RULES_MAX), 0);
}
#endif

static void built_rules_are_recognised_as_ours(void **state)
{
	size_t n = audit_rules_build(AUDIT_PROBE_ALL, SELF, rules, AUDIT_RULES_MAX);

	assert_true(n > 0);
	for (size_t i = 0; i < n; i++)
		assert_true(audit_rule_is_ours(rules[i].words, rules[i].len));
}

static void rule_with_another_key_is_not_ours(void **state)
{
	assert_true(audit_rules_build(AUDIT_PROBE_CONNECT, SELF, rules, AUDIT_RULES_MAX) > 0);
	struct audit_rule_data *d = audit_rule_data(&rules[0]);

	d->buf[0] = 'C';
	assert_false(audit_rule_is_ours(rules[0].words, rules[0].len));
	/* A longer key that starts with ours is not ours either. */
	d->buf[0] = 'c';
	d->values[d->field_count - 1] = KEYLEN - 1;
	assert_false(audit_rule_is_ours(rules[0].words, rules[0].len));
}

static void key_after_other_string_fields_is_found(void **state)
{
	static uint32_t words[(sizeof(struct audit_rule_data) + 64) / 4];
	struct audit_rule_data *d = (struct audit_rule_data *)(void *)words;

	memset(words, 0, sizeof(words));
	d->field_count = 3;
	d->fields[0] = 105;     /* AUDIT_WATCH "/etc" */
	d->values[0] = 4;
	d->fields[1] = 0;       /* AUDIT_PID: not a string */
	d->values[1] = 99;
	d->fields[2] = 210;
	d->values[2] = KEYLEN;
	memcpy(d->buf, "/etc" KEY, 4 + KEYLEN);
	d->buflen = 4 + KEYLEN;
	assert_true(audit_rule_is_ours(words, sizeof(*d) + d->buflen));
}

static void only_our_exact_exclusions_are_ours(void **state)
{
	size_t n = audit_rules_build(AUDIT_PROBE_CONNECT, SELF, rules, AUDIT_RULES_MAX);
	struct audit_rule *r = &rules[n - 1];
	struct audit_rule_data *d = audit_rule_data(r);

	assert_true(audit_rule_is_ours(r->words, r->len));
	d->values[0] = 1300;            /* excluding SYSCALL: not one of ours */
	assert_false(audit_rule_is_ours(r->words, r->len));
	d->values[0] = 1320;
	d->action = 2;                  /* "always" */
	assert_false(audit_rule_is_ours(r->words, r->len));
	d->action = 0;
	d->fields[1] = 0;               /* a second field (pid) */
	d->field_count = 2;
	assert_false(audit_rule_is_ours(r->words, r->len));
	d->field_count = 1;
	d->flags = 0x04;                /* on the exit list */
	assert_false(audit_rule_is_ours(r->words, r->len));
}

static void malformed_listed_rules_are_not_ours(void **state)
{
	assert_true(audit_rules_build(AUDIT_PROBE_CONNECT, SELF, rules, AUDIT_RULES_MAX) > 0);
	struct audit_rule_data *d = audit_rule_data(&rules[0]);

	/* Too short for the fixed part, or for its strings. */
	assert_false(audit_rule_is_ours(rules[0].words, sizeof(*d) - 1));
	assert_false(audit_rule_is_ours(rules[0].words, sizeof(*d) + KEYLEN - 1));
	assert_false(audit_rule_is_ours(NULL, 0));
	/* A string field claiming more than buflen. */
	d->values[d->field_count - 1] = KEYLEN + 1;
	assert_false(audit_rule_is_ours(rules[0].words, rules[0].len));
	d->values[d->field_count - 1] = KEYLEN;
	/* Too many fields. */
	d->field_count = AUDIT_MAX_FIELDS + 1;
	assert_false(audit_rule_is_ours(rules[0].words, rules[0].len));
}

#if defined(__x86_64__)
static struct audit_record rec(uint32_t arch, uint32_t nr, int64_t exit)
{
	struct audit_record r;
	memset(&r, 0, sizeof(r));
	r.have = AUDIT_HAVE_STAMP | AUDIT_HAVE_ARCH | AUDIT_HAVE_SYSCALL |
		 AUDIT_HAVE_EXIT | AUDIT_HAVE_PID;
	r.arch = arch;
	r.syscall = nr;
	r.exit = exit;
	return r;
}

static void classify_connect_is_connect_attempt_whatever_its_result(void **state)
{
	struct audit_record r = rec(0xc000003eu, 42, -ECONNREFUSED);
	assert_int_equal(audit_classify(&r, AUDIT_PROBE_ALL), AUDIT_PROBE_CONNECT);
	r.exit = 0;
	assert_int_equal(audit_classify(&r, AUDIT_PROBE_ALL), AUDIT_PROBE_CONNECT);
	r.exit = -EINPROGRESS;
	assert_int_equal(audit_classify(&r, AUDIT_PROBE_ALL), AUDIT_PROBE_CONNECT);
}

static void classify_refused_connect_is_both(void **state)
{
	struct audit_record r = rec(0xc000003eu, 42, -EPERM);
	assert_int_equal(audit_classify(&r, AUDIT_PROBE_ALL), AUDIT_PROBE_ALL);
	assert_int_equal(audit_classify(&r, AUDIT_PROBE_DENIED), AUDIT_PROBE_DENIED);
}

static void classify_socketcall_connect_only_for_sys_connect(void **state)
{
	struct audit_record r = rec(0x40000003u, 102, 0);
	r.have |= AUDIT_HAVE_A0;
	r.a0 = 3;
	assert_int_equal(audit_classify(&r, AUDIT_PROBE_ALL), AUDIT_PROBE_CONNECT);
	r.a0 = 1;       /* SYS_SOCKET */
	assert_int_equal(audit_classify(&r, AUDIT_PROBE_ALL), 0);
	r.have &= ~(unsigned)AUDIT_HAVE_A0;
	r.a0 = 3;
	assert_int_equal(audit_classify(&r, AUDIT_PROBE_ALL), 0);
	r = rec(0x40000003u, 362, -111);
	assert_int_equal(audit_classify(&r, AUDIT_PROBE_ALL), AUDIT_PROBE_CONNECT);
}

static void classify_eperm_and_eacces_are_denials(void **state)
{
	struct audit_record r = rec(0xc000003eu, 170, -EPERM);     /* sethostname */
	assert_int_equal(audit_classify(&r, AUDIT_PROBE_ALL), AUDIT_PROBE_DENIED);
	r = rec(0xc000003eu, 257, -EACCES);                        /* openat */
	assert_int_equal(audit_classify(&r, AUDIT_PROBE_ALL), AUDIT_PROBE_DENIED);
	r = rec(0x40000003u, 74, -EPERM);                          /* i386 sethostname */
	assert_int_equal(audit_classify(&r, AUDIT_PROBE_ALL), AUDIT_PROBE_DENIED);
}

static void classify_other_failures_are_not_denials(void **state)
{
	struct audit_record r = rec(0xc000003eu, 257, -ENOENT);
	assert_int_equal(audit_classify(&r, AUDIT_PROBE_ALL), 0);
	r = rec(0xc000003eu, 257, 3);
	assert_int_equal(audit_classify(&r, AUDIT_PROBE_ALL), 0);
	r = rec(0xc000003eu, 170, EPERM);                          /* positive */
	assert_int_equal(audit_classify(&r, AUDIT_PROBE_ALL), 0);
}

static void classify_access_family_is_not_a_denial(void **state)
{
	static const uint32_t nrs[] = { 21, 269, 439 };
	for (size_t i = 0; i < 3; i++) {
		struct audit_record r = rec(0xc000003eu, nrs[i], -EACCES);
		assert_int_equal(audit_classify(&r, AUDIT_PROBE_ALL), 0);
	}
	struct audit_record r = rec(0x40000003u, 33, -EACCES);
	assert_int_equal(audit_classify(&r, AUDIT_PROBE_ALL), 0);
}

static void classify_only_armed_probes(void **state)
{
	struct audit_record r = rec(0xc000003eu, 42, 0);
	assert_int_equal(audit_classify(&r, AUDIT_PROBE_DENIED), 0);
	r = rec(0xc000003eu, 170, -EPERM);
	assert_int_equal(audit_classify(&r, AUDIT_PROBE_CONNECT), 0);
	assert_int_equal(audit_classify(&r, 0), 0);
}

static void classify_needs_arch_and_syscall(void **state)
{
	struct audit_record r = rec(0xc000003eu, 42, 0);
	r.have &= ~(unsigned)AUDIT_HAVE_ARCH;
	assert_int_equal(audit_classify(&r, AUDIT_PROBE_ALL), 0);
	r = rec(0xc000003eu, 42, 0);
	r.have &= ~(unsigned)AUDIT_HAVE_SYSCALL;
	assert_int_equal(audit_classify(&r, AUDIT_PROBE_ALL), 0);
	r = rec(0xc00000b7u, 42, -EPERM);       /* aarch64: not this build's */
	assert_int_equal(audit_classify(&r, AUDIT_PROBE_ALL), 0);
	r = rec(0xc000003eu, 170, -EPERM);
	r.have &= ~(unsigned)AUDIT_HAVE_EXIT;
	assert_int_equal(audit_classify(&r, AUDIT_PROBE_ALL), 0);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rule_data_layout_matches_the_kernel_abi),
		cmocka_unit_test(build_counts_rules_per_probe),
		cmocka_unit_test(build_never_writes_past_max),
#if defined(__x86_64__)
		cmocka_unit_test(connect_rule_matches_connect_only),
		cmocka_unit_test(compat_connect_rules_cover_connect_and_socketcall),
		cmocka_unit_test(denied_rules_match_eperm_and_eacces_except_access),
		cmocka_unit_test(no_probes_build_no_rules_not_even_exclusions),
#endif
		cmocka_unit_test(exclusions_drop_the_records_nobody_reads),
		cmocka_unit_test(built_rules_are_recognised_as_ours),
		cmocka_unit_test(rule_with_another_key_is_not_ours),
		cmocka_unit_test(key_after_other_string_fields_is_found),
		cmocka_unit_test(only_our_exact_exclusions_are_ours),
		cmocka_unit_test(malformed_listed_rules_are_not_ours),
#if defined(__x86_64__)
		cmocka_unit_test(classify_connect_is_connect_attempt_whatever_its_result),
		cmocka_unit_test(classify_refused_connect_is_both),
		cmocka_unit_test(classify_socketcall_connect_only_for_sys_connect),
		cmocka_unit_test(classify_eperm_and_eacces_are_denials),
		cmocka_unit_test(classify_other_failures_are_not_denials),
		cmocka_unit_test(classify_access_family_is_not_a_denial),
		cmocka_unit_test(classify_only_armed_probes),
		cmocka_unit_test(classify_needs_arch_and_syscall),
#endif
	};
	return cmocka_run_group_tests_name("agent-audit-rules", tests, NULL, NULL);
}
