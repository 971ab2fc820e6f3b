/* log.h - messages of cellos-workload-exec.
 *
 * Promises: one line on stderr, "cellos-workload-exec: <level>: <msg>",
 * written with a single write so lines of several processes (the relay
 * and the workload's pid 1) do not interleave; errno is preserved. */
#ifndef CELLOS_EXEC_LOG_H
#define CELLOS_EXEC_LOG_H

#define GATE_PROG "cellos-workload-exec"

void gate_log(const char *level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
