/*
 * mem.h - making fixed buffers resident at start.
 *
 * The agent's memory is allocated and touched at start and never grows
 * after: mem_prefault() touches every page of buf[0..len) now.  (A memset
 * after malloc is turned into calloc by the compiler, which touches
 * nothing.)  mem_resident() allocates n elements of size bytes, zeroed
 * and touched: NULL with errno ENOMEM when there is no room (or n * size
 * overflows).
 */
#ifndef CELLOS_AGENT_MEM_H
#define CELLOS_AGENT_MEM_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Smaller than any page size. */
#define MEM_PREFAULT_STEP 4096

static inline void mem_prefault(void *buf, size_t len)
{
	volatile uint8_t *b = buf;

	for (size_t i = 0; i < len; i += MEM_PREFAULT_STEP)
		b[i] = 0;
}

static inline void *mem_resident(size_t n, size_t size)
{
	void *p = NULL;

	if (size == 0 || n <= SIZE_MAX / size)
		p = malloc(n * size);
	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	memset(p, 0, n * size);
	mem_prefault(p, n * size);
	return p;
}

#endif /* CELLOS_AGENT_MEM_H */
