#!/bin/sh
# bounded.sh SHELL TEST [ARGS...]: the test driver's way to run one
# integration script with a deadline (TEST_TIMEOUT seconds, default 300).
# A test that hangs must not hold the whole suite (or CI) until an outer
# limit kills everything without a word: past the deadline this prints the
# test's processes (what each waits in) into the test's log, ends them
# all, and fails the test.
#
# The test runs in a session of its own (setsid), so "all its processes"
# is its process group, and nothing of the test driver's is touched.

sh=$1
shift
limit=${TEST_TIMEOUT:-300}
case $limit in
'' | *[!0-9]*)
	echo "bounded.sh: TEST_TIMEOUT='$limit' is not a number of seconds" >&2
	exit 99 ;;
esac

# The script is not a process-group leader here (no job control in a
# non-interactive shell), so setsid(1) calls setsid(2) without forking:
# $! is the new session's and process group's id.
setsid -w "$sh" "$@" &
test_pid=$!

# The watchdog: a subshell sleeping through the deadline.  A TERM from
# below ends it early (the trap interrupts its wait, as POSIX says).
(
	trap 'kill "$nap" 2>/dev/null; exit 0' TERM
	sleep "$limit" &
	nap=$!
	wait "$nap"
	echo "FAIL: $1 still running after $limit s (TEST_TIMEOUT); its processes:"
	ps -s "$test_pid" -o pid,ppid,stat,wchan:24,etimes,args 2>&1
	# TERM first, so the script's cleanup runs; what outlives it gets
	# KILL below.  (No SIGCONT: it would discard the SIGSTOP that a
	# sanitizer's leak check at exit stops itself with, and hang it.)
	kill -TERM "-$test_pid" 2>/dev/null
	sleep 5
	kill -KILL "-$test_pid" 2>/dev/null
	exit 0
) &
dog=$!

wait "$test_pid"
rc=$?
kill -TERM "$dog" 2>/dev/null
wait "$dog"
# Whatever of the test still runs (a process its cleanup missed, or one a
# TERM could not end) goes now: the watchdog may have been told to stop
# before its own KILL, and nothing of one test may outlive it.
kill -KILL "-$test_pid" 2>/dev/null
exit "$rc"
