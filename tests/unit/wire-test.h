/*
 * wire-test.h - helpers shared by the libcellos-wire unit tests: hex
 * strings, the spec's test vectors, a seeded PRNG and event builders.
 * Included by each test program (static functions; not a module).
 */
#ifndef CELLOS_WIRE_TEST_H
#define CELLOS_WIRE_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
/* cmocka needs these before it. */
#include <setjmp.h>
#include <cmocka.h>

#include "cellos_wire.h"

/* Parse hex (whitespace ignored) into out; returns the byte count. */
static inline size_t hex_to_bytes(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex != '\0'; hex++) {
		int v;
		char c = *hex;

		if (c == ' ' || c == '\n' || c == '\t')
			continue;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else {
			fail_msg("bad hex digit '%c'", c);
			return 0;
		}
		if (hi < 0) {
			hi = v;
		} else {
			assert_true(n < cap);
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	assert_int_equal(hi, -1);
	return n;
}

/* The four frames of wire-v1.md "Test vectors", copied from the spec
 * (produced there by an independent CBOR implementation). */
struct spec_vector {
	enum wire_probe probe;
	uint32_t pid;
	const char *comm;
	uint64_t ns;
	size_t body_len;
	const char *hex;
};

static const struct spec_vector spec_vectors[] = {
	{ WIRE_PROBE_PROCESS_SPAWNED, 42, "sh", 1000000000ULL, 99,
	  "63000000a56f636f6e74656e745f76657273696f6e1901006c70726f62655f736f757263656f70726f636573732e737061776e65646967756573745f706964182a6a67756573745f636f6d6d6273687267756573745f6d6f6e6f746f6e69635f6e731a3b9aca00" },
	{ WIRE_PROBE_PROCESS_EXITED, 4294967295U, "", 18446744073709551615ULL, 103,
	  "67000000a56f636f6e74656e745f76657273696f6e1901006c70726f62655f736f757263656e70726f636573732e6578697465646967756573745f7069641affffffff6a67756573745f636f6d6d607267756573745f6d6f6e6f746f6e69635f6e731bffffffffffffffff" },
	{ WIRE_PROBE_FS_INOTIFY_FIRED, 23, "cellos-telemetr", 24, 109,
	  "6d000000a56f636f6e74656e745f76657273696f6e1901006c70726f62655f736f757263657066732e696e6f746966795f66697265646967756573745f706964176a67756573745f636f6d6d6f63656c6c6f732d74656c656d6574727267756573745f6d6f6e6f746f6e69635f6e731818" },
	{ WIRE_PROBE_NET_CONNECT_ATTEMPTED, 65536, "\xc3\xa9t\xc3\xa9", 0, 107,
	  "6b000000a56f636f6e74656e745f76657273696f6e1901006c70726f62655f736f75726365756e65742e636f6e6e6563745f617474656d707465646967756573745f7069641a000100006a67756573745f636f6d6d65c3a974c3a97267756573745f6d6f6e6f746f6e69635f6e7300" },
};
#define SPEC_VECTOR_COUNT (sizeof(spec_vectors) / sizeof(spec_vectors[0]))

static inline struct wire_event make_event(enum wire_probe probe, uint32_t pid,
					   const char *comm, uint64_t ns)
{
	struct wire_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.content_version = WIRE_CONTENT_VERSION;
	ev.probe = probe;
	ev.pid = pid;
	ev.comm_len = (uint8_t)strlen(comm);
	memcpy(ev.comm, comm, ev.comm_len + 1);
	ev.monotonic_ns = ns;
	return ev;
}

/* splitmix64: small, seeded, the same sequence on every machine. */
struct prng {
	uint64_t s;
};

static inline uint64_t prng_next(struct prng *p)
{
	uint64_t z = (p->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t prng_below(struct prng *p, uint64_t n)
{
	return n == 0 ? 0 : prng_next(p) % n;
}

/* Property-test iteration counts: the numbers unless the
 * environment scales them down (WIRE_TEST_SCALE=10 divides by 10). */
static inline unsigned long scaled(unsigned long n)
{
	const char *e = getenv("WIRE_TEST_SCALE");
	unsigned long div = e != NULL ? strtoul(e, NULL, 10) : 1;

	return div > 1 ? n / div : n;
}

/* The integer head boundaries of wire-v1.md (RFC 8949 Appendix A), with
 * their preferred encodings, copied from the spec. */
static const struct {
	uint64_t v;
	const char *hex;
} boundaries[] = {
	{ 0, "00" },
	{ 23, "17" },
	{ 24, "1818" },
	{ 255, "18ff" },
	{ 256, "190100" },
	{ 65535, "19ffff" },
	{ 65536, "1a00010000" },
	{ 4294967295ULL, "1affffffff" },
	{ 4294967296ULL, "1b0000000100000000" },
	{ 18446744073709551615ULL, "1bffffffffffffffff" },
};
#define BOUNDARY_COUNT (sizeof(boundaries) / sizeof(boundaries[0]))

#endif /* CELLOS_WIRE_TEST_H */
