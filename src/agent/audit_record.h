/*
 * audit_record.h - parse the text of one kernel audit record.
 *
 * The kernel sends each audit record as text:
 *   audit(SEC.MSEC:SERIAL): arch=c000003e syscall=42 success=no exit=-111
 *   a0=3 ... ppid=1 pid=1234 ... comm="curl" exe="/usr/bin/curl" ... key=...
 * This module promises: a bounded, allocation-free parse of that text into
 * the few fields the agent needs, safe on any input (the record carries
 * strings the workload chose: comm, exe).  It never reads past len bytes
 * and never needs a terminating NUL.  It also converts the record's
 * CLOCK_REALTIME stamp into the CLOCK_MONOTONIC domain.
 *
 * Trust: the kernel writes every field it controls (arch, syscall, exit,
 * pid) before the first untrusted string (comm), and an untrusted string
 * can contain neither a space nor a double quote (the kernel hex-encodes
 * it then), so the first "name=" token at a word boundary is the kernel's.
 */
#ifndef CELLOS_AGENT_AUDIT_RECORD_H
#define CELLOS_AGENT_AUDIT_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest comm kept from a record, in bytes (the kernel's is 15 plus NUL;
 * a little room so a longer one is cut by the pump, not here). */
#define AUDIT_COMM_MAX 32

/* Bits of audit_record.have: which fields the record carried. */
enum audit_field_bit {
	AUDIT_HAVE_STAMP   = 1u << 0,
	AUDIT_HAVE_ARCH    = 1u << 1,
	AUDIT_HAVE_SYSCALL = 1u << 2,
	AUDIT_HAVE_EXIT    = 1u << 3,
	AUDIT_HAVE_A0      = 1u << 4,
	AUDIT_HAVE_PID     = 1u << 5,
	AUDIT_HAVE_COMM    = 1u << 6,
};

struct audit_record {
	unsigned have;          /* enum audit_field_bit */
	uint64_t sec;           /* audit(SEC.MSEC:SERIAL), CLOCK_REALTIME */
	uint32_t msec;
	uint32_t serial;
	uint32_t arch;          /* AUDIT_ARCH_* of the syscall */
	uint32_t syscall;
	int64_t exit;           /* the syscall's return value */
	uint64_t a0;            /* first syscall argument (hex in the text) */
	uint32_t pid;           /* thread-group id of the acting process */
	size_t comm_len;        /* bytes in comm (decoded when hex) */
	unsigned char comm[AUDIT_COMM_MAX];
};

/*
 * Parse one record.  Returns 0 when the record has at least its stamp;
 * -1 when it does not even start with a well-formed "audit(S.M:N):"
 * prefix.  Fields that are absent or malformed are left out of r->have.
 */
int audit_record_parse(const char *text, size_t len, struct audit_record *r);

/*
 * The record's time in the CLOCK_MONOTONIC domain: realtime minus
 * offset_ns, where offset_ns = CLOCK_REALTIME - CLOCK_MONOTONIC sampled by
 * the caller (audit_clock_offset_ns()).  Saturates at 0 and at UINT64_MAX
 * instead of wrapping.
 */
uint64_t audit_record_mono_ns(const struct audit_record *r, int64_t offset_ns);

/* CLOCK_REALTIME - CLOCK_MONOTONIC now, in ns (the realtime read is
 * bracketed by two monotonic reads, and the midpoint is used). */
int64_t audit_clock_offset_ns(void);

#endif /* CELLOS_AGENT_AUDIT_RECORD_H */
