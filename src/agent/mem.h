/*
 * mem.h - making fixed buffers resident at start.
 *
 * The agent's memory is allocated and touched at start and never grows
 * after: mem_prefault() touches every page of buf[0..len) now.  (A memset
 * after malloc is turned into calloc by the compiler, which touches
 * nothing.)
 */
#ifndef CELLOS_AGENT_MEM_H
#define CELLOS_AGENT_MEM_H

#include <stddef.h>
#include <stdint.h>

/* Smaller than any page size. */
#define MEM_PREFAULT_STEP 4096

static inline void mem_prefault(void *buf, size_t len)
{
	volatile uint8_t *b = buf;

	for (size_t i = 0; i < len; i += MEM_PREFAULT_STEP)
		b[i] = 0;
}

#endif /* CELLOS_AGENT_MEM_H */
