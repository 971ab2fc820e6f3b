/*
 * procwalk.h - reading /proc: a process's comm, and walks over every
 * live process (startup snapshot, resync after lost proc connector
 * messages, and the fallback source when the connector is unavailable).
 *
 * /proc is opened once; comm is read relative to that directory fd.  The
 * walk lists thread-group ids only (that is what /proc's top level holds).
 */
#ifndef CELLOS_AGENT_PROCWALK_H
#define CELLOS_AGENT_PROCWALK_H

#include <stdint.h>
#include <sys/types.h>

#include "procmodel.h"

/* Directory entries read per getdents64 call. */
#define PROCWALK_DENTS_BYTES 16384

struct procwalk {
	int fd;                 /* /proc, O_DIRECTORY */
	const char *root;
	/* Our own buffer (not a DIR's): allocated and touched once. */
	uint8_t *dents;
};

/* root: "/proc" (tests may point elsewhere).  0 or -1 with errno. */
int procwalk_open(struct procwalk *w, const char *root);
void procwalk_close(struct procwalk *w);

/* comm of pid without the trailing newline: length, or -1 if gone. */
int procwalk_read_comm(struct procwalk *w, uint32_t pid, char comm[PT_COMM_LEN]);
/* Read at most len bytes of /proc/PID/NAME through proc_fd (an fd of
 * /proc opened once), in one open and one read.  Returns the bytes read,
 * or -1 with errno (ENOENT, ESRCH: the process is gone). */
ssize_t procwalk_read_pid_file(int proc_fd, uint32_t pid, const char *name,
			       char *buf, size_t len);

/* CPU time pid has run (first field of /proc/PID/schedstat), in ns, or
 * UINT64_MAX when gone or unknown. */
uint64_t procwalk_cpu_ns(struct procwalk *w, uint32_t pid);

/* One full walk into the model (begin, seen per pid, end).  Returns the
 * number of processes seen, or -1 when /proc could not be read. */
long procwalk_run(struct procwalk *w, struct procmodel *pm);

#endif /* CELLOS_AGENT_PROCWALK_H */
