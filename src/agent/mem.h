/*
 * mem.h - fixed buffers, resident before the first event.
 *
 * The agent's memory is allocated at start and never grows after.  Each
 * page of it is touched once before the agent handles its first event, so
 * the resident size is what it will always be and no event pays for a
 * page fault.  Touching waits until the agent is ready (mem_settle()):
 * a page fault costs a guest about 10 us, and the agent's large tables are
 * some 60 pages, a tenth of the time from exec to ready.
 *
 *  - mem_resident(n, size): n zeroed elements of size bytes, or NULL with
 *    errno ENOMEM (also when n * size overflows).  Before mem_settle() no
 *    page of it is touched (up to MEM_REGIONS_MAX regions alive at once;
 *    beyond, they are touched at once); after it, at once.
 *  - mem_free(p): free what mem_resident() gave (NULL is fine).
 *  - mem_settle(): touch every page of every region not yet touched.
 *  - mem_prefault(buf, len): touch every page of buf[0..len) now.  (A
 *    memset after malloc is turned into calloc by the compiler, which
 *    touches nothing.)
 */
#ifndef CELLOS_AGENT_MEM_H
#define CELLOS_AGENT_MEM_H

#include <stddef.h>
#include <stdint.h>

/* Smaller than any page size. */
#define MEM_PREFAULT_STEP 4096
#define MEM_REGIONS_MAX 16

void mem_prefault(void *buf, size_t len);
void *mem_resident(size_t n, size_t size);
void mem_free(void *p);
void mem_settle(void);

#endif /* CELLOS_AGENT_MEM_H */
