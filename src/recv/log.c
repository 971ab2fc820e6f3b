/* log.c - see log.h. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "recv/log.h"

void recv_log(const char *level, const char *fmt, ...)
{
	char line[RECV_LOG_LINE_BYTES];
	int saved = errno;
	int n = snprintf(line, sizeof(line), "%s: %s: ", RECV_PROG, level);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;

	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	len += (size_t)m;
	/* Keep room for the newline even when the message was cut. */
	if (len > sizeof(line) - 1)
		len = sizeof(line) - 1;
	line[len++] = '\n';

	/* stderr is unbuffered; one write keeps the line whole.  A failure to
	 * log has nowhere to be reported, so it is dropped on purpose. */
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(STDERR_FILENO, line + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		off += (size_t)w;
	}
	errno = saved;
}
