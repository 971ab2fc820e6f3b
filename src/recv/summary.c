/* summary.c - see summary.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "recv/summary.h"

void recv_summary_init(struct recv_summary *s)
{
	memset(s, 0, sizeof(*s));
}

/* FNV-1a: short keys, no attacker gain beyond longer probes in a table
 * whose size is bounded anyway. */
static uint32_t hash_bytes(const char *p, size_t n, uint32_t h)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 16777619u;
	}
	return h;
}

static bool tabled(enum wire_probe p)
{
	return (unsigned)p < WIRE_PROBE_COUNT &&
	       p != WIRE_PROBE_PROCESS_EXITED;
}

static void count_comm(struct recv_comm_table *t, const char *comm,
		       uint8_t len)
{
	uint32_t i = hash_bytes(comm, len, 2166136261u) &
		     (RECV_SUMMARY_COMM_SLOTS - 1);

	t->total++;
	for (;;) {
		struct recv_comm_count *e = &t->slot[i];
		if (e->count == 0)
			break;
		if (e->len == len && memcmp(e->comm, comm, len) == 0) {
			e->count++;
			return;
		}
		i = (i + 1) & (RECV_SUMMARY_COMM_SLOTS - 1);
	}
	/* Not there: slot i is free (the table is never more than half
	 * full, so the probe above always ends). */
	if (t->used >= RECV_SUMMARY_MAX_COMMS) {
		t->overflow++;
		return;
	}
	struct recv_comm_count *e = &t->slot[i];
	e->count = 1;
	e->len = len;
	memcpy(e->comm, comm, len);
	e->comm[len] = '\0';
	t->used++;
}

static uint32_t live_home(uint64_t conn, uint32_t pid)
{
	uint64_t h = (uint64_t)pid * 0x9e3779b97f4a7c15ull ^
		     (conn + 1) * 0xc2b2ae3d27d4eb4full;
	return (uint32_t)(h >> 32) & (RECV_SUMMARY_LIVE_SLOTS - 1);
}

/* The slot holding (conn, pid), or the free slot where it would go. */
static uint32_t live_find(const struct recv_live_table *t, uint64_t conn,
			  uint32_t pid)
{
	uint32_t i = live_home(conn, pid);
	while (t->slot[i].used &&
	       !(t->slot[i].pid == pid && t->slot[i].conn == conn))
		i = (i + 1) & (RECV_SUMMARY_LIVE_SLOTS - 1);
	return i;
}

static void live_spawn(struct recv_live_table *t, uint64_t conn,
		       const struct wire_event *ev)
{
	uint32_t i = live_find(t, conn, ev->pid);
	struct recv_live *e = &t->slot[i];

	if (!e->used) {
		if (t->used >= RECV_SUMMARY_MAX_LIVE) {
			t->overflow++;
			return;
		}
		e->used = true;
		e->conn = conn;
		e->pid = ev->pid;
		t->used++;
	}
	/* Spawned again without an exit seen (pid reuse, a lost exit): the
	 * newest program is the one running. */
	e->len = ev->comm_len <= WIRE_COMM_MAX_BYTES ? ev->comm_len : 0;
	memcpy(e->comm, ev->comm, e->len);
	e->comm[e->len] = '\0';
}

/* Linear probing without tombstones: after emptying a slot, move back
 * every later entry of the run that may no longer be found. */
static void live_exit(struct recv_live_table *t, uint64_t conn, uint32_t pid)
{
	const uint32_t mask = RECV_SUMMARY_LIVE_SLOTS - 1;
	uint32_t i = live_find(t, conn, pid);

	if (!t->slot[i].used)
		return; /* spawned before the run, or not tracked */
	t->slot[i].used = false;
	t->used--;
	for (uint32_t j = (i + 1) & mask; t->slot[j].used; j = (j + 1) & mask) {
		uint32_t k = live_home(t->slot[j].conn, t->slot[j].pid);
		/* Entry j stays when its home lies cyclically in (i, j]. */
		bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
		if (stays)
			continue;
		t->slot[i] = t->slot[j];
		t->slot[j].used = false;
		i = j;
	}
}

static bool before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

void recv_summary_frame(struct recv_summary *s, const struct timespec *host,
			uint64_t conn, const struct wire_event *ev)
{
	if (s->frames == 0) {
		s->host_first = *host;
		s->host_last = *host;
		s->guest_min_ns = ev->monotonic_ns;
		s->guest_max_ns = ev->monotonic_ns;
	}
	s->frames++;
	/* Reads are stamped in order; a clock stepped back is not a span. */
	if (before(&s->host_last, host))
		s->host_last = *host;
	if (ev->monotonic_ns < s->guest_min_ns)
		s->guest_min_ns = ev->monotonic_ns;
	if (ev->monotonic_ns > s->guest_max_ns)
		s->guest_max_ns = ev->monotonic_ns;
	if ((unsigned)ev->probe >= WIRE_PROBE_COUNT)
		return; /* the decoder never gives one */
	s->by_probe[ev->probe]++;
	if (tabled(ev->probe))
		count_comm(&s->by_comm[ev->probe], ev->comm,
			   ev->comm_len <= WIRE_COMM_MAX_BYTES ? ev->comm_len : 0);
	if (ev->probe == WIRE_PROBE_PROCESS_SPAWNED)
		live_spawn(&s->live, conn, ev);
	else if (ev->probe == WIRE_PROBE_PROCESS_EXITED)
		live_exit(&s->live, conn, ev->pid);
}

void recv_summary_error(struct recv_summary *s, enum wire_error code)
{
	unsigned i = (unsigned)code;
	if (i > WIRE_ERR_COUNT)
		i = WIRE_ERR_COUNT;
	s->by_error[i]++;
	s->errors++;
}

void recv_summary_silence(struct recv_summary *s)
{
	s->silences++;
}

void recv_summary_conn_open(struct recv_summary *s, uint64_t id)
{
	s->connections++;
	if (s->n_conns >= RECV_SUMMARY_MAX_CONNS)
		return;
	struct recv_summary_conn *k = &s->conns[s->n_conns++];
	memset(k, 0, sizeof(*k));
	k->id = id;
}

/* Copy why, cut to fit (the reasons are the receiver's own ASCII). */
static void set_why(char dst[RECV_SUMMARY_WHY_BYTES], const char *why)
{
	size_t n = strnlen(why, RECV_SUMMARY_WHY_BYTES - 1);
	memcpy(dst, why, n);
	dst[n] = '\0';
}

void recv_summary_conn_close(struct recv_summary *s, uint64_t id,
			     const char *why, uint64_t frames, uint64_t bytes)
{
	char cut[RECV_SUMMARY_WHY_BYTES];

	s->closed++;
	set_why(cut, why);
	for (unsigned i = 0; i < s->n_conns; i++) {
		struct recv_summary_conn *k = &s->conns[i];
		if (k->id != id || k->closed)
			continue;
		k->closed = true;
		k->frames = frames;
		k->bytes = bytes;
		memcpy(k->why, cut, sizeof(cut));
		break;
	}
	for (unsigned i = 0; i < s->n_endings; i++) {
		if (strcmp(s->endings[i].why, cut) == 0) {
			s->endings[i].count++;
			return;
		}
	}
	if (s->n_endings >= RECV_SUMMARY_MAX_ENDINGS) {
		s->other_endings++;
		return;
	}
	struct recv_summary_ending *e = &s->endings[s->n_endings++];
	e->count = 1;
	memcpy(e->why, cut, sizeof(cut));
}

const struct recv_comm_table *recv_summary_comms(const struct recv_summary *s,
						 enum wire_probe p)
{
	return tabled(p) ? &s->by_comm[p] : NULL;
}

static int by_count_then_comm(const void *a, const void *b)
{
	const struct recv_comm_count *x = *(const struct recv_comm_count *const *)a;
	const struct recv_comm_count *y = *(const struct recv_comm_count *const *)b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->comm, y->comm, n);
	if (c != 0)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

size_t recv_summary_top(const struct recv_comm_table *t,
			const struct recv_comm_count **out, size_t cap)
{
	const struct recv_comm_count *all[RECV_SUMMARY_MAX_COMMS];
	size_t n = 0;

	for (size_t i = 0; i < RECV_SUMMARY_COMM_SLOTS && n < RECV_SUMMARY_MAX_COMMS; i++)
		if (t->slot[i].count > 0)
			all[n++] = &t->slot[i];
	qsort(all, n, sizeof(all[0]), by_count_then_comm);
	if (n > cap)
		n = cap;
	memcpy(out, all, n * sizeof(all[0]));
	return n;
}

static int by_conn_then_pid(const void *a, const void *b)
{
	const struct recv_live *x = *(const struct recv_live *const *)a;
	const struct recv_live *y = *(const struct recv_live *const *)b;

	if (x->conn != y->conn)
		return x->conn < y->conn ? -1 : 1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

size_t recv_summary_running(const struct recv_summary *s,
			    const struct recv_live **out, size_t cap)
{
	/* 32 KiB of stack, once, at the end of the run. */
	const struct recv_live *all[RECV_SUMMARY_MAX_LIVE];
	size_t n = 0;

	for (size_t i = 0; i < RECV_SUMMARY_LIVE_SLOTS && n < RECV_SUMMARY_MAX_LIVE; i++)
		if (s->live.slot[i].used)
			all[n++] = &s->live.slot[i];
	qsort(all, n, sizeof(all[0]), by_conn_then_pid);
	if (n > cap)
		n = cap;
	memcpy(out, all, n * sizeof(all[0]));
	return n;
}
