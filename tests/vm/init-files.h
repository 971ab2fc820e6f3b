/* init-files.h - vm-init's look at files the guest's programs write
 * (their logs, the receivers' JSON lines) and at the agent's CPU time.
 * Pid 1 of the check-vm guest only. */
#ifndef VM_INIT_FILES_H
#define VM_INIT_FILES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define SCAN_STEP_MS 100

typedef bool (*line_fn)(const char *line, void *arg);

/* fn on every whole line of path from byte off on, until it returns true
 * (then true).  A last line still without its newline is left for the
 * next scan; lines longer than 1 KiB are skipped. */
bool scan_lines(const char *path, off_t off, line_fn fn, void *arg);
off_t file_size(const char *path);
/* Waits up to wait_ms for a line of path (from off on) holding a and b (b
 * may be NULL); says "WHAT (after N ms)", or "FAIL: not within ...". */
int wait_line(const char *path, off_t off, const char *a, const char *b,
	      unsigned wait_ms, const char *what);
int copy_file(const char *path, int out);

/* What the agent's "counters:" lines in its log (from off on) said.
 * stalled: between two consecutive lines nothing was written while events
 * were produced and records waited: the sink had no credit. */
struct counters_seen {
	unsigned lines;
	uint64_t max_queued, last_queued, last_dropped, last_produced, last_written;
	bool stalled;
};
void read_counters(const char *path, off_t off, struct counters_seen *c);

/* CPU time (user + system) of pid in microseconds. */
int cpu_us(pid_t pid, uint64_t *us);
uint64_t mono_ns(void);

#endif
