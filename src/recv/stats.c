/* stats.c - see stats.h. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "recv/log.h"
#include "recv/stats.h"

void recv_stats_count_error(struct recv_stats *s, enum wire_error code)
{
	unsigned i = (unsigned)code;
	if (i > WIRE_ERR_COUNT)
		i = WIRE_ERR_COUNT;
	s->by_error[i]++;
	s->errors++;
}

void recv_stats_log(const struct recv_stats *s)
{
	recv_info("stats: frames=%" PRIu64 " bytes=%" PRIu64
		  " connections=%" PRIu64 " refused=%" PRIu64
		  " silenced=%" PRIu64 " errors=%" PRIu64,
		  s->frames, s->bytes, s->connections, s->refused, s->silenced,
		  s->errors);
	if (s->errors == 0)
		return;

	char line[RECV_LOG_LINE_BYTES];
	size_t len = 0;
	line[0] = '\0';
	for (unsigned i = 0; i <= WIRE_ERR_COUNT; i++) {
		if (s->by_error[i] == 0)
			continue;
		int n = snprintf(line + len, sizeof(line) - len, "%s%s=%" PRIu64,
				 len ? " " : "",
				 wire_error_name((enum wire_error)i),
				 s->by_error[i]);
		if (n < 0 || (size_t)n >= sizeof(line) - len)
			break;
		len += (size_t)n;
	}
	recv_info("errors: %s", line);
}
