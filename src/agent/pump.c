/*
 * pump.c - event -> record -> sink.
 */
#include "config.h"

#include <string.h>

#include "pump.h"

void pump_init(struct pump *p, enum pump_format format, pump_push_fn push,
	       void *push_ctx)
{
	memset(p, 0, sizeof(*p));
	p->format = format;
	p->push = push;
	p->push_ctx = push_ctx;
	p->probes = ~0u;
}

void pump_set_probes(struct pump *p, unsigned int mask)
{
	p->probes = mask;
}

uint64_t pump_clamp_ts(struct pump *p, uint64_t ts)
{
	if (ts == 0)
		ts = clock_now_ns();
	/* Events from different sources (and held events) arrive out of
	 * kernel order; the stream promises strictly increasing stamps so a
	 * receiver can detect reordering or replay. */
	if (ts <= p->last_ts) {
		if (p->last_ts == UINT64_MAX)
			return UINT64_MAX; /* cannot happen within 584 years */
		ts = p->last_ts + 1;
	}
	p->last_ts = ts;
	return ts;
}

void pump_emit(struct pump *p, enum wire_probe probe, uint32_t pid,
	       const void *comm_raw, size_t comm_len, uint64_t ts_ns)
{
	struct wire_event ev;
	uint8_t rec[WIRE_JSON_MAX_BYTES + 3];
	size_t len = 0;
	enum wire_error err;

	if ((unsigned)probe < WIRE_PROBE_COUNT && !(p->probes & (1u << probe)))
		return;
	memset(&ev, 0, sizeof(ev));
	ev.content_version = WIRE_CONTENT_VERSION;
	ev.probe = probe;
	ev.pid = pid;
	wire_event_set_comm(&ev, comm_raw ? comm_raw : "", comm_raw ? comm_len : 0);
	ev.monotonic_ns = pump_clamp_ts(p, ts_ns);

	if (p->format == PUMP_FORMAT_JSON) {
		rec[0] = '{';
		size_t n = wire_event_to_json(&ev, (char *)rec + 1, sizeof(rec) - 3);
		if (n == 0) {
			p->encode_errors++;
			stats_add(STAT_DROP_UNKNOWN, 1);
			return;
		}
		rec[1 + n] = '}';
		rec[2 + n] = '\n';
		len = n + 3;
	} else {
		err = wire_encode_frame(&ev, rec, sizeof(rec), &len);
		if (err != WIRE_OK) {
			p->encode_errors++;
			stats_add(STAT_DROP_UNKNOWN, 1);
			return;
		}
	}
	stats_add(STAT_PRODUCED, 1);
	if (!p->push(p->push_ctx, rec, len))
		stats_add(STAT_DROP_QUEUE_FULL, 1);
}
