/*
 * perfcomm.h - process names from perf side-band records.
 *
 * The proc connector's exec message carries no name, and /proc/PID/comm
 * read when the message is handled may already hold a later exec's name.
 * The kernel records each name exactly, with no per-syscall cost, as
 * perf side-band records: one PERF_COUNT_SW_DUMMY event per online CPU
 * (pid -1, comm + comm_exec + task, sample_id_all with TID and TIME,
 * clock CLOCK_MONOTONIC so the times compare with the connector's) fills
 * a per-CPU ring with PERF_RECORD_COMM (flagged COMM_EXEC on exec),
 * PERF_RECORD_FORK, PERF_RECORD_EXIT and PERF_RECORD_LOST.  The rings are
 * read from memory: no system call per record.
 *
 * Two halves, as in cnproc.h:
 *  - perfcomm_parse(): pure.  Given a ring's bytes and its tail/head
 *    offsets it decodes every whole record (also one that wraps) and hands
 *    them to callbacks.  Unit tests feed it hand-built rings.
 *  - perfcomm_open()/perfcomm_drain()/perfcomm_close(): the events
 *    (perf_event_open(2) directly, there is no library) and their rings.
 *    perfcomm_open() needs CAP_PERFMON or CAP_SYS_ADMIN where
 *    perf_event_paranoid > 0 (system-wide events); nothing afterwards
 *    does: draining reads shared memory and stores the new tail.
 *
 * CPUs brought online after perfcomm_open() are not covered (a Firecracker
 * guest does not hotplug CPUs); their execs fall back (procmodel.h).
 */
#ifndef CELLOS_AGENT_PERFCOMM_H
#define CELLOS_AGENT_PERFCOMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The kernel's comm: TASK_COMM_LEN bytes including the NUL. */
#define PERFCOMM_NAME_LEN 16
/* Rings cover CPUs [0, PERFCOMM_MAX_CPUS). */
#define PERFCOMM_MAX_CPUS 256
/* Data pages per CPU ring (a power of two): 16 pages of 4 KiB hold about
 * 450 short-lived processes' records (fork, exec, exit: about 150 bytes),
 * and a ring half full wakes the agent whatever its connector batching,
 * so a burst of 200 processes on one CPU between two reads is no loss.
 * Not more: the kernel allocates and clears every page when the ring is
 * mapped, and at 64 pages that was a tenth of the agent's start-up (exec
 * to ready) in a guest. */
#define PERFCOMM_DEFAULT_PAGES 16u
#define PERFCOMM_MAX_PAGES 4096u
/* Largest record decoded (ours are at most 8 + 8 + 16 + 16 bytes; others
 * are skipped by their size). */
#define PERFCOMM_MAX_RECORD 256
/* A ring with less room than this left when read is taken as full: it
 * may have refused records (reported as lost with n = 0 at once). */
#define PERFCOMM_FULL_SLACK 256

enum perfcomm_kind {
	PERFCOMM_COMM = 0,   /* exec (exec = true) or rename */
	PERFCOMM_FORK,
	PERFCOMM_EXIT,
};

/* One decoded record.  pid/tid: thread-group id and thread id (ppid/ptid
 * for FORK and EXIT); time: CLOCK_MONOTONIC ns (sample_id). */
struct perfcomm_rec {
	enum perfcomm_kind kind;
	uint32_t pid, tid, ppid, ptid;
	uint64_t time;
	bool exec;
	uint8_t name_len;
	char name[PERFCOMM_NAME_LEN];
};

struct perfcomm_sink {
	void *ctx;
	void (*record)(void *ctx, const struct perfcomm_rec *r);
	/* The kernel could not write n records (ring full); time is when it
	 * said so (the records were lost before).  n = 0: a ring was found
	 * full, records may have been lost before time. */
	void (*lost)(void *ctx, uint64_t n, uint64_t time);
};

/* One ring's unread bytes data[tail, head) (size a power of two; offsets
 * are free-running, taken modulo size), and the merge's place in them. */
struct perfcomm_view {
	const uint8_t *data;
	size_t size;
	uint64_t tail, head;
	/* The merge's: the record decoded at the old tail. */
	bool ready, lost;
	uint64_t lost_n;
	struct perfcomm_rec rec;
};

/* Decode the records of n rings and hand them to sink in time order
 * across rings (each ring is in time order itself; equal times keep ring
 * order).  A record's handling may depend on an earlier one recorded on
 * another CPU: a fork's child inherits the name its parent's exec set
 * just before, on whichever CPU.  Every view's tail ends at its head; a
 * malformed ring (a record of size 0 or running past head, or head more
 * than a ring ahead) is skipped to its head and counted in *malformed. */
void perfcomm_merge(struct perfcomm_view *v, size_t n,
		    const struct perfcomm_sink *sink, uint64_t *malformed);

/* perfcomm_merge() of one ring; returns the new tail (head). */
uint64_t perfcomm_parse(const uint8_t *data, size_t size, uint64_t tail,
			uint64_t head, const struct perfcomm_sink *sink,
			uint64_t *malformed);

struct perfcomm_ring {
	int fd;
	int cpu;
	void *base;          /* mmap: the control page, then the data */
	size_t map_len;
	size_t data_size;
};

struct perfcomm {
	struct perfcomm_ring *rings;
	struct perfcomm_view *views;  /* one per ring, for the merge */
	size_t n_rings;
	size_t pages;
	struct perfcomm_sink sink;
	uint64_t malformed;
};

/* Parse a list like "0-3,5" (/sys/devices/system/cpu/online) into a mask
 * of cpus [0, PERFCOMM_MAX_CPUS).  Returns the number of CPUs, or -1 when
 * the text is not such a list. */
int perfcomm_parse_cpulist(const char *s, uint8_t mask[PERFCOMM_MAX_CPUS]);

/* Open one event and ring of pages data pages (a power of two) per online
 * CPU.  Each ring's fd polls readable once the ring is half full (a
 * safety net: the rings are normally read with each connector batch).
 * Returns 0, or -1 with errno set (EACCES/EPERM: not allowed; ENOENT,
 * ENODEV, ENOSYS: no perf events); nothing is left open then. */
int perfcomm_open(struct perfcomm *pc, size_t pages,
		  const struct perfcomm_sink *sink);

/* Read every ring up to its head now, all rings merged in time order.
 * Returns how many rings had records. */
size_t perfcomm_drain(struct perfcomm *pc);

/* Unmap and close. */
void perfcomm_close(struct perfcomm *pc);

/* /proc/sys/kernel/perf_event_paranoid, or INT32_MIN when unreadable. */
int perfcomm_paranoid(void);

#endif /* CELLOS_AGENT_PERFCOMM_H */
