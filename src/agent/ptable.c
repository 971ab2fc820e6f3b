/*
 * ptable.c - open-addressed pid table.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ptable.h"
#include "mem.h"
#include "source.h"

int ptable_init(struct ptable *t, size_t cap)
{
	size_t c = 16;

	while (c < cap)
		c <<= 1;
	memset(t, 0, sizeof(*t));
	/* Every page touched now: the resident size is then what it will
	 * always be, instead of creeping up as pids land in new slots. */
	t->slots = mem_resident(c, sizeof(*t->slots));
	if (!t->slots)
		return -1;
	t->cap = c;
	t->mask = c - 1;
	t->max_count = c / PTABLE_MAX_LOAD_DEN * PTABLE_MAX_LOAD_NUM;
	return 0;
}

void ptable_fini(struct ptable *t)
{
	mem_free(t->slots);
	memset(t, 0, sizeof(*t));
}

/* Fibonacci hashing: pids are dense and sequential, the multiply spreads
 * neighbours across the table. */
static size_t home(const struct ptable *t, uint32_t pid)
{
	return (size_t)((pid * 2654435761u) >> 7) & t->mask;
}

struct pt_entry *ptable_find(struct ptable *t, uint32_t pid)
{
	if (pid == 0 || !t->slots)
		return NULL;
	for (size_t i = home(t, pid);; i = (i + 1) & t->mask) {
		struct pt_entry *e = &t->slots[i];

		if (e->state == PT_FREE)
			return NULL;
		if (e->pid == pid)
			return e;
	}
}

struct pt_entry *ptable_get(struct ptable *t, uint32_t pid, bool *created)
{
	*created = false;
	if (pid == 0 || !t->slots)
		return NULL;
	for (size_t i = home(t, pid);; i = (i + 1) & t->mask) {
		struct pt_entry *e = &t->slots[i];

		if (e->state == PT_FREE) {
			if (t->count >= t->max_count)
				return NULL;
			memset(e, 0, sizeof(*e));
			e->pid = pid;
			/* Claimed now so that the next probe sees it; the
			 * caller sets the real state. */
			e->state = PT_EXIT_NOTED;
			t->count++;
			*created = true;
			return e;
		}
		if (e->pid == pid)
			return e;
	}
}

void ptable_remove(struct ptable *t, struct pt_entry *e)
{
	size_t hole = (size_t)(e - t->slots);

	/* Backward shift: pull later members of the cluster into the hole
	 * when their home position allows it, so no tombstone is needed. */
	for (size_t j = (hole + 1) & t->mask;; j = (j + 1) & t->mask) {
		struct pt_entry *n = &t->slots[j];

		if (n->state == PT_FREE)
			break;
		size_t h = home(t, n->pid);
		/* n may move to hole if hole lies cyclically in [h, j). */
		bool movable = (j > hole) ? (h <= hole || h > j)
					  : (h <= hole && h > j);
		if (movable) {
			t->slots[hole] = *n;
			hole = j;
		}
	}
	memset(&t->slots[hole], 0, sizeof(t->slots[hole]));
	t->count--;
}
