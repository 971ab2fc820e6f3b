/*
 * kthread.h - is this pid a kernel thread?
 *
 * Kernel threads (kthreadd and its children: kworker, ksoftirqd,
 * rcu_*, ...) are not the workload.  The exact test is PF_KTHREAD in the
 * flags of /proc/PID/stat (a user-mode helper such as modprobe is also a
 * child of kthreadd, but runs a program and has no PF_KTHREAD).  It costs
 * one read, so the process source asks only about pids it must decide on:
 * each one a /proc walk finds, and each child kthreadd forks.
 */
#ifndef CELLOS_AGENT_KTHREAD_H
#define CELLOS_AGENT_KTHREAD_H

#include <stddef.h>
#include <stdint.h>

/* include/linux/sched.h: "I am a kernel thread". */
#define KTHREAD_PF_KTHREAD 0x00200000u
/* The pid of kthreadd, parent of every kernel thread started after boot. */
#define KTHREAD_KTHREADD_PID 2u

/* From the text of /proc/PID/stat (len bytes): 1 kernel thread, 0 not,
 * -1 malformed.  The comm field may hold spaces and parentheses: the
 * fields are counted after the last ')'. */
int kthread_parse_stat(const char *buf, size_t len);

/* Read /proc/PID/stat relative to proc_fd (a directory fd on /proc): 1, 0,
 * or -1 when the process is gone or the file unreadable. */
int kthread_check(int proc_fd, uint32_t pid);

#endif /* CELLOS_AGENT_KTHREAD_H */
