/*
 * libFuzzer target: the comm sanitizer and the UTF-8 validator.
 *
 * Whatever the bytes, the sanitized comm is valid UTF-8 of at most 16
 * characters and 64 bytes, NUL-terminated, encodable in a frame, and
 * stable (sanitizing it again changes nothing).  Input that already is a
 * short valid comm comes out unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cellos_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	char out[WIRE_COMM_MAX_BYTES + 1], again[WIRE_COMM_MAX_BYTES + 1];
	size_t n, m, bad = 0, upto;
	struct wire_event ev;
	uint8_t frame[WIRE_MAX_FRAME_BYTES];
	bool valid;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	valid = wire_utf8_valid(buf, size, &bad);
	if (!valid && bad >= size)
		abort();

	n = wire_comm_sanitize(buf, size, out);
	if (n > WIRE_COMM_MAX_BYTES || out[n] != '\0' ||
	    !wire_utf8_valid((const uint8_t *)out, n, NULL) ||
	    wire_utf8_chars((const uint8_t *)out, n) > WIRE_COMM_MAX_CHARS)
		abort();
	m = wire_comm_sanitize(out, n, again);
	if (m != n || memcmp(out, again, n) != 0)
		abort();

	/* A short valid comm without NUL passes through untouched. */
	upto = strnlen((const char *)buf, size);
	if (upto == size && valid &&
	    wire_utf8_chars(buf, size) <= WIRE_COMM_MAX_CHARS &&
	    (n != size || memcmp(out, buf, size) != 0))
		abort();

	memset(&ev, 0, sizeof(ev));
	ev.probe = WIRE_PROBE_PROCESS_SPAWNED;
	wire_event_set_comm(&ev, buf, size);
	if (ev.comm_len != n || memcmp(ev.comm, out, n) != 0)
		abort();
	if (wire_encode_frame(&ev, frame, sizeof(frame), &m) != WIRE_OK)
		abort();
	free(buf);
	return 0;
}
