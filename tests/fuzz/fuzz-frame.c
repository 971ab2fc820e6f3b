/*
 * libFuzzer target: the frame decoder.
 *
 * Beyond "no crash, no out-of-bounds access" (ASan/UBSan see every access
 * since the input is copied into an exact-size heap block), it checks the
 * codec's promises: a frame that decodes re-encodes, and the re-encoding
 * decodes to the same event (the decoder accepts non-shortest heads, so
 * bytes may differ, fields may not).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cellos_wire.h"

static void check_event_roundtrip(const struct wire_event *ev)
{
	uint8_t out[WIRE_MAX_FRAME_BYTES];
	size_t n = 0, used = 0;
	struct wire_event again;

	if (wire_encode_frame(ev, out, sizeof(out), &n) != WIRE_OK)
		abort();
	if (wire_decode_frame(out, n, &again, &used, NULL) != WIRE_OK ||
	    used != n)
		abort();
	if (again.probe != ev->probe || again.pid != ev->pid ||
	    again.monotonic_ns != ev->monotonic_ns ||
	    again.comm_len != ev->comm_len ||
	    memcmp(again.comm, ev->comm, ev->comm_len) != 0 ||
	    again.content_version != WIRE_CONTENT_VERSION)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	struct wire_event ev;
	struct wire_error_detail d;
	size_t consumed = 0;
	enum wire_error err;
	char line[256];

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	err = wire_decode_frame(buf, size, &ev, &consumed, &d);
	if (consumed > size)
		abort();
	if (err == WIRE_OK) {
		check_event_roundtrip(&ev);
	} else {
		if (err <= WIRE_OK || err >= WIRE_ERR_COUNT || d.code != err)
			abort();
		/* Every error has a name and renders to one line. */
		if (wire_error_name(err) == NULL ||
		    wire_error_format(&d, line, sizeof(line)) < 0)
			abort();
	}
	/* The body decoder alone, on the same bytes. */
	err = wire_decode_body(buf, size, &ev, &d);
	if (err == WIRE_OK)
		check_event_roundtrip(&ev);
	free(buf);
	return 0;
}
