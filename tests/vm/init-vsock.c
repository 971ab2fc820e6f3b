/* init-vsock.c - vm-init's agent-over-vsock scenario (the `vsock` argument).
 *
 * check-vm.sh puts vsock.ko, vmw_vsock_virtio_transport_common.ko and
 * vsock_loopback.ko in the initramfs and init.c loads them, so CID 1
 * (VMADDR_CID_LOCAL) is a real vsock transport of this guest kernel: the
 * agent connects to vsock:1:9001 and cellos-telemetry-recv listens on
 * vsock:9001 in the same guest.  In order:
 *
 *  1. the agent starts while nothing listens; init waits until its log
 *     says it was refused, then starts receiver 1;
 *  2. the standard workload runs while receiver 1 has the connection, and
 *     init waits until the workload's last event is decoded;
 *  3. a steady workload (wl-steady: fork a child that exits, nap, again)
 *     starts; once its frames arrive, receiver 1 is SIGKILLed and receiver
 *     2 started, and the agent must reconnect;
 *  4. receiver 2 is SIGSTOPped until the agent's counters show records
 *     waiting in its queue (the vsock credit ran out), for at least
 *     PAUSE_MIN_MS; the agent's CPU time over the pause is measured, and
 *     over as long a stretch just before it for comparison; then SIGCONT,
 *     and init waits until the agent reports its queue empty again;
 *  5. receiver 2 is SIGSTOPped again until the agent stalls, and then
 *     SIGKILLed: the connection dies with the credit used up, when the
 *     last record written is most likely cut in two (the credit ends
 *     anywhere in it), as when a snapshot restore resets the device under
 *     a stalled guest; receiver 3 must decode whole frames only;
 *  6. the steady workload, then the agent (SIGTERM: it drains and logs its
 *     final counters), then receiver 3 are stopped.
 *
 * The receivers listen with --vsock-buffer=16384, a quarter of the
 * transmit buffer Firecracker gives each guest connection, so a paused
 * reader stalls the agent within seconds of a modest workload.  Stalled
 * means: between two of the agent's counters lines (a second apart) it
 * produced records and wrote none (init-files.c).
 *
 * At the end the receivers' JSON lines go to the virtio port (one after
 * the other), and the logs of the agent and of the receivers to the
 * console between "vm-init: --- NAME ---" and "vm-init: --- end ---", for
 * check-vm-stream.py --vsock.  Every wait has a deadline.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "init-files.h"
#include "vm-init.h"

#define RECV_PATH "/bin/cellos-telemetry-recv"
#define STEADY_PATH "/bin/wl-steady"
#define STEADY_COMM "\"wl-steady\""
#define AGENT_SINK_ARG "--sink=vsock:1:9001"	/* VMADDR_CID_LOCAL */
/* The counters line every second (when changed): a stall is seen in it. */
#define AGENT_STATS_ARG "--stats-interval=1"
#define RECV_LISTEN_ARG "--listen=vsock:9001"
/* A quarter of the 64 KiB Firecracker gives a connection: the credit runs
 * out within seconds even when a busy host slows the emulated guest's
 * workload to a few dozen processes a second. */
#define RECV_BUFFER_ARG "--vsock-buffer=16384"
#define AGENT_LOG "/tmp/agent.log"
#define RECV_OUT_FMT "/tmp/recv-%d.jsonl"
#define RECV_LOG_FMT "/tmp/recv-%d.log"
#define RECEIVERS 3
#define PATH_BYTES 64

#define REFUSED_WAIT_MS 20000	/* the agent's first connect attempt */
#define CONNECT_WAIT_MS 30000	/* backoff is capped at 5 s; TCG is slow */
#define DELIVER_WAIT_MS 30000	/* frames reach a receiver's output */
#define PAUSE_MIN_MS 3000
#define PAUSE_MAX_MS 30000
#define DRAIN_WAIT_MS 30000
#define STOP_WAIT_MS 15000

struct scenario {
	pid_t agent, workload, steady;
	pid_t recv[RECEIVERS + 1];	/* 1-based */
	int agent_log_fd;
};

/* ---- children ------------------------------------------------------- */

static pid_t start_receiver(int n)
{
	char out[PATH_BYTES], log[PATH_BYTES], outarg[PATH_BYTES + 16];
	pid_t pid;

	snprintf(out, sizeof(out), RECV_OUT_FMT, n);
	snprintf(log, sizeof(log), RECV_LOG_FMT, n);
	snprintf(outarg, sizeof(outarg), "--output=%s", out);
	pid = fork();
	if (pid < 0) {
		say("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* Frames arrive steadily: no agent_silenced lines. */
		char *argv[] = { "cellos-telemetry-recv", RECV_LISTEN_ARG, RECV_BUFFER_ARG,
				 outarg, "--silence-window=0", NULL };
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0 || dup2(fd, STDERR_FILENO) < 0 || setsid() < 0) {
			say("receiver child setup: %s", strerror(errno));
			_exit(127);
		}
		execv(RECV_PATH, argv);
		say("exec %s: %s", RECV_PATH, strerror(errno));
		_exit(127);
	}
	say("receiver %d pid %d started", n, (int)pid);
	return pid;
}

static pid_t start_steady(void)
{
	pid_t pid = fork();

	if (pid < 0) {
		say("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		char *argv[] = { "wl-steady", NULL };

		if (setsid() < 0) {
			say("steady setsid: %s", strerror(errno));
			_exit(127);
		}
		execv(STEADY_PATH, argv);
		say("exec %s: %s", STEADY_PATH, strerror(errno));
		_exit(127);
	}
	say("steady workload pid %d started", (int)pid);
	return pid;
}

/* Signal a child and reap it; *st its status.  0, or -1 (said why). */
static int stop_child(const char *who, pid_t pid, int sig, int *st)
{
	if (kill(pid, sig) != 0) {
		say("kill %s pid %d: %s", who, (int)pid, strerror(errno));
		return -1;
	}
	if (reap_until(pid, now_ms() + STOP_WAIT_MS, st) != 0) {
		say("%s pid %d still there %d ms after signal %d", who, (int)pid,
		    STOP_WAIT_MS, sig);
		return -1;
	}
	describe_status(who, pid, *st);
	return 0;
}

static bool exited_ok(int st)
{
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* ---- the steps ------------------------------------------------------- */

/* 1: the agent first, refused; then receiver 1. */
static int agent_then_receiver(struct scenario *s)
{
	char out[PATH_BYTES];
	int ready_rd;

	s->agent_log_fd = open(AGENT_LOG, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
			       0644);
	if (s->agent_log_fd < 0) {
		say("open %s: %s", AGENT_LOG, strerror(errno));
		return -1;
	}
	s->agent = start_agent(AGENT_SINK_ARG, AGENT_STATS_ARG, s->agent_log_fd, &ready_rd);
	if (s->agent < 0)
		return -1;
	if (wait_ready(ready_rd) != 0) {
		close(ready_rd);
		return -1;
	}
	close(ready_rd);
	say("agent pid %d ready", (int)s->agent);
	if (wait_line(AGENT_LOG, 0, "cannot connect", NULL, REFUSED_WAIT_MS,
		      "agent refused: nothing listens on vsock port 9001 yet") != 0)
		return -1;
	s->recv[1] = start_receiver(1);
	if (s->recv[1] < 0)
		return -1;
	snprintf(out, sizeof(out), RECV_LOG_FMT, 1);
	return wait_line(out, 0, "connection 1 opened from vsock cid 1", NULL,
			 CONNECT_WAIT_MS, "receiver 1 has the agent's connection");
}

/* 2: the standard workload, all of it decoded by receiver 1. */
static int standard_workload(struct scenario *s)
{
	char out[PATH_BYTES], pid[48];
	int st;

	s->workload = start_workload(s->agent);
	if (s->workload < 0)
		return -1;
	say("workload pid %d started", (int)s->workload);
	if (reap_until(s->workload, 0, &st) != 0)
		return -1;
	describe_status("workload", s->workload, st);
	snprintf(out, sizeof(out), RECV_OUT_FMT, 1);
	snprintf(pid, sizeof(pid), "\"guest_pid\":%d,", (int)s->workload);
	s->workload = 0;
	return wait_line(out, 0, "\"process.exited\"", pid, DELIVER_WAIT_MS,
			 "receiver 1 decoded the workload's last event");
}

/* 3: receiver 1 killed while the steady workload runs; receiver 2. */
static int kill_and_restart(struct scenario *s)
{
	char out[PATH_BYTES];
	int st;

	s->steady = start_steady();
	if (s->steady < 0)
		return -1;
	snprintf(out, sizeof(out), RECV_OUT_FMT, 1);
	if (wait_line(out, 0, STEADY_COMM, NULL, DELIVER_WAIT_MS,
		      "receiver 1 decodes the steady workload") != 0)
		return -1;
	if (stop_child("receiver 1", s->recv[1], SIGKILL, &st) != 0)
		return -1;
	s->recv[1] = 0;
	s->recv[2] = start_receiver(2);
	if (s->recv[2] < 0)
		return -1;
	snprintf(out, sizeof(out), RECV_LOG_FMT, 2);
	if (wait_line(out, 0, "connection 1 opened from vsock cid 1", NULL,
		      CONNECT_WAIT_MS, "receiver 2 has the agent's connection") != 0)
		return -1;
	snprintf(out, sizeof(out), RECV_OUT_FMT, 2);
	return wait_line(out, 0, STEADY_COMM, NULL, DELIVER_WAIT_MS,
			 "receiver 2 decodes the steady workload");
}

/* 4: receiver 2 paused until the agent's queue holds records. */
static int pause_receiver(struct scenario *s)
{
	struct counters_seen c;
	uint64_t cpu0, cpu1, cpu2, t0, t1, t2, ns_stop, ns_cont;
	off_t off;

	/* The same measure over as long a stretch with the reader running. */
	t0 = now_ms();
	if (cpu_us(s->agent, &cpu0) != 0) {
		say("cannot read the agent's CPU time: %s", strerror(errno));
		return -1;
	}
	sleep_ms(PAUSE_MIN_MS);

	off = file_size(AGENT_LOG);
	read_counters(AGENT_LOG, 0, &c);
	uint64_t dropped_before = c.last_dropped;
	t1 = now_ms();
	if (cpu_us(s->agent, &cpu1) != 0)
		return -1;
	ns_stop = mono_ns();
	if (kill(s->recv[2], SIGSTOP) != 0) {
		say("kill receiver 2: %s", strerror(errno));
		return -1;
	}
	say("receiver 2 pid %d stopped at %" PRIu64 " ns", (int)s->recv[2], ns_stop);
	for (;;) {
		sleep_ms(SCAN_STEP_MS);
		read_counters(AGENT_LOG, off, &c);
		uint64_t held = now_ms() - t1;
		if ((c.stalled && held >= PAUSE_MIN_MS) || held >= PAUSE_MAX_MS)
			break;
	}
	if (cpu_us(s->agent, &cpu2) != 0)
		return -1;
	t2 = now_ms();
	ns_cont = mono_ns();
	if (kill(s->recv[2], SIGCONT) != 0) {
		say("kill receiver 2: %s", strerror(errno));
		return -1;
	}
	say("receiver 2 pid %d continued at %" PRIu64 " ns after a pause of %" PRIu64
	    " ms; agent cpu %" PRIu64 " us over the pause, %" PRIu64 " us over %" PRIu64
	    " ms before it; agent counters during the pause: %u lines, queued at most %"
	    PRIu64 ", dropped_queue_full %" PRIu64 " more, writes stalled: %s",
	    (int)s->recv[2], ns_cont, t2 - t1, cpu2 - cpu1, cpu1 - cpu0, t1 - t0,
	    c.lines, c.max_queued, c.last_dropped - dropped_before,
	    c.stalled ? "yes" : "no");

	/* The backlog: a counters line from after SIGCONT with queued=0. */
	off = file_size(AGENT_LOG);
	uint64_t start = now_ms();
	for (;;) {
		read_counters(AGENT_LOG, off, &c);
		if (c.lines > 0 && c.last_queued == 0) {
			say("agent queue empty again %" PRIu64 " ms after SIGCONT",
			    now_ms() - start);
			return 0;
		}
		if (now_ms() - start >= DRAIN_WAIT_MS) {
			say("FAIL: agent queue not empty %d ms after SIGCONT", DRAIN_WAIT_MS);
			return -1;
		}
		sleep_ms(SCAN_STEP_MS);
	}
}

/* 5: a connection that dies while the agent is stalled on credit. */
static int kill_stalled(struct scenario *s)
{
	struct counters_seen c;
	char path[PATH_BYTES];
	off_t off = file_size(AGENT_LOG);
	uint64_t start = now_ms();
	int st;

	if (kill(s->recv[2], SIGSTOP) != 0) {
		say("kill receiver 2: %s", strerror(errno));
		return -1;
	}
	say("receiver 2 pid %d stopped again", (int)s->recv[2]);
	for (;;) {
		read_counters(AGENT_LOG, off, &c);
		if (c.stalled)
			break;
		if (now_ms() - start >= PAUSE_MAX_MS) {
			say("FAIL: the agent did not stall within %d ms", PAUSE_MAX_MS);
			return -1;
		}
		sleep_ms(SCAN_STEP_MS);
	}
	say("agent stalled (queued %" PRIu64 ") %" PRIu64 " ms after the stop",
	    c.max_queued, now_ms() - start);
	if (stop_child("receiver 2", s->recv[2], SIGKILL, &st) != 0)
		return -1;
	s->recv[2] = 0;
	s->recv[3] = start_receiver(3);
	if (s->recv[3] < 0)
		return -1;
	snprintf(path, sizeof(path), RECV_LOG_FMT, 3);
	if (wait_line(path, 0, "connection 1 opened from vsock cid 1", NULL,
		      CONNECT_WAIT_MS, "receiver 3 has the agent's connection") != 0)
		return -1;
	snprintf(path, sizeof(path), RECV_OUT_FMT, 3);
	return wait_line(path, 0, STEADY_COMM, NULL, DELIVER_WAIT_MS,
			 "receiver 3 decodes the steady workload");
}

/* 6: everything stops in order: the source of events, the agent (which
 * drains), the reader. */
static int stop_all(struct scenario *s)
{
	char log[PATH_BYTES];
	int st, failed = 0;

	if (stop_child("steady workload", s->steady, SIGTERM, &st) != 0)
		return -1;
	s->steady = 0;
	failed |= !exited_ok(st);
	if (stop_child("agent", s->agent, SIGTERM, &st) != 0)
		return -1;
	s->agent = 0;
	failed |= !exited_ok(st);
	snprintf(log, sizeof(log), RECV_LOG_FMT, 3);
	if (wait_line(log, 0, "connection 1 closed", NULL, DELIVER_WAIT_MS,
		      "receiver 3 read the agent's stream to its end") != 0)
		return -1;
	if (stop_child("receiver 3", s->recv[3], SIGTERM, &st) != 0)
		return -1;
	s->recv[3] = 0;
	failed |= !exited_ok(st);
	return failed ? -1 : 0;
}

static void dump(const char *dev)
{
	char path[PATH_BYTES];
	int fd = open(dev, O_WRONLY | O_NOCTTY | O_CLOEXEC);

	if (fd < 0) {
		say("open %s: %s", dev, strerror(errno));
	} else {
		for (int i = 1; i <= RECEIVERS; i++) {
			snprintf(path, sizeof(path), RECV_OUT_FMT, i);
			if (copy_file(path, fd) != 0)
				say("copy %s to %s: %s", path, dev, strerror(errno));
			else
				say("receiver %d output (%lld bytes) sent to %s", i,
				    (long long)file_size(path), dev);
		}
		if (close(fd) != 0)
			say("close %s: %s", dev, strerror(errno));
	}
	for (int i = 0; i <= RECEIVERS; i++) {
		if (i == 0)
			snprintf(path, sizeof(path), "%s", AGENT_LOG);
		else
			snprintf(path, sizeof(path), RECV_LOG_FMT, i);
		say("--- %s ---", path);
		if (copy_file(path, STDOUT_FILENO) != 0)
			say("cannot copy %s: %s", path, strerror(errno));
		say("--- end ---");
	}
}

int vsock_run(const char *dev)
{
	struct scenario s = { .agent_log_fd = -1 };
	int rc = -1, st;

	if (agent_then_receiver(&s) == 0 && standard_workload(&s) == 0 &&
	    kill_and_restart(&s) == 0 && pause_receiver(&s) == 0 &&
	    kill_stalled(&s) == 0 && stop_all(&s) == 0)
		rc = 0;
	/* After a failure: stop what is left, so its log is complete. */
	if (s.steady > 0)
		(void)stop_child("steady workload", s.steady, SIGKILL, &st);
	if (s.agent > 0)
		(void)stop_child("agent", s.agent, SIGTERM, &st);
	for (int i = 1; i <= RECEIVERS; i++) {
		if (s.recv[i] > 0) {
			char who[32];

			snprintf(who, sizeof(who), "receiver %d", i);
			(void)kill(s.recv[i], SIGCONT);
			(void)stop_child(who, s.recv[i], SIGTERM, &st);
		}
	}
	if (s.agent_log_fd >= 0)
		close(s.agent_log_fd);
	dump(dev);
	return rc;
}
