/*
 * log.c - the agent's log lines and rate limits (see log.h).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "log.h"

#define LOG_PROG "cellos-telemetry"
#define LOG_NS_PER_SEC 1000000000ULL

static enum log_level max_level = LOG_INFO;
static int log_fd = STDERR_FILENO;

void log_set_level(enum log_level max)
{
	max_level = max;
}

void log_set_fd(int fd)
{
	log_fd = fd;
}

static const char *level_name(enum log_level level)
{
	switch (level) {
	case LOG_ERR: return "error";
	case LOG_WARN: return "warning";
	case LOG_INFO: return "info";
	case LOG_DEBUG: return "debug";
	}
	return "info";
}

static void vlog(enum log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void vlog(enum log_level level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_BYTES];
	int n, m;
	ssize_t w;

	n = snprintf(line, sizeof(line), LOG_PROG ": %s: ", level_name(level));
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (m < 0)
		return;
	size_t len = (size_t)n + (size_t)m;
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	/* A failed log write has nowhere to be reported. */
	do {
		w = write(log_fd, line, len);
	} while (w < 0 && errno == EINTR);
}

void agent_log(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

bool log_limit_pass(struct log_limit *l, uint64_t now_ns, uint64_t *suppressed)
{
	if (!l->open || now_ns - l->window_start_ns >= l->window_ns) {
		l->open = true;
		l->window_start_ns = now_ns;
		l->in_window = 0;
	}
	if (l->in_window >= l->burst) {
		l->suppressed++;
		return false;
	}
	l->in_window++;
	if (suppressed)
		*suppressed = l->suppressed;
	l->suppressed = 0;
	return true;
}

void agent_log_limited(struct log_limit *l, uint64_t now_ns,
		       enum log_level level, const char *fmt, ...)
{
	uint64_t held;
	va_list ap;

	if (!log_limit_pass(l, now_ns, &held))
		return;
	if (held > 0)
		agent_log(LOG_WARN, "%s: %" PRIu64 " messages not logged (more than %u in %" PRIu64 " s)",
			  l->what, held, l->burst, (uint64_t)(l->window_ns / LOG_NS_PER_SEC));
	if (level > max_level)
		return;
	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}
