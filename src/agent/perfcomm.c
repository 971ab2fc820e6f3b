/*
 * perfcomm.c - perf side-band records: events, rings and their decoder
 * (see perfcomm.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "perfcomm.h"
#include "clock.h"

#define PERFCOMM_CPULIST "/sys/devices/system/cpu/online"
#define PERFCOMM_PARANOID "/proc/sys/kernel/perf_event_paranoid"

/* sample_id_all with TID | TIME appends { u32 pid, tid; u64 time; }. */
#define SAMPLE_ID_BYTES 16
#define HEADER_BYTES 8

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Copy len bytes at free-running offset off of a ring of size bytes. */
static void ring_copy(uint8_t *dst, const uint8_t *data, size_t size,
		      uint64_t off, size_t len)
{
	size_t at = (size_t)(off & (size - 1));
	size_t first = size - at < len ? size - at : len;

	memcpy(dst, data + at, first);
	if (first < len)
		memcpy(dst + first, data, len - first);
}

/* Decode one record into it->rec or a lost count.  Returns false for
 * records that are not ours (throttling, anything newer, too short). */
static bool decode(const uint8_t *rec, size_t size, uint32_t type,
		   uint16_t misc, struct perfcomm_view *it)
{
	struct perfcomm_rec *r = &it->rec;

	memset(r, 0, sizeof(*r));
	it->lost = false;
	switch (type) {
	case PERF_RECORD_COMM: {
		if (size < HEADER_BYTES + 8 + SAMPLE_ID_BYTES)
			return false;
		size_t room = size - HEADER_BYTES - 8 - SAMPLE_ID_BYTES;
		if (room > PERFCOMM_NAME_LEN)
			room = PERFCOMM_NAME_LEN;
		r->kind = PERFCOMM_COMM;
		r->pid = get_u32(rec + 8);
		r->tid = get_u32(rec + 12);
		r->name_len = (uint8_t)strnlen((const char *)rec + 16, room);
		memcpy(r->name, rec + 16, r->name_len);
		r->exec = (misc & PERF_RECORD_MISC_COMM_EXEC) != 0;
		r->time = get_u64(rec + size - 8);
		return true;
	}
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT:
		if (size < HEADER_BYTES + 24)
			return false;
		r->kind = type == PERF_RECORD_FORK ? PERFCOMM_FORK : PERFCOMM_EXIT;
		r->pid = get_u32(rec + 8);
		r->ppid = get_u32(rec + 12);
		r->tid = get_u32(rec + 16);
		r->ptid = get_u32(rec + 20);
		r->time = get_u64(rec + 24);
		return true;
	case PERF_RECORD_LOST:
		if (size < HEADER_BYTES + 16)
			return false;
		it->lost = true;
		it->lost_n = get_u64(rec + 16);
		/* Without a time it sorts first: it makes names before it
		 * doubtful, which is the safe side. */
		r->time = size >= HEADER_BYTES + 16 + SAMPLE_ID_BYTES
			  ? get_u64(rec + size - 8) : 0;
		return true;
	default:
		return false;
	}
}

/* Decode the first record of ours at v->tail into v (v->ready), skipping
 * others; a malformed ring is skipped to its head and counted. */
static void peek(struct perfcomm_view *v, uint64_t *malformed)
{
	uint8_t rec[PERFCOMM_MAX_RECORD] __attribute__((aligned(8)));

	v->ready = false;
	while (v->head - v->tail >= HEADER_BYTES) {
		struct perf_event_header h;

		ring_copy((uint8_t *)&h, v->data, v->size, v->tail, sizeof(h));
		if (h.size < HEADER_BYTES || h.size > v->head - v->tail) {
			(*malformed)++;
			v->tail = v->head;
			return;
		}
		bool ours = false;
		if (h.size <= sizeof(rec)) {
			ring_copy(rec, v->data, v->size, v->tail, h.size);
			ours = decode(rec, h.size, h.type, h.misc, v);
		}
		v->tail += h.size;
		if (ours) {
			v->ready = true;
			return;
		}
	}
	if (v->head != v->tail) {
		(*malformed)++;
		v->tail = v->head;
	}
}

void perfcomm_merge(struct perfcomm_view *v, size_t n,
		    const struct perfcomm_sink *sink, uint64_t *malformed)
{
	for (size_t i = 0; i < n; i++) {
		/* A head more than a ring ahead is not a state the kernel
		 * leaves. */
		if (v[i].head - v[i].tail > v[i].size) {
			(*malformed)++;
			v[i].tail = v[i].head;
		}
		peek(&v[i], malformed);
	}
	for (;;) {
		struct perfcomm_view *first = NULL;

		/* Each ring is in time order; the oldest head of all goes
		 * next.  Linear: a guest has a handful of CPUs. */
		for (size_t i = 0; i < n; i++)
			if (v[i].ready &&
			    (!first || v[i].rec.time < first->rec.time))
				first = &v[i];
		if (!first)
			return;
		if (first->lost) {
			if (sink->lost)
				sink->lost(sink->ctx, first->lost_n,
					   first->rec.time);
		} else if (sink->record) {
			sink->record(sink->ctx, &first->rec);
		}
		peek(first, malformed);
	}
}

uint64_t perfcomm_parse(const uint8_t *data, size_t size, uint64_t tail,
			uint64_t head, const struct perfcomm_sink *sink,
			uint64_t *malformed)
{
	struct perfcomm_view v = { .data = data, .size = size,
				   .tail = tail, .head = head };

	perfcomm_merge(&v, 1, sink, malformed);
	return v.tail;
}

int perfcomm_parse_cpulist(const char *s, uint8_t mask[PERFCOMM_MAX_CPUS])
{
	int n = 0;

	memset(mask, 0, PERFCOMM_MAX_CPUS);
	while (*s && *s != '\n') {
		char *end;
		unsigned long a, b;

		if (*s < '0' || *s > '9')
			return -1;
		a = strtoul(s, &end, 10);
		b = a;
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				return -1;
			b = strtoul(end + 1, &end, 10);
		}
		if (b < a || b >= PERFCOMM_MAX_CPUS)
			return -1;
		for (unsigned long c = a; c <= b; c++) {
			if (!mask[c])
				n++;
			mask[c] = 1;
		}
		if (*end == ',')
			end++;
		else if (*end != '\0' && *end != '\n')
			return -1;
		s = end;
	}
	return n > 0 ? n : -1;
}

static ssize_t read_small(const char *path, char *buf, size_t cap)
{
	ssize_t n;
	int fd;

	do {
		fd = open(path, O_RDONLY | O_CLOEXEC);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -1;
	do {
		n = read(fd, buf, cap - 1);
	} while (n < 0 && errno == EINTR);
	int e = errno;
	close(fd);
	errno = e;
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

int perfcomm_paranoid(void)
{
	char buf[32];

	if (read_small(PERFCOMM_PARANOID, buf, sizeof(buf)) <= 0)
		return INT32_MIN;
	return atoi(buf);
}

static int open_event(int cpu, size_t data_size)
{
	struct perf_event_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_DUMMY;
	a.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME;
	a.sample_id_all = 1;
	a.comm = 1;
	a.comm_exec = 1;
	a.task = 1;
	a.use_clockid = 1;
	a.clockid = CLOCK_MONOTONIC;
	a.watermark = 1;
	a.wakeup_watermark = (uint32_t)(data_size / 2);
	do {
		fd = (int)syscall(SYS_perf_event_open, &a, -1, cpu, -1,
				  PERF_FLAG_FD_CLOEXEC);
	} while (fd < 0 && errno == EINTR);
	return fd;
}

void perfcomm_close(struct perfcomm *pc)
{
	for (size_t i = 0; i < pc->n_rings; i++) {
		struct perfcomm_ring *r = &pc->rings[i];
		if (r->base && r->base != MAP_FAILED)
			munmap(r->base, r->map_len);
		if (r->fd >= 0)
			close(r->fd);
	}
	free(pc->rings);
	free(pc->views);
	pc->rings = NULL;
	pc->views = NULL;
	pc->n_rings = 0;
}

int perfcomm_open(struct perfcomm *pc, size_t pages,
		  const struct perfcomm_sink *sink)
{
	uint8_t online[PERFCOMM_MAX_CPUS];
	char list[512];
	long psz = sysconf(_SC_PAGESIZE);
	int n, e;

	memset(pc, 0, sizeof(*pc));
	pc->sink = *sink;
	pc->pages = pages;
	if (pages == 0 || (pages & (pages - 1)) != 0 || pages > PERFCOMM_MAX_PAGES ||
	    psz <= 0) {
		errno = EINVAL;
		return -1;
	}
	if (read_small(PERFCOMM_CPULIST, list, sizeof(list)) <= 0)
		return -1;
	n = perfcomm_parse_cpulist(list, online);
	if (n < 0) {
		errno = ERANGE;
		return -1;
	}
	pc->rings = calloc((size_t)n, sizeof(*pc->rings));
	pc->views = calloc((size_t)n, sizeof(*pc->views));
	if (!pc->rings || !pc->views) {
		free(pc->rings);
		free(pc->views);
		pc->rings = NULL;
		pc->views = NULL;
		errno = ENOMEM;
		return -1;
	}
	for (int cpu = 0; cpu < PERFCOMM_MAX_CPUS; cpu++) {
		if (!online[cpu])
			continue;
		struct perfcomm_ring *r = &pc->rings[pc->n_rings++];
		r->fd = -1;
		r->cpu = cpu;
		r->data_size = pages * (size_t)psz;
		r->map_len = r->data_size + (size_t)psz;
		r->fd = open_event(cpu, r->data_size);
		if (r->fd < 0)
			goto fail;
		/* Writable: the kernel then never overwrites what we have not
		 * read (it counts a PERF_RECORD_LOST instead), and we store
		 * data_tail to free space. */
		r->base = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE,
			       MAP_SHARED, r->fd, 0);
		if (r->base == MAP_FAILED) {
			r->base = NULL;
			goto fail;
		}
	}
	return 0;
fail:
	e = errno;
	perfcomm_close(pc);
	errno = e;
	return -1;
}

size_t perfcomm_drain(struct perfcomm *pc)
{
	size_t had = 0;

	for (size_t i = 0; i < pc->n_rings; i++) {
		struct perfcomm_ring *r = &pc->rings[i];
		struct perf_event_mmap_page *mp = r->base;
		struct perfcomm_view *v = &pc->views[i];

		v->data = (const uint8_t *)r->base +
			(mp->data_offset ? mp->data_offset : r->map_len - r->data_size);
		v->size = r->data_size;
		/* Acquire: the records before head are written. */
		v->head = __atomic_load_n(&mp->data_head, __ATOMIC_ACQUIRE);
		v->tail = mp->data_tail;
		if (v->head == v->tail)
			continue;
		had++;
		/* A ring this full may have refused records; the kernel says
		 * so (PERF_RECORD_LOST) only once there is room again, after
		 * this read.  Say it now, so no name from before is taken for
		 * complete. */
		if (v->head - v->tail > r->data_size - PERFCOMM_FULL_SLACK &&
		    pc->sink.lost)
			pc->sink.lost(pc->sink.ctx, 0, clock_now_ns());
	}
	if (had == 0)
		return 0;
	/* All rings at once, in time order: a parent's exec recorded on one
	 * CPU comes before the fork it did next on another. */
	perfcomm_merge(pc->views, pc->n_rings, &pc->sink, &pc->malformed);
	for (size_t i = 0; i < pc->n_rings; i++) {
		struct perf_event_mmap_page *mp = pc->rings[i].base;
		/* Release: we are done reading what the kernel may now
		 * overwrite. */
		if (pc->views[i].tail != mp->data_tail)
			__atomic_store_n(&mp->data_tail, pc->views[i].tail,
					 __ATOMIC_RELEASE);
	}
	return had;
}
