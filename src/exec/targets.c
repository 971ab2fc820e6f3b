/* targets.c - look up the protected threads and groups (see targets.h). */
#include "config.h"

#include "exec/targets.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TASK_PATH_MAX 64

static void note_pid(pid_t *v, size_t *n, pid_t pid)
{
	if (*n < GATE_MAX_TARGETS)
		v[(*n)++] = pid;
}

/* Add every thread of pid listed in /proc/PID/task.  Return 0, -E2BIG, or
 * -errno when the directory cannot be read. */
static int add_threads(struct gate_spec *spec, pid_t pid)
{
	char path[TASK_PATH_MAX];
	struct dirent *d;
	DIR *dir;
	int rc = 0;

	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	for (;;) {
		char *end;
		long tid;

		errno = 0;
		d = readdir(dir);
		if (!d) {
			if (errno)
				rc = -errno;
			break;
		}
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		tid = strtol(d->d_name, &end, 10);
		if (*end != '\0' || tid <= 0)
			continue;
		rc = gate_spec_add_target(spec, (pid_t)tid);
		if (rc < 0)
			break;
	}
	closedir(dir);
	return rc;
}

int gate_collect(struct gate_spec *spec, const pid_t *protect, size_t n,
		 bool in_new_pid_namespace, struct gate_notes *notes)
{
	pid_t own = getpgid(0);
	int rc;

	memset(notes, 0, sizeof *notes);
	spec->refuse_opaque = !in_new_pid_namespace;
	for (size_t i = 0; i < n; i++) {
		pid_t pid = protect[i];
		pid_t pgid = getpgid(pid);

		if (pgid < 0)
			note_pid(notes->missing, &notes->n_missing, pid);
		if (pid == own || (pgid >= 0 && pgid == own))
			spec->own_group_protected = true;
		if (in_new_pid_namespace)
			continue;
		rc = gate_spec_add_target(spec, pid);
		if (rc < 0)
			return rc;
		/* pid 1 as a group would be kill(-1), which has its own rule. */
		if (pid > 1 && (rc = gate_spec_add_group(spec, pid)) < 0)
			return rc;
		if (pgid > 1 && (rc = gate_spec_add_group(spec, pgid)) < 0)
			return rc;
		if (pgid < 0)
			continue;
		rc = add_threads(spec, pid);
		if (rc == -E2BIG)
			return rc;
		if (rc < 0)
			note_pid(notes->unlisted, &notes->n_unlisted, pid);
	}
	return 0;
}
