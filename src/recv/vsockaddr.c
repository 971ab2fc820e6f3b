/* vsockaddr.c - see vsockaddr.h. */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "recv/vsockaddr.h"

#define ALLOWED "allowed: vsock:PORT or vsock:CID:PORT, decimal, PORT 0 to 4294967294, CID 0 to 4294967295 (default 4294967295, any)"

static void say(char *err, size_t errcap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(char *err, size_t errcap, const char *fmt, ...)
{
	va_list ap;

	if (errcap == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errcap, fmt, ap);
	va_end(ap);
}

/* Digits only, from s up to end (exclusive), at most max. */
static bool decimal(const char *s, const char *end, unsigned long max,
		    unsigned long *out)
{
	unsigned long v = 0;

	if (s == end)
		return false;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return false;
		unsigned d = (unsigned)(*s - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

enum recv_vsockaddr_result recv_vsockaddr_parse(const char *value,
						struct recv_vsockaddr *out,
						char *err, size_t errcap)
{
	const size_t plen = sizeof(RECV_VSOCK_PREFIX) - 1;
	unsigned long cid = RECV_VSOCK_ANY, port;

	if (strncmp(value, RECV_VSOCK_PREFIX, plen) != 0)
		return RECV_VSOCKADDR_NOT_VSOCK;
	const char *rest = value + plen;
	const char *end = rest + strlen(rest);
	const char *colon = strchr(rest, ':');

	if (colon != NULL) {
		if (!decimal(rest, colon, RECV_VSOCK_ANY, &cid)) {
			say(err, errcap, "--listen='%s': CID '%.*s' is not a number; " ALLOWED,
			    value, (int)(colon - rest), rest);
			return RECV_VSOCKADDR_BAD;
		}
		rest = colon + 1;
	}
	if (!decimal(rest, end, RECV_VSOCK_PORT_MAX, &port)) {
		say(err, errcap, "--listen='%s': PORT '%s' is not allowed; " ALLOWED,
		    value, rest);
		return RECV_VSOCKADDR_BAD;
	}
	out->cid = (unsigned int)cid;
	out->port = (unsigned int)port;
	return RECV_VSOCKADDR_OK;
}
