/* signals.c - see signals.h. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "recv/files.h"
#include "recv/log.h"
#include "recv/signals.h"

int recv_signals_setup(void)
{
	sigset_t set;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) < 0) {
		recv_err("sigaction(SIGPIPE): %s", strerror(errno));
		return -1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
		recv_err("sigprocmask: %s", strerror(errno));
		return -1;
	}
	int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		recv_err("signalfd: %s", strerror(errno));
	return fd;
}

enum recv_signal_action recv_signals_take(int sigfd, struct recv_ctx *c)
{
	for (;;) {
		struct signalfd_siginfo si;
		ssize_t n = read(sigfd, &si, sizeof(si));

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return RECV_SIGNAL_NONE;
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(si)) {
			recv_err("signalfd: %s",
				 n < 0 ? strerror(errno) : "short read");
			return RECV_SIGNAL_ERROR;
		}
		if (si.ssi_signo == SIGHUP) {
			if (recv_files_reopen(c) < 0) {
				recv_err("output: %s", strerror(errno));
				return RECV_SIGNAL_IO_ERROR;
			}
			continue;
		}
		recv_info("%s received, stopping", strsignal((int)si.ssi_signo));
		return RECV_SIGNAL_STOP;
	}
}
