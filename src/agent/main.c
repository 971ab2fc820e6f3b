/*
 * main.c - cellos-telemetry: start the sink and the sources, run the
 * reactor, drain on SIGTERM/SIGINT.
 *
 * Sources are registered in start_sources(); a new one adds its
 * start/stop there and calls pump_emit() for its events.  --probes
 * chooses the probes: a source none of whose probes is chosen is not
 * started, and the pump lets only chosen probes through.
 */
#include "config.h"

#include <errno.h>
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
#include "options.h"
#include "procsrc.h"
#include "pump.h"
#include "reactor.h"
#include "sink.h"
#include "stats.h"

/* How often the counters are looked at (they are logged only when they
 * changed, at most once per STATS_LOG_INTERVAL_NS). */
#define STATS_TICK_NS (1000ULL * 1000 * 1000)
/* While draining, how often to check whether the sink is idle. */
#define DRAIN_POLL_MS 10

struct agent {
	struct agent_options opt;
	struct reactor *r;
	struct sink *sink;
	struct pump pump;
	struct procsrc procs;
	struct fswatch watch;
	struct bpfconnect bpf;   /* net.connect_attempted without audit */
	int sig_fd;
	int stats_fd;
	bool armed;              /* the process source is armed (or not wanted) */
	bool procs_started;      /* procsrc_start() succeeded */
	unsigned int audit_armed; /* probes the audit source armed */
	bool sources_started;    /* every source's start returned (watches armed) */
	bool sink_started;
	bool bpf_started;        /* bpfconnect_start() succeeded */
	bool ready_sent;
	bool stopping;
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
	if (a->bpf_started)
		bpfconnect_describe(&a->bpf, connect, sizeof(connect));
	else
		snprintf(connect, sizeof(connect), "%s",
			 a->audit_armed & (1u << WIRE_PROBE_NET_CONNECT_ATTEMPTED) ?
			 "audit" : "off");
	agent_log(LOG_INFO, "armed: process source %s, %u watches, %s, connects %s, sink %s",
		  a->procs_started ? procsrc_mode_name(&a->procs) : "off",
		  a->watch.live ? a->opt.watch.n_paths : 0,
		  a->audit_armed ? "audit on" : "audit off", connect, a->opt.sink_uri);
	if (a->opt.ready_fd < 0)
		return;
	do {
		w = write(a->opt.ready_fd, &nl, 1);
	} while (w < 0 && errno == EINTR);
	if (w < 0)
		agent_log(LOG_WARN, "--ready-fd=%d: write: %s", a->opt.ready_fd,
			  strerror(errno));
	if (close(a->opt.ready_fd) < 0)
		agent_log(LOG_WARN, "--ready-fd=%d: close: %s", a->opt.ready_fd,
			  strerror(errno));
}

static void on_procs_armed(void *ctx)
{
	struct agent *a = ctx;

	a->armed = true;
	maybe_ready(a);
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
		case SIGUSR1:
			update_gauges(a);
			stats_log(LOG_INFO);
			break;
		default:
			break;
		}
	}
}

static void on_stats_tick(void *ctx, uint32_t events)
{
	struct agent *a = ctx;
	uint64_t now = mono_now_ns();

	(void)events;
	(void)agent_timer_ack(a->stats_fd);
	update_gauges(a);
	stats_log_if_changed(now);
	if (agent_timer_arm_at(a->stats_fd, now + STATS_TICK_NS) < 0)
		agent_log(LOG_WARN, "stats timer: %s", strerror(errno));
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

/* Undo a start that will not run: whatever was set up is freed (so the
 * exit is clean under LeakSanitizer too). */
static void release_sources(struct agent *a)
{
	bpfconnect_stop(&a->bpf);
	a->bpf_started = false;
	audit_source_stop();
	fswatch_stop(&a->watch);
	if (a->procs_started)
		procsrc_stop(&a->procs);
	procsrc_destroy(&a->procs);
	a->procs_started = false;
}

/* net.connect_attempted from the cgroup BPF program unless audit is
 * asked for.  Returns the probes left for the audit source. */
static unsigned start_connect_bpf(struct agent *a, unsigned audit_want)
{
	const unsigned connect = 1u << WIRE_PROBE_NET_CONNECT_ATTEMPTED;
	char why[BPFCONNECT_PATH_MAX + 160];

	if (!(audit_want & connect) || a->opt.connect_source == CONNECT_SOURCE_AUDIT)
		return audit_want;
	if (bpfconnect_start(&a->bpf, a->r, &a->pump, a->opt.cgroup, why,
			     sizeof(why)) == 0) {
		a->bpf_started = true;
		return audit_want & ~connect;
	}
	if (a->opt.connect_source == CONNECT_SOURCE_BPF) {
		agent_log(LOG_WARN, "probe net.connect_attempted not armed: %s "
			  "(--connect-source=bpf)", why);
		return audit_want & ~connect;
	}
	agent_log(LOG_WARN, "bpf: %s; net.connect_attempted falls back to audit", why);
	return audit_want;
}

/* Returns 0, or the exit status after logging why. */
static int start_sources(struct agent *a)
{
	struct procsrc_config pc = {
		.coalesce_ns = (uint64_t)a->opt.coalesce_ms * 1000000ULL,
		.poll_ns = (uint64_t)a->opt.poll_ms * 1000000ULL,
		.rcvbuf = a->opt.rcvbuf,
		.force_walker = a->opt.force_walker,
	};
	const unsigned int proc_probes = (1u << WIRE_PROBE_PROCESS_SPAWNED) |
					 (1u << WIRE_PROBE_PROCESS_EXITED);
	const unsigned int want = a->opt.probes;
	char why[PATH_MAX + 128];
	enum fswatch_start_result rc;
	int proc_err = 0;

	pump_set_probes(&a->pump, want);
	if (want & proc_probes) {
		if (procsrc_start(&a->procs, a->r, &a->pump, &pc, on_procs_armed, a) == 0)
			a->procs_started = true;
		else
			proc_err = errno;
	}
	if (!a->procs_started)
		a->armed = true;        /* nothing to wait for */

	if (!(want & (1u << WIRE_PROBE_FS_INOTIFY_FIRED))) {
		if (a->opt.watch.n_paths > 0)
			agent_log(LOG_WARN, "--watch ignored: fs.inotify_fired is not in --probes");
	} else {
		rc = fswatch_start(&a->watch, &a->opt.watch, a->r, &a->pump, why,
				   sizeof(why));
		if (rc != FSWATCH_STARTED) {
			agent_log(LOG_ERR, "%s", why);
			release_sources(a);
			return rc == FSWATCH_UNAVAILABLE ? EX_UNAVAILABLE : EX_OSERR;
		}
	}

	/* Each audit probe that cannot be armed is logged with the reason. */
	unsigned audit_want = start_connect_bpf(a, want & AUDIT_SOURCE_PROBES);
	if (audit_want)
		a->audit_armed = audit_source_start(a->r, &a->pump, audit_want);

	if (proc_err != 0) {
		/* The process probes are the agent's core: without them it
		 * runs only if something else was armed. */
		if (a->audit_armed == 0 && !a->watch.live && !a->bpf_started) {
			agent_log(LOG_ERR, "no process source could be armed: %s",
				  strerror(proc_err));
			release_sources(a);
			return EX_UNAVAILABLE;
		}
		agent_log(LOG_WARN, "probes process.spawned, process.exited not armed: %s",
			  strerror(proc_err));
	}
	if (!a->procs_started && a->audit_armed == 0 && !a->watch.live &&
	    !a->bpf_started) {
		agent_log(LOG_ERR, "no probe could be armed (--probes)");
		release_sources(a);
		return EX_UNAVAILABLE;
	}
	return 0;
}

static void stop_sources(struct agent *a)
{
	/* The audit source reads what is already queued, then takes its
	 * rules out: first, so those events still go out with the drain.
	 * The connect programs likewise hand over what their ring holds. */
	bpfconnect_stop(&a->bpf);
	audit_source_stop();
	fswatch_stop(&a->watch);
	if (a->procs_started)
		procsrc_stop(&a->procs);
}

/* The main loop.  The sink is corked while one batch of events is
 * handled, so the records they make leave in one write. */
static int run(struct agent *a)
{
	while (!reactor_stopping(a->r)) {
		sink_cork(a->sink);
		int n = reactor_run_once(a->r, -1);
		sink_uncork(a->sink);
		if (n < 0)
			return -1;
	}
	return 0;
}

static void drain(struct agent *a)
{
	uint64_t deadline = mono_now_ns() + (uint64_t)a->opt.drain_ms * 1000000ULL;

	while (!sink_idle(a->sink)) {
		uint64_t now = mono_now_ns();
		if (now >= deadline) {
			agent_log(LOG_WARN, "drain time over with %zu queued",
				  sink_queued(a->sink));
			break;
		}
		uint64_t left_ms = (deadline - now) / 1000000ULL + 1;
		int wait = left_ms < DRAIN_POLL_MS ? (int)left_ms : DRAIN_POLL_MS;
		if (reactor_run_once(a->r, wait) < 0) {
			agent_log(LOG_ERR, "epoll_wait: %s", strerror(errno));
			break;
		}
	}
}

int main(int argc, char **argv)
{
	struct agent a;
	int rc;

	memset(&a, 0, sizeof(a));
	a.sig_fd = a.stats_fd = -1;
	bpfconnect_init(&a.bpf);
	rc = options_parse(&a.opt, argc, argv, stdout, stderr);
	if (rc == OPTIONS_EXIT_OK)
		return EX_OK;
	if (rc != 0)
		return rc;
	log_set_level(a.opt.verbose > 0 ? LOG_DEBUG : LOG_INFO);

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
	a.sink = sink_create(&a.opt.sink, a.opt.queue_bytes, a.r);
	if (!a.sink) {
		agent_log(LOG_ERR, "sink %s: %s", a.opt.sink_uri, strerror(errno));
		return EX_OSERR;
	}
	pump_init(&a.pump, a.opt.format, push_to_sink, a.sink);

	/* The first connect is attempted before the probes arm, so by the
	 * time init hears "ready" both have happened. */
	if (sink_start(a.sink) < 0) {
		agent_log(LOG_ERR, "sink %s: %s", a.opt.sink_uri, strerror(errno));
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
	a.stats_fd = agent_timer_create();
	if (a.stats_fd < 0 ||
	    reactor_add(a.r, a.stats_fd, EPOLLIN, on_stats_tick, &a) < 0 ||
	    agent_timer_arm_at(a.stats_fd, mono_now_ns() + STATS_TICK_NS) < 0) {
		agent_log(LOG_ERR, "stats timer: %s", strerror(errno));
		return EX_OSERR;
	}
	/* Everything is set up: give up what only setup needed, before
	 * init hears "ready" and starts the workload. */
	struct harden_config hc = {
		.needs = { .watches = a.opt.watch.n_paths > 0,
			   .audit = a.audit_armed != 0 },
		.seccomp = !a.opt.no_seccomp,
	};
	(void)harden_apply(&hc);
	maybe_ready(&a);

	if (run(&a) < 0) {
		agent_log(LOG_ERR, "epoll_wait: %s", strerror(errno));
		rc = EX_OSERR;
	}
	stop_sources(&a);
	drain(&a);
	update_gauges(&a);
	stats_log(LOG_INFO);

	procsrc_destroy(&a.procs);
	sink_destroy(a.sink);
	close(a.stats_fd);
	close(a.sig_fd);
	reactor_destroy(a.r);
	return rc;
}
