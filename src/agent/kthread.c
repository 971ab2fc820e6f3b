/*
 * kthread.c - PF_KTHREAD from /proc/PID/stat (see kthread.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kthread.h"
#include "procwalk.h"

/* Fields after the comm: state ppid pgrp session tty_nr tpgid flags. */
#define FLAGS_FIELD_AFTER_COMM 7
/* Enough for the fields up to flags (the rest of the line is cut). */
#define STAT_READ_BYTES 512

int kthread_parse_stat(const char *buf, size_t len)
{
	const char *p = NULL;
	const char *end = buf + len;
	unsigned long long flags = 0;
	int field = 0;

	for (const char *q = buf; q < end; q++)
		if (*q == ')')
			p = q;
	if (!p)
		return -1;
	p++;
	while (p < end && field < FLAGS_FIELD_AFTER_COMM) {
		while (p < end && *p == ' ')
			p++;
		if (p == end)
			return -1;
		field++;
		if (field == FLAGS_FIELD_AFTER_COMM) {
			if (*p < '0' || *p > '9')
				return -1;
			while (p < end && *p >= '0' && *p <= '9')
				flags = flags * 10 + (unsigned)(*p++ - '0');
			break;
		}
		while (p < end && *p != ' ')
			p++;
	}
	if (field != FLAGS_FIELD_AFTER_COMM)
		return -1;
	return (flags & KTHREAD_PF_KTHREAD) ? 1 : 0;
}

int kthread_check(int proc_fd, uint32_t pid)
{
	char buf[STAT_READ_BYTES];
	ssize_t n = procwalk_read_pid_file(proc_fd, pid, "stat", buf, sizeof(buf));

	if (n <= 0)
		return -1;
	return kthread_parse_stat(buf, (size_t)n);
}
