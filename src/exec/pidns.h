/* pidns.h - run the workload as pid 1 of a new pid namespace.
 *
 * Promises: gate_pidns_run() forks a child that is pid 1 of a new pid
 * namespace, in a new mount namespace whose mounts are private, with the
 * inherited /proc lazily unmounted (so unmounting the new one reveals
 * nothing) and a fresh /proc for the new namespace mounted in its place;
 * the child then calls run(arg) and exits with its return value.  The
 * caller (the relay) stays in the original namespaces, forwards HUP, INT,
 * QUIT, TERM, USR1, USR2, WINCH and CONT to the child, and returns once it
 * has exited: its exit status, or 128+N when signal N killed it (as a
 * shell reports it).  The child dies with SIGKILL if the relay dies.
 * On a setup failure the message is logged and -1 returned. */
#ifndef CELLOS_EXEC_PIDNS_H
#define CELLOS_EXEC_PIDNS_H

int gate_pidns_run(int (*run)(void *arg), void *arg);

#endif
