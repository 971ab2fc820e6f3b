/*
 * codec-bench: encode and decode one representative frame N times, with
 * this project's codec and with libcbor's encoding and streaming APIs
 * building and parsing the identical map.  Used by bench/run.sh, which
 * takes wall-clock medians from it and instruction counts from callgrind
 * (running it at two values of N and dividing the difference).
 *
 *   codec-bench check                       both encoders agree, byte for byte
 *   codec-bench MODE N                      run MODE N times, print ns/frame
 *   codec-bench capture N FILE              write a capture of N varied frames
 * MODE: wire-encode, cbor-encode, wire-decode, cbor-decode
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* libcbor's own headers by path: "cbor.h" is also the name of the wire
 * library's internal header. */
#include <cbor/callbacks.h>
#include <cbor/data.h>
#include <cbor/encoding.h>
#include <cbor/streaming.h>

#include "cellos_wire.h"

#define FRAME_CAP WIRE_MAX_FRAME_BYTES

static const char *const keys[5] = {
	"content_version", "probe_source", "guest_pid", "guest_comm",
	"guest_monotonic_ns",
};

/* A typical process event: a short comm, a mid-size pid, a real uptime. */
static struct wire_event sample(void)
{
	struct wire_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.probe = WIRE_PROBE_PROCESS_SPAWNED;
	ev.pid = 31337;
	wire_event_set_comm(&ev, "bench-tiny", 10);
	ev.monotonic_ns = 123456789012ULL;
	return ev;
}

/* ---- libcbor, encoding ---------------------------------------------- */

static size_t put_text(const char *s, size_t len, unsigned char *p, size_t cap)
{
	size_t n = cbor_encode_string_start(len, p, cap);

	if (n == 0 || cap - n < len)
		return 0;
	memcpy(p + n, s, len);
	return n + len;
}

static size_t cbor_encode_event(const struct wire_event *ev, unsigned char *buf,
				size_t cap)
{
	unsigned char *p = buf + 4, *end = buf + cap;
	const char *probe = wire_probe_name(ev->probe);
	size_t n, body;

#define STEP(expr) do { n = (expr); if (n == 0) return 0; p += n; } while (0)
	STEP(cbor_encode_map_start(5, p, (size_t)(end - p)));
	STEP(put_text(keys[0], strlen(keys[0]), p, (size_t)(end - p)));
	STEP(cbor_encode_uint(WIRE_CONTENT_VERSION, p, (size_t)(end - p)));
	STEP(put_text(keys[1], strlen(keys[1]), p, (size_t)(end - p)));
	STEP(put_text(probe, strlen(probe), p, (size_t)(end - p)));
	STEP(put_text(keys[2], strlen(keys[2]), p, (size_t)(end - p)));
	STEP(cbor_encode_uint(ev->pid, p, (size_t)(end - p)));
	STEP(put_text(keys[3], strlen(keys[3]), p, (size_t)(end - p)));
	STEP(put_text(ev->comm, ev->comm_len, p, (size_t)(end - p)));
	STEP(put_text(keys[4], strlen(keys[4]), p, (size_t)(end - p)));
	STEP(cbor_encode_uint(ev->monotonic_ns, p, (size_t)(end - p)));
#undef STEP
	body = (size_t)(p - buf) - 4;
	buf[0] = (unsigned char)body;
	buf[1] = (unsigned char)(body >> 8);
	buf[2] = (unsigned char)(body >> 16);
	buf[3] = (unsigned char)(body >> 24);
	return body + 4;
}

/* ---- libcbor, decoding: the same strict checks as the wire decoder --- */

struct cbor_ctx {
	int item;          /* items seen after the map head */
	int map_pairs;     /* -1 until the map head */
	int bad;
	uint64_t uints[5];
	const unsigned char *text;
	size_t text_len;
	struct wire_event *ev;
};

static void on_uint(struct cbor_ctx *c, uint64_t v)
{
	int i = c->item++;

	/* values sit at odd positions: 1 version, 5 pid, 9 ns */
	if (i == 1)
		c->uints[0] = v;
	else if (i == 5)
		c->uints[2] = v;
	else if (i == 9)
		c->uints[4] = v;
	else
		c->bad = 1;
}

static void cb_u8(void *ctx, uint8_t v) { on_uint(ctx, v); }
static void cb_u16(void *ctx, uint16_t v) { on_uint(ctx, v); }
static void cb_u32(void *ctx, uint32_t v) { on_uint(ctx, v); }
static void cb_u64(void *ctx, uint64_t v) { on_uint(ctx, v); }

static void cb_string(void *ctx, cbor_data s, uint64_t len)
{
	struct cbor_ctx *c = ctx;
	int i = c->item++;

	if (!wire_utf8_valid(s, (size_t)len, NULL)) {
		c->bad = 1;
		return;
	}
	if ((i & 1) == 0) { /* a key: must be the expected one */
		const char *k = keys[i / 2];
		if (len != strlen(k) || memcmp(s, k, (size_t)len) != 0)
			c->bad = 1;
	} else if (i == 3) {
		if (!wire_probe_lookup((const char *)s, (size_t)len, &c->ev->probe))
			c->bad = 1;
	} else if (i == 7) {
		if (len > WIRE_COMM_MAX_BYTES ||
		    wire_utf8_chars(s, (size_t)len) > WIRE_COMM_MAX_CHARS) {
			c->bad = 1;
			return;
		}
		memcpy(c->ev->comm, s, (size_t)len);
		c->ev->comm[len] = '\0';
		c->ev->comm_len = (uint8_t)len;
	} else {
		c->bad = 1;
	}
}

static void cb_map(void *ctx, uint64_t n)
{
	struct cbor_ctx *c = ctx;

	if (c->map_pairs != -1 || n != 5)
		c->bad = 1;
	c->map_pairs = (int)n;
}

static int cbor_decode_event(const unsigned char *buf, size_t len,
			     struct wire_event *ev)
{
	static struct cbor_callbacks cb;
	struct cbor_ctx c = { .map_pairs = -1, .ev = ev };
	size_t at, body;

	if (cb.map_start == NULL) {
		cb = cbor_empty_callbacks;
		cb.uint8 = cb_u8;
		cb.uint16 = cb_u16;
		cb.uint32 = cb_u32;
		cb.uint64 = cb_u64;
		cb.string = cb_string;
		cb.map_start = cb_map;
	}
	if (len < 4)
		return -1;
	body = (size_t)buf[0] | (size_t)buf[1] << 8 | (size_t)buf[2] << 16 |
	       (size_t)buf[3] << 24;
	if (body > CELLOS_WIRE_MAX_FRAME_BODY_BYTES || body > len - 4)
		return -1;
	at = 4;
	while (at < 4 + body && !c.bad) {
		struct cbor_decoder_result r =
			cbor_stream_decode(buf + at, 4 + body - at, &cb, &c);
		if (r.status != CBOR_DECODER_FINISHED)
			return -1;
		at += r.read;
	}
	if (c.bad || c.item != 10 || c.map_pairs != 5 ||
	    (c.uints[0] >> 8) != WIRE_CONTENT_VERSION_MAJOR ||
	    c.uints[0] > 0xffff || c.uints[2] > 0xffffffffu)
		return -1;
	ev->content_version = (uint16_t)c.uints[0];
	ev->pid = (uint32_t)c.uints[2];
	ev->monotonic_ns = c.uints[4];
	return 0;
}

/* ---- driver ----------------------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Keeps the compiler from dropping a loop whose result is unused. */
static volatile uint64_t sink_value;

static int same_event(const struct wire_event *a, const struct wire_event *b)
{
	return a->probe == b->probe && a->pid == b->pid &&
	       a->monotonic_ns == b->monotonic_ns && a->comm_len == b->comm_len &&
	       memcmp(a->comm, b->comm, a->comm_len) == 0;
}

/* N frames of every probe, with varied pids, comms and timestamps. */
static int write_capture(unsigned long n, const char *path)
{
	static const char *const comms[] = {
		"sh", "bench-tiny", "cellos-telemetr", "python3", "été",
		"a \"quoted\" name", "back\\slash", "nginx: worker",
	};
	unsigned char frame[FRAME_CAP];
	struct wire_event ev;
	size_t len;
	FILE *f = fopen(path, "wb");

	if (f == NULL) {
		perror(path);
		return 73;
	}
	memset(&ev, 0, sizeof(ev));
	for (unsigned long i = 0; i < n; i++) {
		const char *c = comms[i % (sizeof(comms) / sizeof(comms[0]))];

		ev.probe = (enum wire_probe)(i % WIRE_PROBE_COUNT);
		ev.pid = (uint32_t)(100 + i % 40000);
		wire_event_set_comm(&ev, c, strlen(c));
		ev.monotonic_ns = 1000000000ULL + i * 1013;
		if (wire_encode_frame(&ev, frame, sizeof(frame), &len) != WIRE_OK ||
		    fwrite(frame, 1, len, f) != len) {
			fprintf(stderr, "codec-bench: writing %s failed\n", path);
			fclose(f);
			return 74;
		}
	}
	if (fclose(f) != 0) {
		perror(path);
		return 74;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static unsigned char frame[FRAME_CAP], other[FRAME_CAP];
	struct wire_event ev = sample(), out;
	size_t wire_len = 0, cbor_len, used;
	unsigned long n;
	uint64_t t0, t1, acc = 0;

	if (wire_encode_frame(&ev, frame, sizeof(frame), &wire_len) != WIRE_OK) {
		fprintf(stderr, "codec-bench: wire encoder failed\n");
		return 1;
	}
	cbor_len = cbor_encode_event(&ev, other, sizeof(other));
	if (cbor_len != wire_len || memcmp(frame, other, wire_len) != 0) {
		fprintf(stderr, "codec-bench: the encoders disagree (%zu vs %zu bytes)\n",
			wire_len, cbor_len);
		return 1;
	}
	memset(&out, 0, sizeof(out));
	if (wire_decode_frame(frame, wire_len, &out, &used, NULL) != WIRE_OK ||
	    !same_event(&ev, &out) ||
	    cbor_decode_event(frame, wire_len, &out) != 0 || !same_event(&ev, &out)) {
		fprintf(stderr, "codec-bench: a decoder disagrees\n");
		return 1;
	}
	if (argc == 2 && strcmp(argv[1], "check") == 0) {
		printf("identical %zu-byte frames\n", wire_len);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "capture") == 0)
		return write_capture(strtoul(argv[2], NULL, 10), argv[3]);
	if (argc != 3) {
		fprintf(stderr, "usage: codec-bench check | MODE N\n");
		return 64;
	}
	n = strtoul(argv[2], NULL, 10);
	t0 = now_ns();
	if (strcmp(argv[1], "wire-encode") == 0) {
		for (unsigned long i = 0; i < n; i++) {
			ev.pid = (uint32_t)i;
			wire_encode_frame(&ev, frame, sizeof(frame), &wire_len);
			acc += frame[wire_len - 1];
		}
	} else if (strcmp(argv[1], "cbor-encode") == 0) {
		for (unsigned long i = 0; i < n; i++) {
			ev.pid = (uint32_t)i;
			cbor_len = cbor_encode_event(&ev, frame, sizeof(frame));
			acc += frame[cbor_len - 1];
		}
	} else if (strcmp(argv[1], "wire-decode") == 0) {
		for (unsigned long i = 0; i < n; i++) {
			wire_decode_frame(frame, wire_len, &out, &used, NULL);
			acc += out.pid;
		}
	} else if (strcmp(argv[1], "cbor-decode") == 0) {
		for (unsigned long i = 0; i < n; i++) {
			cbor_decode_event(frame, wire_len, &out);
			acc += out.pid;
		}
	} else {
		fprintf(stderr, "codec-bench: unknown mode '%s'\n", argv[1]);
		return 64;
	}
	t1 = now_ns();
	sink_value = acc;
	printf("%.2f\n", n ? (double)(t1 - t0) / (double)n : 0.0);
	return 0;
}
