/*
 * audit_rules.c - build the audit rules for the audit probes; classify
 * the records they produce.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>

#include <linux/net.h>

#include "audit_rules.h"

#define NO_SYSCALL (-1)
#define ACCESS_FAMILY 3

/*
 * One syscall ABI the rules cover.  Syscall numbers are per ABI; the
 * compat ones are not in this build's headers, so they are written out
 * (from the kernel's syscall tables) and the native ones are checked
 * against <sys/syscall.h> below.
 */
struct abi {
	uint32_t arch;                      /* AUDIT_ARCH_* */
	bool compat;
	int connect_nr;
	int socketcall_nr;                  /* NO_SYSCALL where absent */
	int access_nrs[ACCESS_FAMILY];      /* access, faccessat, faccessat2 */
};

#if defined(__x86_64__)
static const struct abi abis[] = {
	{ AUDIT_ARCH_X86_64, false, 42, NO_SYSCALL, { 21, 269, 439 } },
	{ AUDIT_ARCH_I386, true, 362, 102, { 33, 307, 439 } },
};
_Static_assert(SYS_connect == 42 && SYS_access == 21 && SYS_faccessat == 269,
	       "x86-64 syscall numbers");
#elif defined(__aarch64__)
/* arm64 has no access(2); its compat ABI (EABI arm) has no socketcall. */
static const struct abi abis[] = {
	{ AUDIT_ARCH_AARCH64, false, 203, NO_SYSCALL, { NO_SYSCALL, 48, 439 } },
	{ AUDIT_ARCH_ARM, true, 283, NO_SYSCALL, { 33, 334, 439 } },
};
_Static_assert(SYS_connect == 203 && SYS_faccessat == 48, "arm64 syscall numbers");
#else
static const struct abi abis[1];        /* arch == 0: unsupported */
#define AUDIT_RULES_UNSUPPORTED 1
#endif

#define N_ABIS (sizeof(abis) / sizeof(abis[0]))

uint32_t audit_native_arch(void)
{
	return abis[0].arch;
}

static const struct abi *abi_for(uint32_t arch)
{
	if (arch == 0)
		return NULL;
	for (size_t i = 0; i < N_ABIS; i++)
		if (abis[i].arch == arch)
			return &abis[i];
	return NULL;
}

static bool is_access_family(const struct abi *a, uint32_t nr)
{
	for (size_t i = 0; i < ACCESS_FAMILY; i++)
		if (a->access_nrs[i] != NO_SYSCALL && (uint32_t)a->access_nrs[i] == nr)
			return true;
	return false;
}

static void mask_set(struct audit_rule_data *d, int nr)
{
	d->mask[AUDIT_WORD(nr)] |= AUDIT_BIT(nr);
}

static void mask_clear(struct audit_rule_data *d, int nr)
{
	d->mask[AUDIT_WORD(nr)] &= ~AUDIT_BIT(nr);
}

static void field(struct audit_rule_data *d, uint32_t type, uint32_t op,
		  uint32_t value)
{
	uint32_t i = d->field_count++;

	d->fields[i] = type;
	d->fieldflags[i] = op;
	d->values[i] = value;
}

/* Start a rule on the exit list for one ABI. */
static struct audit_rule_data *rule_begin(struct audit_rule *r, unsigned probe,
					  const struct abi *a)
{
	memset(r, 0, sizeof(*r));
	r->probe = probe;
	r->compat = a->compat;
	r->optional = a->compat;
	struct audit_rule_data *d = audit_rule_data(r);
	d->flags = AUDIT_FILTER_EXIT;
	d->action = AUDIT_ALWAYS;
	field(d, AUDIT_ARCH, AUDIT_EQUAL, a->arch);
	return d;
}

/* Close a rule: the agent's exclusion, then the key (always last). */
static void rule_key(struct audit_rule *r);

static void rule_end(struct audit_rule *r, uint32_t self_pid)
{
	field(audit_rule_data(r), AUDIT_PID, AUDIT_NOT_EQUAL, self_pid);
	rule_key(r);
}

/* Record types that come with a SYSCALL record and that nothing here
 * reads. */
static const uint32_t unread_types[] = {
	AUDIT_PROCTITLE, AUDIT_SOCKADDR, AUDIT_CWD, AUDIT_PATH, AUDIT_EOE,
};

static void rule_key(struct audit_rule *r)
{
	struct audit_rule_data *d = audit_rule_data(r);
	size_t klen = sizeof(AUDIT_RULES_KEY) - 1;

	field(d, AUDIT_FILTERKEY, AUDIT_EQUAL, (uint32_t)klen);
	memcpy(d->buf, AUDIT_RULES_KEY, klen);
	d->buflen = (uint32_t)klen;
	r->len = sizeof(*d) + klen;
}

size_t audit_rules_build(unsigned probes, uint32_t self_pid,
			 struct audit_rule *out, size_t max)
{
	size_t n = 0;
	struct audit_rule_data *d;

	if (probes == 0 || abis[0].arch == 0)
		return 0;

	for (size_t i = 0; i < N_ABIS; i++) {
		const struct abi *a = &abis[i];
		if (a->arch == 0)
			break;
		if (probes & AUDIT_PROBE_CONNECT) {
			if (n == max)
				return n;
			d = rule_begin(&out[n], AUDIT_PROBE_CONNECT, a);
			mask_set(d, a->connect_nr);
			rule_end(&out[n++], self_pid);
			if (a->socketcall_nr != NO_SYSCALL) {
				if (n == max)
					return n;
				d = rule_begin(&out[n], AUDIT_PROBE_CONNECT, a);
				mask_set(d, a->socketcall_nr);
				field(d, AUDIT_ARG0, AUDIT_EQUAL, SYS_CONNECT);
				rule_end(&out[n++], self_pid);
			}
		}
		if (probes & AUDIT_PROBE_DENIED) {
			static const int errs[] = { EPERM, EACCES };
			for (size_t e = 0; e < sizeof(errs) / sizeof(errs[0]); e++) {
				if (n == max)
					return n;
				d = rule_begin(&out[n], AUDIT_PROBE_DENIED, a);
				for (size_t w = 0; w < AUDIT_BITMASK_SIZE; w++)
					d->mask[w] = ~0u;
				for (size_t k = 0; k < ACCESS_FAMILY; k++)
					if (a->access_nrs[k] != NO_SYSCALL)
						mask_clear(d, a->access_nrs[k]);
				/* The kernel compares the low 32 bits of the
				 * return value: -EPERM is stored as (u32)-1. */
				field(d, AUDIT_EXIT, AUDIT_EQUAL, (uint32_t)-errs[e]);
				rule_end(&out[n++], self_pid);
			}
		}
	}
	for (size_t i = 0; i < sizeof(unread_types) / sizeof(unread_types[0]); i++) {
		if (n == max)
			return n;
		memset(&out[n], 0, sizeof(out[n]));
		out[n].optional = true;
		d = audit_rule_data(&out[n]);
		d->flags = AUDIT_FILTER_EXCLUDE;
		d->action = AUDIT_NEVER;
		field(d, AUDIT_MSGTYPE, AUDIT_EQUAL, unread_types[i]);
		/* No key here: the exclude filter stops at the first field
		 * it does not know (a key), and then excludes nothing. */
		out[n++].len = sizeof(*d);
	}
	return n;
}

/* Rule fields whose value is the length of a string in buf. */
static bool is_string_field(uint32_t type)
{
	switch (type) {
	case AUDIT_SUBJ_USER: case AUDIT_SUBJ_ROLE: case AUDIT_SUBJ_TYPE:
	case AUDIT_SUBJ_SEN: case AUDIT_SUBJ_CLR:
	case AUDIT_OBJ_USER: case AUDIT_OBJ_ROLE: case AUDIT_OBJ_TYPE:
	case AUDIT_OBJ_LEV_LOW: case AUDIT_OBJ_LEV_HIGH:
	case AUDIT_WATCH: case AUDIT_DIR: case AUDIT_FILTERKEY: case AUDIT_EXE:
		return true;
	default:
		return false;
	}
}

/* Exactly one of our exclusions: the exclude list, "never", one field
 * msgtype == an unread type. */
static bool is_our_exclusion(const struct audit_rule_data *d)
{
	if (d->flags != AUDIT_FILTER_EXCLUDE || d->action != AUDIT_NEVER ||
	    d->field_count != 1 || d->fields[0] != AUDIT_MSGTYPE ||
	    d->fieldflags[0] != AUDIT_EQUAL || d->buflen != 0)
		return false;
	for (size_t i = 0; i < sizeof(unread_types) / sizeof(unread_types[0]); i++)
		if (d->values[0] == unread_types[i])
			return true;
	return false;
}

bool audit_rule_is_ours(const void *data, size_t len)
{
	struct audit_rule_data d;
	const size_t fixed = sizeof(struct audit_rule_data);
	const size_t klen = sizeof(AUDIT_RULES_KEY) - 1;

	if (data == NULL || len < fixed)
		return false;
	memcpy(&d, data, fixed);        /* the payload may be unaligned */
	if (d.field_count > AUDIT_MAX_FIELDS || d.buflen > len - fixed)
		return false;
	if (is_our_exclusion(&d))
		return true;

	const char *buf = (const char *)data + fixed;
	size_t off = 0;
	for (uint32_t i = 0; i < d.field_count; i++) {
		if (!is_string_field(d.fields[i]))
			continue;
		size_t slen = d.values[i];
		if (slen > d.buflen - off)
			return false;
		if (d.fields[i] == AUDIT_FILTERKEY && slen == klen &&
		    memcmp(buf + off, AUDIT_RULES_KEY, klen) == 0)
			return true;
		off += slen;
	}
	return false;
}

unsigned audit_classify(const struct audit_record *r, unsigned armed)
{
	const unsigned need = AUDIT_HAVE_ARCH | AUDIT_HAVE_SYSCALL;
	unsigned out = 0;

	if ((r->have & need) != need)
		return 0;
	const struct abi *a = abi_for(r->arch);
	if (a == NULL)
		return 0;

	if (armed & AUDIT_PROBE_CONNECT) {
		if (r->syscall == (uint32_t)a->connect_nr)
			out |= AUDIT_PROBE_CONNECT;
		else if (a->socketcall_nr != NO_SYSCALL &&
			 r->syscall == (uint32_t)a->socketcall_nr &&
			 (r->have & AUDIT_HAVE_A0) && r->a0 == SYS_CONNECT)
			out |= AUDIT_PROBE_CONNECT;
	}
	if ((armed & AUDIT_PROBE_DENIED) && (r->have & AUDIT_HAVE_EXIT) &&
	    (r->exit == -EPERM || r->exit == -EACCES) &&
	    !is_access_family(a, r->syscall))
		out |= AUDIT_PROBE_DENIED;
	return out;
}
