/*
 * json.c - the five wire fields of an event as JSON members (RFC 8259).
 *
 * Text goes out as UTF-8; only what JSON requires is escaped ('"', '\\'
 * and U+0000-U+001F, plus DEL so logs stay printable), always as \u00xx.
 * A byte that is not valid UTF-8 (the caller broke the contract) becomes
 * \ufffd rather than invalid JSON.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cellos_wire.h"
#include "internal.h"

static const char hex[] = "0123456789abcdef";

size_t wire_json_escape(const char *s, size_t len, char *buf, size_t cap)
{
	const uint8_t *u = (const uint8_t *)s;
	size_t in = 0, out = 0, n;
	char esc[7];
	const char *src;

	if (buf == NULL || cap == 0)
		return SIZE_MAX;
	while (in < len) {
		uint8_t c = u[in];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			src = esc;
			n = 2;
			in++;
		} else if (c < 0x20 || c == 0x7f) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			src = esc;
			n = 6;
			in++;
		} else if (c < 0x80) {
			src = s + in;
			n = 1;
			in++;
		} else if ((n = cw_utf8_seq_len(u + in, len - in)) != 0) {
			src = s + in;
			in += n;
		} else {
			src = "\\ufffd";
			n = 6;
			in++;
		}
		if (n >= cap - out) /* keep room for the NUL */
			return SIZE_MAX;
		memcpy(buf + out, src, n);
		out += n;
	}
	buf[out] = '\0';
	return out;
}

size_t wire_event_to_json(const struct wire_event *ev, char *buf, size_t cap)
{
	const char *probe = wire_probe_name(ev->probe);
	size_t comm_len = ev->comm_len;
	size_t pos, n;
	int r;

	if (probe == NULL || buf == NULL)
		return 0;
	if (comm_len > WIRE_COMM_MAX_BYTES)
		comm_len = WIRE_COMM_MAX_BYTES;
	r = snprintf(buf, cap,
		     "\"content_version\":%u,\"probe_source\":\"%s\","
		     "\"guest_pid\":%" PRIu32 ",\"guest_comm\":\"",
		     (unsigned)ev->content_version, probe, ev->pid);
	if (r < 0 || (size_t)r >= cap)
		return 0;
	pos = (size_t)r;
	n = wire_json_escape(ev->comm, comm_len, buf + pos, cap - pos);
	if (n == SIZE_MAX)
		return 0;
	pos += n;
	r = snprintf(buf + pos, cap - pos, "\",\"guest_monotonic_ns\":%" PRIu64,
		     ev->monotonic_ns);
	if (r < 0 || (size_t)r >= cap - pos)
		return 0;
	return pos + (size_t)r;
}
