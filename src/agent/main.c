/*
 * main.c - cellos-telemetry: start the sink and the sources, run the
 * reactor, drain on SIGTERM/SIGINT.
 *
 * Sources are started in start_sources() and stopped in stop_sources();
 * each follows the lifecycle in source.h, its state a member of struct
 * agent.  A new source adds its member, one start block like the others
 * and its stop, and calls pump_emit() for its events.  --probes chooses
 * the probes: a source none of whose probes is chosen is not started, and
 * the pump lets only chosen probes through.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sysexits.h>
#include <unistd.h>

#include "audit.h"
#include "bpfconnect.h"
#include "fswatch.h"
#include "harden.h"
#include "mem.h"
#include "options.h"
#include "procsrc.h"
#include "pump.h"
#include "reactor.h"
#include "sink.h"
#include "source.h"
#include "stats.h"
#include "statsreport.h"

/* How often the counters are looked at: a loss is logged within this
 * (statsreport.h says when the counters line is due). */
#define STATS_TICK_NS CLOCK_NS_PER_SEC
/* While draining, how often to check whether the sink is idle. */
#define DRAIN_POLL_MS 10

struct agent {
	struct agent_options opt;
	struct reactor *r;
	struct sink *sink;
	struct pump pump;
	struct procsrc procs;
	struct fswatch watch;
	struct audit audit;
	struct bpfconnect bpf;   /* net.connect_attempted without audit */
	unsigned int audit_armed; /* the probes the audit source armed */
	int sig_fd;
	struct clock_timer stats_timer;
	bool armed;              /* the process source is armed (or not wanted) */
	unsigned int probes_armed; /* 1u << enum wire_probe, every source's */
	bool sources_started;    /* every source's start returned (watches armed) */
	bool sink_started;
	bool ready_sent;
	struct harden_config hc;
	bool seccomp_pending;    /* harden_apply() done, the filter not yet */
	bool stopping;
	struct statsreport report; /* when the counters line is due */
};

static bool push_to_sink(void *ctx, const uint8_t *rec, size_t len)
{
	return sink_push(ctx, rec, len);
}

static void update_gauges(struct agent *a)
{
	stats_set(STAT_QUEUED, sink_queued(a->sink));
}

static void maybe_ready(struct agent *a)
{
	static const char nl = '\n';
	char connect[64];
	ssize_t w;

	if (a->ready_sent || !a->armed || !a->sources_started ||
	    !a->sink_started)
		return;
	a->ready_sent = true;
	if (a->bpf.started)
		bpfconnect_describe(&a->bpf, connect, sizeof(connect));
	else
		snprintf(connect, sizeof(connect), "%s",
			 a->audit_armed & (1u << WIRE_PROBE_NET_CONNECT_ATTEMPTED) ?
			 "audit" : "off");
	agent_log(LOG_INFO, "armed: process source %s, %u watches, %s, connects %s, sink %s",
		  a->probes_armed & PROCSRC_PROBES ? procsrc_mode_name(&a->procs) : "off",
		  a->watch.live ? a->opt.watch.n_paths : 0,
		  a->audit_armed ? "audit on" : "audit off", connect,
		  a->opt.sink_uri);
	if (a->opt.ready_fd >= 0) {
		do {
			w = write(a->opt.ready_fd, &nl, 1);
		} while (w < 0 && errno == EINTR);
		if (w < 0)
			agent_log(LOG_WARN, "--ready-fd=%d: write: %s",
				  a->opt.ready_fd, strerror(errno));
		if (close(a->opt.ready_fd) < 0)
			agent_log(LOG_WARN, "--ready-fd=%d: close: %s",
				  a->opt.ready_fd, strerror(errno));
	}
	/* Before this returns to the reactor: nothing the workload (started
	 * once init hears the newline) does is read before the filter, nor
	 * with a page of the tables not yet resident. */
	mem_settle();
	if (a->seccomp_pending) {
		a->seccomp_pending = false;
		(void)harden_seccomp(&a->hc);
	}
}

static void on_procs_armed(void *ctx)
{
	struct agent *a = ctx;

	a->armed = true;
	maybe_ready(a);
}

static void counters_now(uint64_t c[STAT_COUNT])
{
	for (int i = 0; i < STAT_COUNT; i++)
		c[i] = stats_get((enum stat_id)i);
}

static void on_signal(void *ctx, uint32_t events)
{
	struct agent *a = ctx;
	struct signalfd_siginfo si;
	ssize_t n;

	(void)events;
	for (;;) {
		n = read(a->sig_fd, &si, sizeof(si));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(si))
			return;
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			agent_log(LOG_INFO, "%s: draining for at most %u ms",
				  strsignal((int)si.ssi_signo), a->opt.drain_ms);
			a->stopping = true;
			reactor_stop(a->r);
			break;
		case SIGUSR1: {
			uint64_t c[STAT_COUNT];

			update_gauges(a);
			stats_log(LOG_INFO);
			counters_now(c);
			statsreport_line_logged(&a->report, c, clock_now_ns());
			break;
		}
		default:
			break;
		}
	}
}

static void on_stats_tick(void *ctx, uint32_t events)
{
	struct agent *a = ctx;
	uint64_t now = clock_now_ns();
	uint64_t c[STAT_COUNT];
	char loss[STATSREPORT_LOSS_BYTES], line[STATS_LINE_BYTES];
	int err;

	(void)events;
	clock_timer_ack(&a->stats_timer);
	update_gauges(a);
	counters_now(c);
	switch (statsreport_due(&a->report, c, now, loss, sizeof(loss))) {
	case STATSREPORT_LOSS:
		stats_format(line, sizeof(line));
		agent_log(LOG_WARN, "lost or resynced: %s; %s", loss, line);
		break;
	case STATSREPORT_LINE:
		stats_log(LOG_INFO);
		break;
	default:
		break;
	}
	err = clock_timer_arm_at(&a->stats_timer, now + STATS_TICK_NS);
	if (err < 0)
		agent_log(LOG_WARN, "stats timer: %s", strerror(-err));
}

static int setup_signals(struct agent *a)
{
	sigset_t set;

	/* A dead listener must be an error return, not a death. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		return -1;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	a->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (a->sig_fd < 0)
		return -1;
	return reactor_add(a->r, a->sig_fd, EPOLLIN, on_signal, a);
}

/* The agent moves to / once set up, so a relative unix: sink path is
 * made absolute first: reconnects must reach the same socket. */
static int absolute_sink_path(struct sink_addr *sa)
{
	char cwd[PATH_MAX];
	char abs[sizeof(sa->path)];
	int n;

	if (sa->kind != SINK_UNIX || sa->path[0] == '/')
		return 0;
	if (!getcwd(cwd, sizeof(cwd)))
		return -1;
	n = snprintf(abs, sizeof(abs), "%s/%s", cwd, sa->path);
	if (n < 0 || (size_t)n >= sizeof(abs)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa->path, abs, sizeof(abs));
	return 0;
}

/* Every source's stop (source.h: safe after a failed start and twice).
 * The audit source reads what is already queued, then takes its rules
 * out: first, so those events still go out with the drain. */
static void stop_sources(struct agent *a)
{
	bpfconnect_stop(&a->bpf);
	audit_stop(&a->audit);
	fswatch_stop(&a->watch);
	procsrc_stop(&a->procs);
}

/* A probe that was asked for and could not be armed, and why. */
static void report_unarmed(unsigned int asked, unsigned int armed, const char *why)
{
	for (unsigned int p = 0; p < WIRE_PROBE_COUNT; p++)
		if ((asked & ~armed) & (1u << p))
			agent_log(LOG_WARN, "probe %s not armed: %s",
				  wire_probe_name((enum wire_probe)p), why);
}

/* The exit status for a start that cannot go on: the machine is short of
 * something, or what was asked for cannot be had. */
static int exit_status_of(int err)
{
	switch (err) {
	case -ENOMEM: case -EMFILE: case -ENFILE: case -ENOSPC:
		return EX_OSERR;
	default:
		return EX_UNAVAILABLE;
	}
}

/* net.connect_attempted from the cgroup BPF program unless audit is
 * asked for.  Returns the probes left for the audit source. */
static unsigned int start_connect_bpf(struct agent *a, const struct source_env *env,
				      unsigned int audit_want)
{
	const unsigned int connect = 1u << WIRE_PROBE_NET_CONNECT_ATTEMPTED;
	struct source_msg msg;

	if (!(audit_want & connect) || a->opt.connect_source == CONNECT_SOURCE_AUDIT)
		return audit_want;
	if (bpfconnect_start(&a->bpf, env, a->opt.cgroup, &msg) == 0) {
		a->probes_armed |= msg.armed;
		return audit_want & ~connect;
	}
	if (a->opt.connect_source == CONNECT_SOURCE_BPF) {
		agent_log(LOG_WARN, "probe net.connect_attempted not armed: %s "
			  "(--connect-source=bpf)", msg.text);
		return audit_want & ~connect;
	}
	agent_log(LOG_WARN, "bpf: %s; net.connect_attempted falls back to audit", msg.text);
	return audit_want;
}

/* Returns 0, or the exit status after logging why. */
static int start_sources(struct agent *a)
{
	struct procsrc_config pc = {
		.coalesce_ns = (uint64_t)a->opt.coalesce_ms * CLOCK_NS_PER_MS,
		.poll_ns = (uint64_t)a->opt.poll_ms * CLOCK_NS_PER_MS,
		.rcvbuf = a->opt.rcvbuf,
		.force_walker = a->opt.force_walker,
		.no_perf = a->opt.no_perf,
		.perf_pages = a->opt.perf_pages,
		.kernel_threads = a->opt.kernel_threads,
	};
	const struct source_env env = { .r = a->r, .pump = &a->pump };
	const unsigned int want = a->opt.probes;
	struct source_msg msg;
	int err;

	pump_set_probes(&a->pump, want);
	if (want & PROCSRC_PROBES) {
		err = procsrc_start(&a->procs, &env, &pc, on_procs_armed, a, &msg);
		a->probes_armed |= err == 0 ? msg.armed : 0;
		report_unarmed(want & PROCSRC_PROBES, a->probes_armed, msg.text);
	}
	if (!(a->probes_armed & PROCSRC_PROBES))
		a->armed = true;        /* nothing to wait for */

	if (!(want & (1u << WIRE_PROBE_FS_INOTIFY_FIRED))) {
		if (a->opt.watch.n_paths > 0)
			agent_log(LOG_WARN, "--watch ignored: fs.inotify_fired is not in --probes");
	} else {
		/* A path that cannot be watched at start ends the agent
		 * (unless --watch-failure=degrade): the user named it. */
		err = fswatch_start(&a->watch, &env, &a->opt.watch, &msg);
		if (err < 0) {
			agent_log(LOG_ERR, "%s", msg.text);
			stop_sources(a);
			return exit_status_of(err);
		}
		a->probes_armed |= msg.armed;
	}

	const unsigned int audit_want = start_connect_bpf(a, &env, want & AUDIT_SOURCE_PROBES);
	if (audit_want) {
		err = audit_start(&a->audit, &env, audit_want, &msg);
		a->audit_armed = err == 0 ? msg.armed : 0;
		a->probes_armed |= a->audit_armed;
		report_unarmed(audit_want, a->probes_armed, msg.text);
	}

	if (a->probes_armed == 0) {
		agent_log(LOG_ERR, "no probe could be armed (--probes)");
		stop_sources(a);
		return EX_UNAVAILABLE;
	}
	return 0;
}

/* The main loop.  The sink is corked while one batch of events is
 * handled, so the records they make leave in one write. */
static int run(struct agent *a)
{
	/* Standard output that went away cannot come back: end like a filter. */
	while (!reactor_stopping(a->r) && !sink_gone(a->sink)) {
		sink_cork(a->sink);
		int n = reactor_run_once(a->r, -1);
		sink_uncork(a->sink);
		if (n < 0)
			return -1;
	}
	return 0;
}

/* An init waits on the --ready-fd pipe: a descriptor the agent cannot
 * write would leave it waiting forever, so it is a usage error at start,
 * before anything is armed.  (0-2 are refused by options_parse.) */
static int check_ready_fd(int fd)
{
	int fl;

	if (fd < 0)
		return 0;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0) {
		fprintf(stderr, "cellos-telemetry: --ready-fd: invalid value '%d': file descriptor %d is not open (%s); allowed: a descriptor open for writing, 3 or more\n",
			fd, fd, strerror(errno));
		return EX_USAGE;
	}
	if ((fl & O_ACCMODE) == O_RDONLY) {
		fprintf(stderr, "cellos-telemetry: --ready-fd: invalid value '%d': file descriptor %d is open for reading only; allowed: a descriptor open for writing, 3 or more\n",
			fd, fd);
		return EX_USAGE;
	}
	return 0;
}

static void drain(struct agent *a)
{
	uint64_t deadline = clock_now_ns() + (uint64_t)a->opt.drain_ms * CLOCK_NS_PER_MS;

	while (!sink_idle(a->sink)) {
		uint64_t now = clock_now_ns();
		if (now >= deadline) {
			agent_log(LOG_WARN, "drain time over with %zu queued",
				  sink_queued(a->sink));
			break;
		}
		uint64_t left_ms = (deadline - now) / CLOCK_NS_PER_MS + 1;
		int wait = left_ms < DRAIN_POLL_MS ? (int)left_ms : DRAIN_POLL_MS;
		if (reactor_run_once(a->r, wait) < 0) {
			agent_log(LOG_ERR, "epoll_wait: %s", strerror(errno));
			break;
		}
	}
}

int main(int argc, char **argv)
{
	/* Static, so zero without a memset: the struct is some 36 KB, most
	 * of it buffers an agent may never use, and a page touched before
	 * the ready line costs the workload's start ~10 us (mem.h). */
	static struct agent a;
	int rc;

	a.sig_fd = -1;
	clock_timer_init(&a.stats_timer);
	rc = options_parse(&a.opt, argc, argv, stdout, stderr);
	if (rc == OPTIONS_EXIT_OK)
		return EX_OK;
	if (rc != 0)
		return rc;
	log_set_level(a.opt.verbose > 0 ? LOG_DEBUG : LOG_INFO);
	rc = check_ready_fd(a.opt.ready_fd);
	if (rc != 0)
		return rc;

	/* Before anything of ours is open: what is >= 3 now was inherited. */
	if (harden_close_inherited(a.opt.ready_fd) < 0)
		agent_log(LOG_WARN, "closing inherited descriptors: %s",
			  strerror(errno));
	if (absolute_sink_path(&a.opt.sink) < 0) {
		agent_log(LOG_ERR, "--sink=%s: cannot make the path absolute: %s",
			  a.opt.sink_uri, strerror(errno));
		return EX_USAGE;
	}

	a.r = reactor_create();
	if (!a.r) {
		agent_log(LOG_ERR, "epoll: %s", strerror(errno));
		return EX_OSERR;
	}
	if (setup_signals(&a) < 0) {
		agent_log(LOG_ERR, "signals: %s", strerror(errno));
		return EX_OSERR;
	}
	rc = sink_create(&a.sink, &a.opt.sink, a.opt.queue_bytes, a.r);
	if (rc < 0) {
		agent_log(LOG_ERR, "sink %s: %s", a.opt.sink_uri, strerror(-rc));
		return EX_OSERR;
	}
	pump_init(&a.pump, a.opt.format, push_to_sink, a.sink);

	/* The first connect is attempted before the probes arm, so by the
	 * time init hears "ready" both have happened. */
	rc = sink_start(a.sink);
	if (rc < 0) {
		agent_log(LOG_ERR, "sink %s: %s", a.opt.sink_uri, strerror(-rc));
		return EX_OSERR;
	}
	a.sink_started = true;

	rc = start_sources(&a);
	if (rc != 0) {
		/* Freed so that a sanitizer build exits with the status too. */
		sink_destroy(a.sink);
		close(a.sig_fd);
		reactor_destroy(a.r);
		return rc;
	}
	a.sources_started = true;
	statsreport_init(&a.report, a.opt.stats_interval_s, clock_now_ns());
	rc = clock_timer_open(&a.stats_timer, a.r, on_stats_tick, &a);
	if (rc == 0)
		rc = clock_timer_arm_in(&a.stats_timer, STATS_TICK_NS);
	if (rc < 0) {
		agent_log(LOG_ERR, "stats timer: %s", strerror(-rc));
		return EX_OSERR;
	}
	/* Everything is set up: give up what only setup needed, before
	 * init hears "ready" and starts the workload.  The system-call
	 * filter follows the ready line at once (maybe_ready). */
	a.hc = (struct harden_config){
		.needs = { .watches = a.opt.watch.n_paths > 0,
			   .audit = a.audit_armed != 0 },
		.seccomp = !a.opt.no_seccomp,
	};
	(void)harden_apply(&a.hc);
	a.seccomp_pending = true;
	maybe_ready(&a);

	if (run(&a) < 0) {
		agent_log(LOG_ERR, "epoll_wait: %s", strerror(errno));
		rc = EX_OSERR;
	}
	stop_sources(&a);
	drain(&a);
	update_gauges(&a);
	stats_log(LOG_INFO);
	/* The reader of --sink=- leaving is a normal end (status 0, as for
	 * any filter); another write error on stdout is not. */
	if (rc == 0 && sink_gone(a.sink) != 0 && sink_gone(a.sink) != EPIPE)
		rc = EX_IOERR;

	sink_destroy(a.sink);
	clock_timer_close(&a.stats_timer);
	close(a.sig_fd);
	reactor_destroy(a.r);
	return rc;
}
