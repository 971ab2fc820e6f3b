/*
 * probes.c - the five v1 probe identifiers and their lookup.
 */
#include <string.h>

#include "cellos_wire.h"
#include "internal.h"

static const struct {
	const char *name;
	size_t len;
} probes[WIRE_PROBE_COUNT] = {
#define PROBE(id, s) [id] = { s, sizeof(s) - 1 }
	PROBE(WIRE_PROBE_PROCESS_SPAWNED, "process.spawned"),
	PROBE(WIRE_PROBE_PROCESS_EXITED, "process.exited"),
	PROBE(WIRE_PROBE_CAPABILITY_DENIED, "capability.denied"),
	PROBE(WIRE_PROBE_FS_INOTIFY_FIRED, "fs.inotify_fired"),
	PROBE(WIRE_PROBE_NET_CONNECT_ATTEMPTED, "net.connect_attempted"),
#undef PROBE
};

const char *cw_probe_str(enum wire_probe probe, size_t *len)
{
	if ((unsigned)probe >= WIRE_PROBE_COUNT)
		return NULL;
	*len = probes[probe].len;
	return probes[probe].name;
}

const char *wire_probe_name(enum wire_probe probe)
{
	/* Compare as unsigned: an enum may hold a negative value. */
	if ((unsigned)probe >= WIRE_PROBE_COUNT)
		return NULL;
	return probes[probe].name;
}

bool wire_probe_lookup(const char *s, size_t len, enum wire_probe *out)
{
	unsigned i;

	if (s == NULL)
		return false;
	for (i = 0; i < WIRE_PROBE_COUNT; i++) {
		if (probes[i].len == len && memcmp(probes[i].name, s, len) == 0) {
			if (out != NULL)
				*out = (enum wire_probe)i;
			return true;
		}
	}
	return false;
}
