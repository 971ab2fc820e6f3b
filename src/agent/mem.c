/*
 * mem.c - fixed buffers, resident before the first event (see mem.h).
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

static struct {
	void *p;
	size_t len;
} pending[MEM_PENDING_MAX];
static size_t n_pending;
static bool settled;

void mem_prefault(void *buf, size_t len)
{
	volatile uint8_t *b = buf;

	for (size_t i = 0; i < len; i += MEM_PREFAULT_STEP)
		b[i] = 0;
}

void *mem_resident(size_t n, size_t size)
{
	void *p = NULL;

	if (size == 0 || n <= SIZE_MAX / size)
		p = malloc(n * size);
	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	memset(p, 0, n * size);
	if (settled || n_pending == MEM_PENDING_MAX) {
		mem_prefault(p, n * size);
	} else {
		pending[n_pending].p = p;
		pending[n_pending].len = n * size;
		n_pending++;
	}
	return p;
}

void mem_free(void *p)
{
	for (size_t i = 0; p && i < n_pending; i++) {
		if (pending[i].p == p) {
			pending[i] = pending[--n_pending];
			break;
		}
	}
	free(p);
}

void mem_settle(void)
{
	for (size_t i = 0; i < n_pending; i++)
		mem_prefault(pending[i].p, pending[i].len);
	n_pending = 0;
	settled = true;
}
