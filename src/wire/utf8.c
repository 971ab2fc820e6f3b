/*
 * utf8.c - the UTF-8 validator the decoder uses and the comm sanitizer the
 * sending side uses.  Both walk the same RFC 3629 table, so whatever the
 * sanitizer produces the validator accepts.
 */
#include <string.h>

#include "cellos_wire.h"
#include "internal.h"

/* U+FFFD REPLACEMENT CHARACTER, what an invalid byte becomes. */
static const uint8_t replacement[] = { 0xef, 0xbf, 0xbd };

static inline int in_range(uint8_t b, uint8_t lo, uint8_t hi)
{
	return b >= lo && b <= hi;
}

size_t cw_utf8_seq_len(const uint8_t *s, size_t len)
{
	uint8_t b0, lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (len == 0)
		return 0;
	b0 = s[0];
	if (b0 < 0x80)
		return 1;
	if (in_range(b0, 0xc2, 0xdf)) {
		n = 2;
	} else if (in_range(b0, 0xe0, 0xef)) {
		n = 3;
		if (b0 == 0xe0)
			lo = 0xa0; /* below is overlong */
		else if (b0 == 0xed)
			hi = 0x9f; /* above is a surrogate */
	} else if (in_range(b0, 0xf0, 0xf4)) {
		n = 4;
		if (b0 == 0xf0)
			lo = 0x90; /* below is overlong */
		else if (b0 == 0xf4)
			hi = 0x8f; /* above is past U+10FFFF */
	} else {
		return 0; /* continuation byte, C0/C1 overlong lead, F5-FF */
	}
	if (len < n)
		return 0;
	if (!in_range(s[1], lo, hi))
		return 0;
	for (i = 2; i < n; i++)
		if (!in_range(s[i], 0x80, 0xbf))
			return 0;
	return n;
}

bool wire_utf8_valid(const uint8_t *s, size_t len, size_t *bad_at)
{
	size_t off = 0, n;

	while (off < len) {
		/* ASCII runs are the common case in process names. */
		if (s[off] < 0x80) {
			off++;
			continue;
		}
		n = cw_utf8_seq_len(s + off, len - off);
		if (n == 0) {
			if (bad_at != NULL)
				*bad_at = off;
			return false;
		}
		off += n;
	}
	return true;
}

size_t wire_utf8_chars(const uint8_t *s, size_t len)
{
	size_t i, chars = 0;

	/* In valid UTF-8 every character has exactly one non-continuation
	 * byte. */
	for (i = 0; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			chars++;
	return chars;
}

size_t wire_comm_sanitize(const void *in, size_t in_len,
			  char out[WIRE_COMM_MAX_BYTES + 1])
{
	const uint8_t *s = in;
	const void *nul;
	size_t off = 0, olen = 0, chars = 0, n;

	if (s == NULL)
		in_len = 0;
	else if ((nul = memchr(s, '\0', in_len)) != NULL)
		in_len = (size_t)((const uint8_t *)nul - s);

	while (off < in_len && chars < WIRE_COMM_MAX_CHARS) {
		n = cw_utf8_seq_len(s + off, in_len - off);
		if (n == 0) {
			memcpy(out + olen, replacement, sizeof(replacement));
			olen += sizeof(replacement);
			off++;
		} else {
			memcpy(out + olen, s + off, n);
			olen += n;
			off += n;
		}
		chars++;
	}
	out[olen] = '\0';
	return olen;
}

void wire_event_set_comm(struct wire_event *ev, const void *raw, size_t len)
{
	ev->comm_len = (uint8_t)wire_comm_sanitize(raw, len, ev->comm);
}
