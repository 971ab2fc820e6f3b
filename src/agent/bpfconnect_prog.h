/*
 * bpfconnect_prog.h - the cgroup BPF program behind net.connect_attempted,
 * as instructions built in C, and the reading of the BPF ring buffer it
 * writes to.  Pure functions: no system calls (bpfconnect.c loads,
 * attaches and reads).
 *
 * What it promises:
 * - bpfconnect_build() writes the instructions of one program of type
 *   BPF_PROG_TYPE_CGROUP_SOCK_ADDR for one connect hook (IPv4, IPv6,
 *   Unix).  The program always returns 1 (the connect proceeds: it only
 *   watches).  It writes one struct bpfconnect_record to the ring buffer
 *   map ring_fd with bpf_ringbuf_output: the connecting process's
 *   thread-group id (bpf_get_current_pid_tgid), the hook, the time
 *   (bpf_ktime_get_ns: CLOCK_MONOTONIC) and, with BPFCONNECT_COMM, its
 *   comm (bpf_get_current_comm; without it comm is all zero bytes).  When
 *   the ring is full the record is dropped and the u64 at offset 0 of the
 *   array map lost_fd is incremented atomically.
 *   Which helpers a kernel's verifier allows in this program type varies,
 *   so the loader tries the richest variant first (see bpfconnect.c).
 * - bpfconnect_ring_drain() consumes the records a BPF ring buffer holds,
 *   as the kernel lays it out (a consumer position page, a producer
 *   position page, the data area mapped twice so a record never wraps):
 *   it stops at a record still being written, skips discarded ones and
 *   publishes the new consumer position once at the end.
 */
#ifndef CELLOS_AGENT_BPFCONNECT_PROG_H
#define CELLOS_AGENT_BPFCONNECT_PROG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/bpf.h>

/* The kernel's comm: TASK_COMM_LEN bytes including the NUL. */
#define BPFCONNECT_COMM_LEN 16

/* The connect hooks; the value is stored in each record. */
enum bpfconnect_hook {
	BPFCONNECT_INET4 = 0,
	BPFCONNECT_INET6,
	BPFCONNECT_UNIX,         /* Linux 6.7 and later */
	BPFCONNECT_HOOKS
};

/* What one program records, in host byte order. */
struct bpfconnect_record {
	uint32_t tgid;
	uint32_t hook;           /* enum bpfconnect_hook */
	uint64_t ts_ns;          /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	char comm[BPFCONNECT_COMM_LEN]; /* zeros without BPFCONNECT_COMM */
};

/* Variant flags for bpfconnect_build(). */
#define BPFCONNECT_COMM 1u       /* call bpf_get_current_comm */

/* Room for the longest program bpfconnect_build() writes. */
#define BPFCONNECT_PROG_MAX 40

/* The BPF ring buffer's record header: length with these flag bits, then
 * 4 bytes the consumer ignores; records are 8-byte aligned. */
#define BPFCONNECT_RB_BUSY (1u << 31)
#define BPFCONNECT_RB_DISCARD (1u << 30)
#define BPFCONNECT_RB_HDR 8u

/* The kernel's attach type for hook (BPF_CGROUP_*_CONNECT). */
uint32_t bpfconnect_attach_type(enum bpfconnect_hook hook);

/* The hook's name for logs: "inet4", "inet6", "unix". */
const char *bpfconnect_hook_name(enum bpfconnect_hook hook);

/*
 * Write the program for hook into out[0..max) using the map descriptors
 * ring_fd (BPF_MAP_TYPE_RINGBUF) and lost_fd (BPF_MAP_TYPE_ARRAY, one u64
 * value).  flags: BPFCONNECT_COMM or 0.  Returns the instruction count,
 * or 0 when max is too small or hook is unknown.
 */
size_t bpfconnect_build(struct bpf_insn *out, size_t max, int ring_fd,
			int lost_fd, enum bpfconnect_hook hook, unsigned flags);

/* A mapped ring buffer.  data_size is a power of two; data is mapped
 * twice in a row (2 * data_size readable bytes). */
struct bpfconnect_ring {
	uint64_t *consumer_pos;      /* shared, written by us */
	const uint64_t *producer_pos;/* shared, written by the kernel */
	const uint8_t *data;
	uint64_t data_size;
};

typedef void (*bpfconnect_record_fn)(void *ctx, const void *sample,
				     uint32_t len);

/* Hand each complete record (at most max) to fn in order and advance the
 * consumer position past them.  Returns the number handed over. */
size_t bpfconnect_ring_drain(struct bpfconnect_ring *rb, size_t max,
			     bpfconnect_record_fn fn, void *ctx);

#endif /* CELLOS_AGENT_BPFCONNECT_PROG_H */
