/*
 * taskstats.h - the kernel's per-task exit records (generic netlink
 * family TASKSTATS) as a source of comm for processes already gone.
 *
 * The kernel sends one record per exiting task to every listener that
 * registered a cpumask, before the task can be reaped.  So when
 * /proc/PID/comm can no longer be read, the record is already in this
 * socket: taskstats_drain() brings it into the process model
 * (procmodel_exit_record).
 */
#ifndef CELLOS_AGENT_TASKSTATS_H
#define CELLOS_AGENT_TASKSTATS_H

#include <stddef.h>
#include <stdint.h>

#include "nlsock.h"
#include "procmodel.h"

/* Records per batch read (the drain loops while batches come back full):
 * the agent reads every 10 ms under load, when a storm of 1,000 exits/s
 * has queued about ten; each buffer is resident from the start. */
#define TASKSTATS_BATCH 16
#define TASKSTATS_DGRAM_BYTES 2048
/* How long startup waits for the kernel's replies to the family lookup
 * and the registration. */
#define TASKSTATS_SETUP_TIMEOUT_MS 1000

struct taskstats_src {
	struct nlsock sock;
	uint16_t family;
	struct procmodel *pm;
	uint64_t records;
};

/* Open the socket, resolve the family and register for exits on every
 * possible CPU.  Returns 0, or a negative errno value (the agent then
 * runs without it: comm of gone processes is unresolved). */
int taskstats_open(struct taskstats_src *t, struct procmodel *pm, int rcvbuf);

/* Parse one datagram of exit records (unit tests call it directly). */
void taskstats_parse(struct taskstats_src *t, const void *buf, size_t len);

/* Read and parse every record queued now.  Returns records parsed. */
size_t taskstats_drain(struct taskstats_src *t);

void taskstats_close(struct taskstats_src *t);

#endif /* CELLOS_AGENT_TASKSTATS_H */
