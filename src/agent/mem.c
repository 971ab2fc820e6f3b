/*
 * mem.c - fixed buffers, resident before the first event (see mem.h).
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "mem.h"

/* Each region is its own anonymous mapping: the kernel's zero pages, not
 * one of them touched until mem_settle() (malloc'd memory comes back
 * dirty from the heap, and calloc then clears it with a memset: that
 * faulted some 30 pages on the way to the ready line). */
static struct {
	void *p;
	size_t len;
} regions[MEM_REGIONS_MAX];
static size_t n_regions;
static bool settled;

void mem_prefault(void *buf, size_t len)
{
	volatile uint8_t *b = buf;

	for (size_t i = 0; i < len; i += MEM_PREFAULT_STEP)
		b[i] = 0;
	/* Heap memory need not start on a page: its last page may begin
	 * after the last step. */
	if (len > 0)
		b[len - 1] = 0;
}

void *mem_resident(size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	size_t len = n * size;

	if (len == 0)
		len = 1; /* a distinct pointer, as malloc(0) may give */

	if (n_regions == MEM_REGIONS_MAX) {
		/* The table of regions is full: heap memory, touched now. */
		void *p = calloc(1, len);
		if (!p) {
			errno = ENOMEM;
			return NULL;
		}
		mem_prefault(p, len);
		return p;
	}
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		errno = ENOMEM;
		return NULL;
	}
	regions[n_regions].p = p;
	regions[n_regions].len = len;
	n_regions++;
	if (settled)
		mem_prefault(p, len);
	return p;
}

void mem_free(void *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < n_regions; i++) {
		if (regions[i].p == p) {
			/* Cannot fail for a whole mapping we made. */
			(void)munmap(p, regions[i].len);
			regions[i] = regions[--n_regions];
			return;
		}
	}
	free(p);
}

void mem_settle(void)
{
	/* Regions made after it were touched when they were made. */
	if (settled)
		return;
	for (size_t i = 0; i < n_regions; i++)
		mem_prefault(regions[i].p, regions[i].len);
	settled = true;
}
