/*
 * audit_record.c - bounded parser for kernel audit record text.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "audit_record.h"

#define NS_PER_SEC  1000000000ULL
#define NS_PER_MSEC 1000000ULL

/* A [p, end) view into the record; nothing here relies on a NUL. */
struct span {
	const char *p;
	const char *end;
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Whole span is a decimal number that fits in max. */
static bool span_u64(struct span s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (s.p >= s.end)
		return false;
	for (const char *q = s.p; q < s.end; q++) {
		if (!is_digit(*q))
			return false;
		unsigned d = (unsigned)(*q - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* Whole span is a decimal number with an optional leading '-'. */
static bool span_i64(struct span s, int64_t *out)
{
	bool neg = false;
	uint64_t mag;

	if (s.p < s.end && *s.p == '-') {
		neg = true;
		s.p++;
	}
	/* INT64_MIN's magnitude is INT64_MAX + 1. */
	if (!span_u64(s, neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &mag))
		return false;
	if (neg)
		*out = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
	else
		*out = (int64_t)mag;
	return true;
}

/* Whole span is 1..16 hex digits. */
static bool span_hex(struct span s, uint64_t *out)
{
	uint64_t v = 0;
	size_t n = (size_t)(s.end - s.p);

	if (n == 0 || n > 16)
		return false;
	for (const char *q = s.p; q < s.end; q++) {
		int d = hex_val(*q);
		if (d < 0)
			return false;
		v = (v << 4) | (uint64_t)d;
	}
	*out = v;
	return true;
}

/*
 * comm is either "quoted" (printable ASCII without space or '"') or, when
 * the name holds anything else, unquoted upper-case hex of its bytes.
 * Anything else ("(null)", odd hex) leaves comm unknown.
 */
static bool span_comm(struct span s, struct audit_record *r)
{
	size_t n = (size_t)(s.end - s.p);

	if (n >= 2 && s.p[0] == '"' && s.end[-1] == '"') {
		n -= 2;
		if (memchr(s.p + 1, '"', n) != NULL)
			return false;
		if (n > AUDIT_COMM_MAX)
			n = AUDIT_COMM_MAX;
		memcpy(r->comm, s.p + 1, n);
		r->comm_len = n;
		return true;
	}
	if (n == 0 || n % 2 != 0)
		return false;
	size_t out = 0;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hex_val(s.p[i]), lo = hex_val(s.p[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		if (out < AUDIT_COMM_MAX)
			r->comm[out++] = (unsigned char)(hi << 4 | lo);
	}
	r->comm_len = out;
	return true;
}

static bool span_eq(struct span s, const char *lit)
{
	size_t n = strlen(lit);
	return (size_t)(s.end - s.p) == n && memcmp(s.p, lit, n) == 0;
}

/* Consume the literal lit at *p; false if it is not there. */
static bool eat(const char **p, const char *end, const char *lit)
{
	size_t n = strlen(lit);
	if ((size_t)(end - *p) < n || memcmp(*p, lit, n) != 0)
		return false;
	*p += n;
	return true;
}

/* Span of digits starting at *p, which is advanced past them. */
static struct span digits(const char **p, const char *end)
{
	struct span s = { *p, *p };
	while (s.end < end && is_digit(*s.end))
		s.end++;
	*p = s.end;
	return s;
}

/* "audit(SEC.MSEC:SERIAL):" */
static bool parse_stamp(const char **p, const char *end, struct audit_record *r)
{
	uint64_t sec, msec, serial;

	if (!eat(p, end, "audit("))
		return false;
	if (!span_u64(digits(p, end), UINT64_MAX / NS_PER_SEC, &sec))
		return false;
	if (!eat(p, end, "."))
		return false;
	if (!span_u64(digits(p, end), 999, &msec))
		return false;
	if (!eat(p, end, ":"))
		return false;
	if (!span_u64(digits(p, end), UINT32_MAX, &serial))
		return false;
	if (!eat(p, end, "):"))
		return false;
	r->sec = sec;
	r->msec = (uint32_t)msec;
	r->serial = (uint32_t)serial;
	r->have |= AUDIT_HAVE_STAMP;
	return true;
}

/* One "name=value" word; the first occurrence of each name wins. */
static void parse_word(struct span name, struct span val, struct audit_record *r)
{
	uint64_t u;
	int64_t i;

	if (!(r->have & AUDIT_HAVE_ARCH) && span_eq(name, "arch")) {
		if (span_hex(val, &u) && u <= UINT32_MAX) {
			r->arch = (uint32_t)u;
			r->have |= AUDIT_HAVE_ARCH;
		}
	} else if (!(r->have & AUDIT_HAVE_SYSCALL) && span_eq(name, "syscall")) {
		if (span_u64(val, UINT32_MAX, &u)) {
			r->syscall = (uint32_t)u;
			r->have |= AUDIT_HAVE_SYSCALL;
		}
	} else if (!(r->have & AUDIT_HAVE_EXIT) && span_eq(name, "exit")) {
		if (span_i64(val, &i)) {
			r->exit = i;
			r->have |= AUDIT_HAVE_EXIT;
		}
	} else if (!(r->have & AUDIT_HAVE_A0) && span_eq(name, "a0")) {
		if (span_hex(val, &u)) {
			r->a0 = u;
			r->have |= AUDIT_HAVE_A0;
		}
	} else if (!(r->have & AUDIT_HAVE_PID) && span_eq(name, "pid")) {
		if (span_u64(val, UINT32_MAX, &u)) {
			r->pid = (uint32_t)u;
			r->have |= AUDIT_HAVE_PID;
		}
	} else if (!(r->have & AUDIT_HAVE_COMM) && span_eq(name, "comm")) {
		if (span_comm(val, r))
			r->have |= AUDIT_HAVE_COMM;
	}
}

int audit_record_parse(const char *text, size_t len, struct audit_record *r)
{
	const char *p = text, *end = text + len;

	memset(r, 0, sizeof(*r));
	if (text == NULL || !parse_stamp(&p, end, r))
		return -1;

	/* A NUL ends the record early: some kernels count it in the length. */
	const char *nul = memchr(p, '\0', (size_t)(end - p));
	if (nul != NULL)
		end = nul;

	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\n'))
			p++;
		const char *w = p;
		while (p < end && *p != ' ' && *p != '\n')
			p++;
		const char *eq = memchr(w, '=', (size_t)(p - w));
		if (eq == NULL || eq == w)
			continue;
		struct span name = { w, eq }, val = { eq + 1, p };
		parse_word(name, val, r);
	}
	return 0;
}

uint64_t audit_record_mono_ns(const struct audit_record *r, int64_t offset_ns)
{
	/* sec <= UINT64_MAX / 1e9 (the parser's bound), so this cannot wrap. */
	uint64_t rt = r->sec * NS_PER_SEC;
	uint64_t ms = (uint64_t)r->msec * NS_PER_MSEC;

	rt = rt > UINT64_MAX - ms ? UINT64_MAX : rt + ms;
	if (offset_ns >= 0)
		return rt > (uint64_t)offset_ns ? rt - (uint64_t)offset_ns : 0;
	uint64_t add = (uint64_t)(-(offset_ns + 1)) + 1;
	return rt > UINT64_MAX - add ? UINT64_MAX : rt + add;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	/* Cannot fail for these clocks with a valid pointer. */
	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

int64_t audit_clock_offset_ns(void)
{
	uint64_t m0 = clock_ns(CLOCK_MONOTONIC);
	uint64_t rt = clock_ns(CLOCK_REALTIME);
	uint64_t m1 = clock_ns(CLOCK_MONOTONIC);
	uint64_t mono = m0 + (m1 - m0) / 2;

	return (int64_t)(rt - mono);
}
