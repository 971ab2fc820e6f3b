/* vm-init.h - what init.c shares with the scenarios in other files
 * (init-vsock.c): console lines, clocks, children.  All of it is for pid 1
 * of the check-vm guest only. */
#ifndef VM_INIT_H
#define VM_INIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PROG "vm-init"

/* One console line "vm-init: ...", one write. */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint64_t now_ms(void);
void sleep_ms(unsigned ms);
int write_all(int fd, const char *p, size_t n);
/* Reaps every child until pid is gone (0, *status) or deadline_ms passes
 * (-1); deadline 0 waits for ever. */
int reap_until(pid_t pid, uint64_t deadline_ms, int *status);
void describe_status(const char *who, pid_t pid, int st);
/* The agent with argument sink ("--sink=...") and, unless NULL, one more
 * option extra, its own session, stderr to err_fd unless it is -1;
 * *ready_rd is its --ready-fd pipe. */
pid_t start_agent(const char *sink, const char *extra, int err_fd, int *ready_rd);
int wait_ready(int fd);
/* The workload behind cellos-workload-exec, protecting 1 and the agent. */
pid_t start_workload(pid_t agent);

/* init-vsock.c: the whole agent-over-vsock scenario; what the receivers
 * decoded goes to the virtio port dev.  0 or -1. */
int vsock_run(const char *dev);

#endif
