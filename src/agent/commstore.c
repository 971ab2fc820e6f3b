/*
 * commstore.c - per-process name history from perf records (see
 * commstore.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "commstore.h"
#include "mem.h"

#define SLOTS (COMMSTORE_SETS * COMMSTORE_WAYS)

int commstore_init(struct commstore *cs)
{
	memset(cs, 0, sizeof(*cs));
	cs->slots = mem_resident(SLOTS, sizeof(*cs->slots));
	return cs->slots ? 0 : -1;
}

void commstore_fini(struct commstore *cs)
{
	mem_free(cs->slots);
	cs->slots = NULL;
}

size_t commstore_set_index(uint32_t pid)
{
	/* Knuth's multiplicative hash: consecutive pids spread over sets. */
	return ((pid * 2654435761u) >> 16) % COMMSTORE_SETS;
}

static struct cs_entry *set_of(struct commstore *cs, uint32_t pid)
{
	return &cs->slots[commstore_set_index(pid) * COMMSTORE_WAYS];
}

static struct cs_entry *find(struct commstore *cs, uint32_t pid)
{
	struct cs_entry *set = set_of(cs, pid);

	if (pid == 0)
		return NULL;
	for (int w = 0; w < COMMSTORE_WAYS; w++)
		if (set[w].pid == pid)
			return &set[w];
	return NULL;
}

/* A free way, else the one that exited, else the least recently named. */
static struct cs_entry *create(struct commstore *cs, uint32_t pid,
			       uint64_t time)
{
	struct cs_entry *set = set_of(cs, pid);
	struct cs_entry *victim = NULL;

	for (int w = 0; w < COMMSTORE_WAYS; w++) {
		struct cs_entry *e = &set[w];
		if (e->pid == 0) {
			victim = e;
			break;
		}
		if (!victim || (e->exited && !victim->exited) ||
		    (e->exited == victim->exited && e->touched < victim->touched))
			victim = e;
	}
	if (victim->pid != 0)
		cs->evicted++;
	memset(victim, 0, sizeof(*victim));
	victim->pid = pid;
	victim->created = time;
	return victim;
}

/* Insert in time order; the oldest name gives way when full. */
static void add_name(struct cs_entry *e, uint64_t time, bool exec,
		     const char *name, size_t len)
{
	size_t i;

	if (e->n == COMMSTORE_HIST) {
		memmove(&e->hist[0], &e->hist[1],
			(COMMSTORE_HIST - 1) * sizeof(e->hist[0]));
		e->n--;
	}
	i = e->n;
	while (i > 0 && e->hist[i - 1].time > time) {
		e->hist[i] = e->hist[i - 1];
		i--;
	}
	if (len > PERFCOMM_NAME_LEN)
		len = PERFCOMM_NAME_LEN;
	e->hist[i].time = time;
	e->hist[i].exec = exec;
	e->hist[i].len = (uint8_t)len;
	memcpy(e->hist[i].name, name, len);
	e->n++;
	if (time > e->touched)
		e->touched = time;
}

/* The latest name at or before ts (and at or after from), or NULL. */
static const struct cs_name *name_at(const struct cs_entry *e, uint64_t from,
				     uint64_t ts)
{
	for (size_t i = e->n; i > 0; i--) {
		const struct cs_name *n = &e->hist[i - 1];
		if (n->time <= ts)
			return n->time >= from ? n : NULL;
	}
	return NULL;
}

static void on_fork(struct commstore *cs, const struct perfcomm_rec *r)
{
	struct cs_entry *e = find(cs, r->pid);
	const struct cs_entry *parent = find(cs, r->ppid);
	const struct cs_name *pn = parent ? name_at(parent, parent->born, r->time) : NULL;

	struct cs_name inherited;

	/* Even without a name to inherit, the child's history starts here:
	 * a kernel thread names itself without a connector comm event. */
	/* Copied first: creating the child's entry may evict the parent's. */
	if (pn)
		inherited = *pn;
	if (!e)
		e = create(cs, r->pid, r->time);
	/* The pid's previous holder is gone: its names are not this one's. */
	size_t keep = 0;
	for (size_t i = 0; i < e->n; i++)
		if (e->hist[i].time >= r->time)
			e->hist[keep++] = e->hist[i];
	e->n = (uint8_t)keep;
	e->born = r->time;
	e->consumed = r->time;
	e->created = r->time;
	e->exited = false;
	if (pn)
		add_name(e, r->time, false, inherited.name, inherited.len);
}

void commstore_record(struct commstore *cs, const struct perfcomm_rec *r)
{
	struct cs_entry *e;

	/* Threads: their forks, exits and names are not the process's. */
	if (r->pid != r->tid || r->pid == 0)
		return;
	switch (r->kind) {
	case PERFCOMM_COMM:
		e = find(cs, r->pid);
		if (!e) {
			/* A rename of a process not followed since its exec
			 * or fork tells nothing complete: only execs and forks
			 * start a history. */
			if (!r->exec)
				return;
			e = create(cs, r->pid, r->time);
		}
		add_name(e, r->time, r->exec, r->name, r->name_len);
		return;
	case PERFCOMM_FORK:
		on_fork(cs, r);
		return;
	case PERFCOMM_EXIT:
		e = find(cs, r->pid);
		if (e)
			e->exited = true;
		return;
	}
}

void commstore_lost(struct commstore *cs, uint64_t n, uint64_t time)
{
	cs->lost += n;
	if (time > cs->last_lost)
		cs->last_lost = time;
}

int commstore_exec_name(struct commstore *cs, uint32_t pid, uint64_t ts,
			char out[PERFCOMM_NAME_LEN])
{
	struct cs_entry *e = find(cs, pid);
	const struct cs_name *best = NULL;
	bool later = false;

	if (!e)
		return COMMSTORE_UNKNOWN;
	for (size_t i = 0; i < e->n; i++) {
		const struct cs_name *n = &e->hist[i];
		if (n->time > ts)
			later = true;
		else if (n->exec && n->time > e->consumed)
			best = n;
	}
	if (ts > e->consumed)
		e->consumed = ts;
	if (!best)
		return later ? COMMSTORE_LATER : COMMSTORE_UNKNOWN;
	memcpy(out, best->name, best->len);
	return best->len;
}

int commstore_exit_name(struct commstore *cs, uint32_t pid, uint64_t ts,
			char out[PERFCOMM_NAME_LEN])
{
	struct cs_entry *e = find(cs, pid);
	const struct cs_name *n;
	int len = COMMSTORE_UNKNOWN;

	if (!e || ts < e->born)
		return COMMSTORE_UNKNOWN; /* an older holder of the pid */
	n = name_at(e, e->born, ts);
	/* A ring overrun while it lived may have taken a rename. */
	if (n && cs->last_lost < e->created) {
		memcpy(out, n->name, n->len);
		len = n->len;
	}
	memset(e, 0, sizeof(*e));
	return len;
}

size_t commstore_count(const struct commstore *cs)
{
	size_t n = 0;

	for (size_t i = 0; i < SLOTS; i++)
		n += cs->slots[i].pid != 0;
	return n;
}
