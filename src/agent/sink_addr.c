/*
 * sink_addr.c - the --sink address grammar (see sink_addr.h).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sink_addr.h"

/* The largest CID and port one can connect to: ~0U is "any". */
#define SINK_VSOCK_MAX ((unsigned long)UINT_MAX - 1)

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Decimal digits only (no sign, no blanks), at most max.  The number ends
 * at the first char of ends (or at NUL); *end points there. */
static bool parse_decimal(const char *s, unsigned long max, unsigned long *out,
			  const char **end)
{
	unsigned long v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	*end = p;
	return true;
}

#define SINK_ALLOWED "expected vsock:CID:PORT, unix:PATH, chardev:PATH or -"

static int parse_vsock(const char *uri, const char *rest, struct sink_addr *out,
		       char *err, size_t errlen)
{
	unsigned long cid, port;
	const char *end;
	const char *colon = strchr(rest, ':');

	if (!colon) {
		set_err(err, errlen, "'%s': no port; expected vsock:CID:PORT with decimal "
			"CID and PORT in 0..%lu", uri, SINK_VSOCK_MAX);
		return -EINVAL;
	}
	if (!parse_decimal(rest, SINK_VSOCK_MAX, &cid, &end) || end != colon) {
		set_err(err, errlen, "'%s': CID '%.*s' is not a decimal number in 0..%lu; "
			"expected vsock:CID:PORT", uri, (int)(colon - rest), rest,
			SINK_VSOCK_MAX);
		return -EINVAL;
	}
	if (!parse_decimal(colon + 1, SINK_VSOCK_MAX, &port, &end) || *end != '\0') {
		set_err(err, errlen, "'%s': PORT '%s' is not a decimal number in 0..%lu; "
			"expected vsock:CID:PORT", uri, colon + 1, SINK_VSOCK_MAX);
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	out->kind = SINK_VSOCK;
	out->cid = (unsigned int)cid;
	out->port = (unsigned int)port;
	return 0;
}

/* unix:PATH or chardev:PATH; what: "a Unix socket path" or "an absolute
 * device path" for the messages.  A device path must be absolute, so that
 * it does not depend on the agent's working directory; both must fit the
 * same buffer. */
static int parse_path(const char *uri, const char *scheme, const char *what,
		      enum sink_kind kind, struct sink_addr *out,
		      char *err, size_t errlen)
{
	const char *path = uri + strlen(scheme) + 1;
	size_t len = strlen(path);

	if (len == 0) {
		set_err(err, errlen, "'%s': empty path; expected %s:PATH with %s "
			"of 1..%d bytes", uri, scheme, what, SINK_PATH_BYTES - 1);
		return -EINVAL;
	}
	if (kind == SINK_CHARDEV && path[0] != '/') {
		set_err(err, errlen, "path '%s' is not absolute; expected chardev:/PATH, "
			"e.g. chardev:/dev/vport0p1", path);
		return -EINVAL;
	}
	if (len >= SINK_PATH_BYTES) {
		set_err(err, errlen, "'%.40s...': path is %zu bytes; %s "
			"is at most %d bytes", uri, len, what, SINK_PATH_BYTES - 1);
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	out->kind = kind;
	memcpy(out->path, path, len + 1);
	return 0;
}

int sink_addr_parse(const char *uri, struct sink_addr *out, char *err, size_t errlen)
{
	if (!uri) {
		set_err(err, errlen, "no sink given; " SINK_ALLOWED);
		return -EINVAL;
	}
	if (strcmp(uri, "-") == 0) {
		memset(out, 0, sizeof(*out));
		out->kind = SINK_STDOUT;
		return 0;
	}
	if (strncmp(uri, "vsock:", 6) == 0)
		return parse_vsock(uri, uri + 6, out, err, errlen);
	if (strncmp(uri, "unix:", 5) == 0)
		return parse_path(uri, "unix", "a Unix socket path", SINK_UNIX,
				  out, err, errlen);
	if (strncmp(uri, "chardev:", 8) == 0)
		return parse_path(uri, "chardev", "an absolute device path",
				  SINK_CHARDEV, out, err, errlen);
	set_err(err, errlen, "'%s' is not a sink; " SINK_ALLOWED, uri);
	return -EINVAL;
}

void sink_addr_describe(const struct sink_addr *a, char *buf, size_t len)
{
	if (len == 0)
		return;
	switch (a->kind) {
	case SINK_VSOCK:
		(void)snprintf(buf, len, "vsock:%u:%u", a->cid, a->port);
		break;
	case SINK_UNIX:
		(void)snprintf(buf, len, "unix:%s", a->path);
		break;
	case SINK_CHARDEV:
		(void)snprintf(buf, len, "chardev:%s", a->path);
		break;
	case SINK_STDOUT:
	default:
		(void)snprintf(buf, len, "standard output");
		break;
	}
}
