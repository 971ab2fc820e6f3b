/*
 * bpfconnect.h - net.connect_attempted from a cgroup BPF program: the
 * connect hooks cost the workload nothing outside connect(2), where audit
 * taxes every system call of every task.
 *
 * What it promises:
 * - bpfconnect_start() loads the program of bpfconnect_prog.h with bpf(2)
 *   for the IPv4 and IPv6 connect hooks, and the Unix-socket one where
 *   the kernel has it (6.7+), and attaches each to the cgroup v2
 *   directory --cgroup names (default: the cgroup v2 root) through a BPF
 *   link: the kernel detaches them when the agent's descriptors close,
 *   however it ends, so a restart after a crash finds nothing of ours
 *   attached.  The connect always proceeds.
 * - cgroup v2 not mounted (and no --cgroup): it is mounted on a fresh
 *   directory just long enough to open its root, then unmounted and the
 *   directory removed (the attach holds the cgroup, not the mount); this
 *   is logged.
 * - The verifier's helpers differ between kernels: the program is loaded
 *   with bpf_get_current_comm where allowed, else without it, the comm
 *   then read from /proc/PID/comm when the record is handled (logged).
 *   Where neither variant loads, or no link can be made, start fails with
 *   the reason in why[] and nothing stays loaded: the caller falls back.
 * - Records are read from the BPF ring buffer's mapping in the reactor
 *   (no system call per record) and go to pump_emit() with the record's
 *   pid, comm and CLOCK_MONOTONIC time.  The agent's own connects (its
 *   sink) are dropped.  Records the program could not queue (ring full)
 *   are counted in STAT_DROP_BPF.
 * - After start, reading needs no system call beyond epoll and close:
 *   the seccomp allowlist needs no bpf(2).
 */
#ifndef CELLOS_AGENT_BPFCONNECT_H
#define CELLOS_AGENT_BPFCONNECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/bpfconnect_prog.h"
#include "agent/source.h"

/* Ring buffer data size: a power of two and a multiple of the page size;
 * about 3,300 records of 40 bytes.  Small, because it is allocated (and
 * mapped twice) before the agent is ready. */
#define BPFCONNECT_RING_BYTES (128u * 1024u)
/* Records handled per wakeup before the reactor serves the others. */
#define BPFCONNECT_BATCH 256
/* Room for the directory named in logs. */
#define BPFCONNECT_PATH_MAX 256

struct bpfconnect {
	struct reactor *r;
	struct pump *pump;
	uint32_t self;              /* the agent's pid: its connects are ours */
	int ring_fd, lost_fd, proc_fd;
	int prog_fd[BPFCONNECT_HOOKS];
	int link_fd[BPFCONNECT_HOOKS];
	void *cons_map, *prod_map, *lost_map;
	size_t page, prod_len;
	struct bpfconnect_ring ring;
	uint64_t lost_seen;
	unsigned hooks;             /* attached hooks, 1u << enum bpfconnect_hook */
	bool comm;                  /* the program records comm */
	bool in_reactor;
	bool started;               /* start succeeded; stop has work */
	char where[BPFCONNECT_PATH_MAX];
};

/* The source lifecycle of source.h.  cgroup: a cgroup v2 directory, or
 * NULL for the root of cgroup v2.  On success msg->armed is
 * net.connect_attempted; on failure (a negative errno value) msg->text
 * says why and nothing is left open.  _stop handles what is queued,
 * detaches and closes; safe on a zeroed struct, after a failed start and
 * twice. */
int bpfconnect_start(struct bpfconnect *b, const struct source_env *env,
		     const char *cgroup, struct source_msg *msg);
void bpfconnect_stop(struct bpfconnect *b);

/* For the armed line: e.g. "bpf inet4,inet6,unix". */
void bpfconnect_describe(const struct bpfconnect *b, char *out, size_t len);

#endif /* CELLOS_AGENT_BPFCONNECT_H */
