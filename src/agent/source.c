/*
 * source.c - what the source lifecycle shares (see source.h).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "source.h"

int source_fail(struct source_msg *msg, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg->text, sizeof(msg->text), fmt, ap);
	va_end(ap);
	msg->armed = 0;
	return err;
}
