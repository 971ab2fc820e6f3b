/*
 * cellos_wire.h - the CellOS guest telemetry wire format, version 1.
 *
 * What this library promises:
 *  - The encoder writes RFC 8949 preferred serialization (one byte string
 *    per event), into a buffer the caller owns.  It never allocates.
 *  - The decoder is strict (see cellos-telemetry-wire(7) for the subset):
 *    it never allocates and never reads outside the buffer it is given,
 *    whatever the bytes.  Every rejection names one enum wire_error and
 *    fills a struct wire_error_detail saying where and what.
 *  - The stream decoder takes bytes as they arrive, split anywhere, and
 *    returns whole frames; it holds at most one frame (4 + 4096 bytes).
 *  - Nothing here keeps global mutable state; all functions are reentrant.
 *
 * Link with -lcellos-wire (pkg-config cellos-wire).
 */
#ifndef CELLOS_WIRE_H
#define CELLOS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Transport constants (wire-v1 "Transport").  The host's CID is the
 * kernel's VMADDR_CID_HOST of <linux/vm_sockets.h>, under this header's
 * prefix so that including both never clashes. */
#define CELLOS_WIRE_VMADDR_CID_HOST 2
#define CELLOS_WIRE_VSOCK_TELEMETRY_PORT 9001

#define WIRE_CONTENT_VERSION_MAJOR 1
#define WIRE_CONTENT_VERSION_MINOR 0
/* content_version as sent: (major << 8) | minor. */
#define WIRE_CONTENT_VERSION \
	((WIRE_CONTENT_VERSION_MAJOR << 8) | WIRE_CONTENT_VERSION_MINOR)

#define CELLOS_WIRE_MAX_FRAME_BODY_BYTES 4096
#define WIRE_FRAME_HEADER_BYTES 4
#define WIRE_MAX_FRAME_BYTES \
	(WIRE_FRAME_HEADER_BYTES + CELLOS_WIRE_MAX_FRAME_BODY_BYTES)

/* guest_comm: at most 16 characters of at most 4 UTF-8 bytes each. */
#define WIRE_COMM_MAX_CHARS 16
#define WIRE_COMM_MAX_BYTES (WIRE_COMM_MAX_CHARS * 4)

/* Room for the longest JSON rendering of one event's wire fields
 * (wire_event_to_json) whose comm is valid (at most 16 characters, each
 * at worst escaped as \u00XX), plus keys and the NUL. */
#define WIRE_JSON_MAX_BYTES 512

/* ---- probe identifiers ------------------------------------------------ */

enum wire_probe {
	WIRE_PROBE_PROCESS_SPAWNED = 0, /* "process.spawned" */
	WIRE_PROBE_PROCESS_EXITED,      /* "process.exited" */
	WIRE_PROBE_CAPABILITY_DENIED,   /* "capability.denied" */
	WIRE_PROBE_FS_INOTIFY_FIRED,    /* "fs.inotify_fired" */
	WIRE_PROBE_NET_CONNECT_ATTEMPTED, /* "net.connect_attempted" */
	WIRE_PROBE_COUNT
};

/* The identifier string of a probe, or NULL when out of range. */
const char *wire_probe_name(enum wire_probe probe);

/* Look up an identifier of len bytes (not NUL-terminated).  Returns true
 * and sets *out when it is one of the five. */
bool wire_probe_lookup(const char *s, size_t len, enum wire_probe *out);

/* ---- the event -------------------------------------------------------- */

struct wire_event {
	uint16_t content_version; /* filled by the decoder; the encoder
	                             always sends WIRE_CONTENT_VERSION */
	enum wire_probe probe;
	uint32_t pid;
	uint8_t comm_len;         /* bytes in comm, without the NUL */
	char comm[WIRE_COMM_MAX_BYTES + 1]; /* valid UTF-8, NUL-terminated */
	uint64_t monotonic_ns;
};

/* ---- errors ----------------------------------------------------------- */

enum wire_error {
	WIRE_OK = 0,
	WIRE_ERR_SHORT_HEADER,
	WIRE_ERR_FRAME_TOO_LARGE,
	WIRE_ERR_FRAME_TRUNCATED,
	WIRE_ERR_UNEXPECTED_EOF,
	WIRE_ERR_UNSUPPORTED_MAJOR,
	WIRE_ERR_UNSUPPORTED_ADDITIONAL,
	WIRE_ERR_NOT_MAP5,
	WIRE_ERR_CONTENT_VERSION_MUST_BE_FIRST,
	WIRE_ERR_UNSUPPORTED_CONTENT_VERSION,
	WIRE_ERR_MISSING_FIELD,
	WIRE_ERR_FIELD_TYPE,
	WIRE_ERR_INTEGER_OVERFLOW,
	WIRE_ERR_UNKNOWN_PROBE_SOURCE,
	WIRE_ERR_INVALID_UTF8,
	WIRE_ERR_TRAILING_BYTES,
	/* Encoder only: the caller's buffer cannot hold the output. */
	WIRE_ERR_BUFFER_TOO_SMALL,
	WIRE_ERR_COUNT
};

/* Which field an error concerns (0 when none: framing, the map head). */
enum wire_field {
	WIRE_FIELD_NONE = 0,
	WIRE_FIELD_CONTENT_VERSION = 1,
	WIRE_FIELD_PROBE_SOURCE = 2,
	WIRE_FIELD_GUEST_PID = 3,
	WIRE_FIELD_GUEST_COMM = 4,
	WIRE_FIELD_GUEST_MONOTONIC_NS = 5,
};

#define WIRE_DETAIL_NONE (-1)

struct wire_error_detail {
	enum wire_error code;
	enum wire_field field;
	/* Offset of the offending byte: within the body for wire_decode_body,
	 * within the buffer for wire_decode_frame, within the whole stream for
	 * the stream decoder. */
	uint64_t offset;
	int major;          /* CBOR major type found, or WIRE_DETAIL_NONE */
	int additional;     /* CBOR additional info found, or WIRE_DETAIL_NONE */
	bool has_value;
	uint64_t value;     /* the value found (a length, an integer, a count) */
};

/* "FrameTooLarge" etc.: the spec's name; "Unknown" when out of range. */
const char *wire_error_name(enum wire_error err);
/* One line, lower case, no trailing period. */
const char *wire_error_description(enum wire_error err);
/* Render a detail as one human-readable line ("guest_pid: major type 3
 * (text) where 0 (uint) is required, at offset 57").  Always
 * NUL-terminates when cap > 0; returns what snprintf would. */
int wire_error_format(const struct wire_error_detail *d, char *buf, size_t cap);

/* ---- encode ----------------------------------------------------------- */

/* Longest body any valid event can encode to. */
#define WIRE_MAX_EVENT_BODY_BYTES 192

/* Encode the CBOR body of ev into buf[0..cap).  On success sets *out_len.
 * Errors: WIRE_ERR_BUFFER_TOO_SMALL, WIRE_ERR_FRAME_TOO_LARGE (the body
 * would pass CELLOS_WIRE_MAX_FRAME_BODY_BYTES), WIRE_ERR_UNKNOWN_PROBE_SOURCE,
 * WIRE_ERR_INVALID_UTF8 (comm not valid UTF-8 or longer than 16
 * characters).  buf is unspecified on error; on success the bytes of
 * buf[*out_len..cap) may have been written too (the encoder writes whole
 * blocks when cap >= WIRE_MAX_EVENT_BODY_BYTES). */
enum wire_error wire_encode_body(const struct wire_event *ev, uint8_t *buf,
				 size_t cap, size_t *out_len);

/* The same, with the 4-byte little-endian length header in front. */
enum wire_error wire_encode_frame(const struct wire_event *ev, uint8_t *buf,
				  size_t cap, size_t *out_len);

/* ---- decode ----------------------------------------------------------- */

/* Decode exactly one body of len bytes.  d may be NULL. */
enum wire_error wire_decode_body(const uint8_t *body, size_t len,
				 struct wire_event *ev,
				 struct wire_error_detail *d);

/* Decode the frame at the start of buf (header + body).  *consumed is set
 * to the frame's whole size whenever the header could be read, the length
 * is acceptable and the whole body is in buf (so a caller can skip a
 * frame with a body-level error), else to 0 (ShortHeader, FrameTooLarge,
 * FrameTruncated).  d may be NULL. */
enum wire_error wire_decode_frame(const uint8_t *buf, size_t len,
				  struct wire_event *ev, size_t *consumed,
				  struct wire_error_detail *d);

/* ---- stream decoder --------------------------------------------------- */

enum wire_stream_status {
	WIRE_STREAM_NEED_MORE = 0, /* all input consumed, no frame complete */
	WIRE_STREAM_FRAME,         /* *ev holds a decoded frame */
	WIRE_STREAM_FRAME_ERROR,   /* a whole frame arrived but its body is
	                              bad; *d says why; the stream goes on */
	WIRE_STREAM_FATAL,         /* framing error (FrameTooLarge): the
	                              stream cannot be resynchronised; close */
};

struct wire_stream {
	uint8_t buf[WIRE_MAX_FRAME_BYTES];
	size_t have;          /* bytes of the current frame held in buf */
	size_t need;          /* 0 while reading the header, else 4 + body */
	uint64_t offset;      /* stream offset of buf[0] */
	bool failed;          /* a fatal error was returned */
};

void wire_stream_init(struct wire_stream *s);

/* Feed len bytes.  Consumes input up to and including the end of at most
 * one frame, sets *consumed, and reports.  Call again with the rest of the
 * input until it returns WIRE_STREAM_NEED_MORE.  After WIRE_STREAM_FATAL
 * every further call returns WIRE_STREAM_FATAL again.  d may be NULL;
 * offsets in d are stream offsets. */
enum wire_stream_status wire_stream_feed(struct wire_stream *s,
					 const uint8_t *data, size_t len,
					 size_t *consumed,
					 struct wire_event *ev,
					 struct wire_error_detail *d);

/* The peer closed the stream.  WIRE_OK when it ended on a frame boundary,
 * else WIRE_ERR_SHORT_HEADER (inside a header) or WIRE_ERR_FRAME_TRUNCATED
 * (inside a body), or WIRE_ERR_FRAME_TOO_LARGE again after a fatal
 * error, with d filled.  d may be NULL. */
enum wire_error wire_stream_finish(const struct wire_stream *s,
				   struct wire_error_detail *d);

/* Total bytes accepted so far. */
uint64_t wire_stream_offset(const struct wire_stream *s);

/* ---- UTF-8 ------------------------------------------------------------ */

/* True when s[0..len) is valid UTF-8 (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF, no truncated sequence).  On false,
 * *bad_at (if not NULL) is the offset of the first byte of the first bad
 * sequence. */
bool wire_utf8_valid(const uint8_t *s, size_t len, size_t *bad_at);

/* Number of code points in valid UTF-8 s[0..len). */
size_t wire_utf8_chars(const uint8_t *s, size_t len);

/* Turn arbitrary bytes into a comm fit for the wire: input stops at the
 * first NUL or after in_len bytes; each byte that does not start a valid
 * sequence becomes U+FFFD; the result is cut to at most
 * WIRE_COMM_MAX_CHARS characters, never inside a character.  out gets the
 * result NUL-terminated; returns its length in bytes (<= WIRE_COMM_MAX_BYTES). */
size_t wire_comm_sanitize(const void *in, size_t in_len,
			  char out[WIRE_COMM_MAX_BYTES + 1]);

/* Convenience: sanitize raw bytes into ev->comm / ev->comm_len. */
void wire_event_set_comm(struct wire_event *ev, const void *raw, size_t len);

/* ---- JSON ------------------------------------------------------------- */

/* Write the five wire fields of ev as JSON members, without braces:
 *   "content_version":256,"probe_source":"process.spawned",
 *   "guest_pid":42,"guest_comm":"sh","guest_monotonic_ns":1000000000
 * comm is escaped so that the result is valid JSON for any UTF-8 (quotes,
 * backslashes, control characters and DEL as \u00xx; a byte that is not
 * valid UTF-8 as \ufffd).  Returns the length written (NUL-terminated),
 * or 0 when cap is too small or ev->probe is out of range
 * (WIRE_JSON_MAX_BYTES is always enough for an event the decoder
 * produced or the encoder accepts). */
size_t wire_event_to_json(const struct wire_event *ev, char *buf, size_t cap);

/* Append s[0..len) to buf as a JSON string body (no quotes), escaping as
 * above; s must be valid UTF-8.  Returns bytes written without the NUL,
 * or SIZE_MAX when it would not fit with its NUL. */
size_t wire_json_escape(const char *s, size_t len, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* CELLOS_WIRE_H */
