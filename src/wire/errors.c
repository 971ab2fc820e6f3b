/*
 * errors.c - names, one-line descriptions and log lines for decoder errors.
 */
#include <inttypes.h>
#include <stdio.h>

#include "cellos_wire.h"

static const struct {
	const char *name;
	const char *description;
} errors[WIRE_ERR_COUNT] = {
	[WIRE_OK] = { "Ok", "no error" },
	[WIRE_ERR_SHORT_HEADER] = { "ShortHeader",
		"fewer than 4 bytes where a length header should be" },
	[WIRE_ERR_FRAME_TOO_LARGE] = { "FrameTooLarge",
		"declared body length exceeds 4096 bytes" },
	[WIRE_ERR_FRAME_TRUNCATED] = { "FrameTruncated",
		"fewer body bytes than the header declared" },
	[WIRE_ERR_UNEXPECTED_EOF] = { "UnexpectedEof",
		"a CBOR item runs past the end of the body (or the body is empty)" },
	[WIRE_ERR_UNSUPPORTED_MAJOR] = { "UnsupportedMajor",
		"a CBOR major type outside the wire subset" },
	[WIRE_ERR_UNSUPPORTED_ADDITIONAL] = { "UnsupportedAdditional",
		"additional info 28-31 in a CBOR head (reserved or indefinite length)" },
	[WIRE_ERR_NOT_MAP5] = { "NotMap5",
		"the body does not start with a definite map of exactly 5 pairs" },
	[WIRE_ERR_CONTENT_VERSION_MUST_BE_FIRST] = { "ContentVersionMustBeFirst",
		"the first key is not content_version" },
	[WIRE_ERR_UNSUPPORTED_CONTENT_VERSION] = { "UnsupportedContentVersion",
		"content_version has a major version other than 1" },
	[WIRE_ERR_MISSING_FIELD] = { "MissingField",
		"a key is missing, unknown, duplicated or out of order" },
	[WIRE_ERR_FIELD_TYPE] = { "FieldType",
		"a field has the wrong CBOR type or is too long" },
	[WIRE_ERR_INTEGER_OVERFLOW] = { "IntegerOverflow",
		"an integer field is larger than its type allows" },
	[WIRE_ERR_UNKNOWN_PROBE_SOURCE] = { "UnknownProbeSource",
		"probe_source is not a known probe identifier" },
	[WIRE_ERR_INVALID_UTF8] = { "InvalidUtf8",
		"a text string is not valid UTF-8" },
	[WIRE_ERR_TRAILING_BYTES] = { "TrailingBytes",
		"bytes left in the body after the map" },
	[WIRE_ERR_BUFFER_TOO_SMALL] = { "BufferTooSmall",
		"the output buffer is too small for the encoding" },
};

const char *wire_error_name(enum wire_error err)
{
	if ((unsigned)err >= WIRE_ERR_COUNT)
		return "Unknown";
	return errors[err].name;
}

const char *wire_error_description(enum wire_error err)
{
	if ((unsigned)err >= WIRE_ERR_COUNT)
		return "unknown error code";
	return errors[err].description;
}

static const char *field_name(enum wire_field f)
{
	switch (f) {
	case WIRE_FIELD_CONTENT_VERSION:
		return "content_version";
	case WIRE_FIELD_PROBE_SOURCE:
		return "probe_source";
	case WIRE_FIELD_GUEST_PID:
		return "guest_pid";
	case WIRE_FIELD_GUEST_COMM:
		return "guest_comm";
	case WIRE_FIELD_GUEST_MONOTONIC_NS:
		return "guest_monotonic_ns";
	case WIRE_FIELD_NONE:
		break;
	}
	return NULL;
}

static const char *major_name(int major)
{
	static const char *const names[] = {
		"uint", "negative int", "bytes", "text",
		"array", "map", "tag", "simple/float",
	};

	if (major < 0 || major > 7)
		return "?";
	return names[major];
}

/* The major type a field's value must have. */
static int field_major(enum wire_field f)
{
	return f == WIRE_FIELD_PROBE_SOURCE || f == WIRE_FIELD_GUEST_COMM ? 3 : 0;
}

/* Bounded appending: pos keeps counting past cap, as snprintf does. */
struct out {
	char *buf;
	size_t cap;
	size_t pos;
};

static void add(struct out *o, int n)
{
	if (n > 0)
		o->pos += (size_t)n;
}

#define APPEND(o, ...)                                                       \
	add((o), snprintf((o)->pos < (o)->cap ? (o)->buf + (o)->pos : NULL,  \
			  (o)->pos < (o)->cap ? (o)->cap - (o)->pos : 0,     \
			  __VA_ARGS__))

static void describe(struct out *o, const struct wire_error_detail *d)
{
	unsigned long long v = d->value;

	switch (d->code) {
	case WIRE_ERR_SHORT_HEADER:
		if (d->has_value)
			APPEND(o, "length header of %llu bytes where 4 are needed", v);
		else
			APPEND(o, "length header cut short");
		return;
	case WIRE_ERR_FRAME_TOO_LARGE:
		APPEND(o, "body length %llu exceeds %d", v,
		       CELLOS_WIRE_MAX_FRAME_BODY_BYTES);
		return;
	case WIRE_ERR_FRAME_TRUNCATED:
		APPEND(o, "header declares %llu body bytes, fewer arrived", v);
		return;
	case WIRE_ERR_UNEXPECTED_EOF:
		if (d->has_value)
			APPEND(o, "text of %llu bytes runs past the end of the body", v);
		else
			APPEND(o, "CBOR item runs past the end of the body");
		return;
	case WIRE_ERR_UNSUPPORTED_MAJOR:
		APPEND(o, "major type %d (%s) is outside the wire subset",
		       d->major, major_name(d->major));
		return;
	case WIRE_ERR_UNSUPPORTED_ADDITIONAL:
		APPEND(o, "additional info %d (%s)", d->additional,
		       d->additional == 31 ? "indefinite length" : "reserved");
		return;
	case WIRE_ERR_NOT_MAP5:
		if (d->has_value)
			APPEND(o, "map of %llu pairs where exactly 5 are required", v);
		else
			APPEND(o, "major type %d (%s) where a map of 5 pairs is required",
			       d->major, major_name(d->major));
		return;
	case WIRE_ERR_CONTENT_VERSION_MUST_BE_FIRST:
		APPEND(o, "the first key is not \"content_version\"");
		return;
	case WIRE_ERR_UNSUPPORTED_CONTENT_VERSION:
		APPEND(o, "version 0x%04llx (major %llu) where major %d is required",
		       v, v >> 8, WIRE_CONTENT_VERSION_MAJOR);
		return;
	case WIRE_ERR_MISSING_FIELD:
		APPEND(o, "key expected here is missing (found another key or a non-text item)");
		return;
	case WIRE_ERR_FIELD_TYPE:
		if (d->has_value)
			APPEND(o, "text of length %llu where at most %d characters (%d bytes) are allowed",
			       v, WIRE_COMM_MAX_CHARS, WIRE_COMM_MAX_BYTES);
		else
			APPEND(o, "major type %d (%s) where %d (%s) is required",
			       d->major, major_name(d->major),
			       field_major(d->field),
			       major_name(field_major(d->field)));
		return;
	case WIRE_ERR_INTEGER_OVERFLOW:
		APPEND(o, "value %llu is too large", v);
		return;
	case WIRE_ERR_UNKNOWN_PROBE_SOURCE:
		APPEND(o, "unknown probe identifier (%llu bytes)", v);
		return;
	case WIRE_ERR_INVALID_UTF8:
		APPEND(o, "invalid UTF-8 sequence");
		return;
	case WIRE_ERR_TRAILING_BYTES:
		APPEND(o, "%llu bytes after the map", v);
		return;
	case WIRE_OK:
	case WIRE_ERR_BUFFER_TOO_SMALL:
	case WIRE_ERR_COUNT:
		break;
	}
	APPEND(o, "%s", wire_error_description(d->code));
}

int wire_error_format(const struct wire_error_detail *d, char *buf, size_t cap)
{
	struct out o = { buf, buf != NULL ? cap : 0, 0 };
	const char *f;

	if (o.cap > 0)
		buf[0] = '\0';
	if (d == NULL)
		return 0;
	f = field_name(d->field);
	if (f != NULL)
		APPEND(&o, "%s: ", f);
	describe(&o, d);
	if (d->code != WIRE_OK && d->code != WIRE_ERR_BUFFER_TOO_SMALL)
		APPEND(&o, ", at offset %" PRIu64, d->offset);
	return o.pos > INT32_MAX ? INT32_MAX : (int)o.pos;
}
