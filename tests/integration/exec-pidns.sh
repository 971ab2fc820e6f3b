#!/bin/sh
# --pid-namespace: the workload is pid 1 of a new pid namespace with its
# own /proc, cannot find the stand-in at all, and the gate relays its
# exit status and forwards signals to it.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root
require_prog "$WEXEC"
require_prog "$PROBE"
unshare --pid --fork --mount-proc true 2>/dev/null || skip "no pid namespaces here"

start_standin "$T/prot.log"
PROT=$STANDIN_PID

# 1. What the workload sees.
"$WEXEC" --pid-namespace --protect="$PROT" -- "$PROBE" pidns "$PROT" >"$T/view" ||
	fail "the pidns workload exited $?"
grep -qx 'pid 1' "$T/view" || fail "the workload is not pid 1: $(cat "$T/view")"
grep -qx 'kill0 ESRCH' "$T/view" || fail "the workload found the stand-in: $(cat "$T/view")"
grep -qx 'proc-target absent' "$T/view" || fail "/proc/$PROT is visible in the namespace"
grep -qx 'proc-self 1' "$T/view" || fail "/proc is not the namespace's own"
grep -qx 'proc-pids 1' "$T/view" || fail "/proc shows other processes: $(cat "$T/view")"
standin_unharmed "$PROT" "$T/prot.log"
# Our own /proc is untouched (the new one was mounted in a private mount
# namespace).
[ -d "/proc/$PROT" ] || fail "our /proc lost the stand-in"
[ "$(readlink /proc/self)" != 1 ] || fail "our /proc is the namespace's"

# 2. kill(-1) is still refused; gated calls still reach the workload's own
#    processes.
rc=0
"$WEXEC" --pid-namespace -- sh -c 'kill -0 -1' 2>/dev/null || rc=$?
[ "$rc" != 0 ] || fail "kill(-1) was allowed in the namespace"
"$WEXEC" --pid-namespace -- sh -c 'sleep 100 & kill $! && wait $!; echo "status $?"' >"$T/own" 2>/dev/null ||
	fail "the workload could not signal its own child"
grep -qx 'status 143' "$T/own" || fail "own child not killed by SIGTERM: $(cat "$T/own")"

# 3. Exit status: PROGRAM's own, or 128+N for a death by signal N.
rc=0
"$WEXEC" --pid-namespace -- sh -c 'exit 7' || rc=$?
[ "$rc" = 7 ] || fail "exit status $rc, expected 7"
rc=0
"$WEXEC" --pid-namespace --action=kill -- sh -c 'kill -0 -1' || rc=$?
[ "$rc" -gt 128 ] && [ "$(kill -l $((rc - 128)))" = SYS ] ||
	fail "exit status $rc, expected 128+SIGSYS"
rc=0
"$WEXEC" --pid-namespace -- "$T/nonexistent" 2>"$T/err" || rc=$?
[ "$rc" = 127 ] || fail "missing PROGRAM in the namespace: exit status $rc, expected 127"
grep -q 'not found' "$T/err" || fail "no 'not found' message: $(cat "$T/err")"

# 4. A signal sent to the gate reaches the workload.
bg "$WEXEC" --pid-namespace -- "$PROBE" sigwait "$T/armed" 42
GATE=$BG_PID
wait_until 10 test -e "$T/armed" || fail "the workload never armed its SIGTERM handler"
kill -TERM "$GATE"
rc=0
wait "$GATE" || rc=$?
[ "$rc" = 42 ] || fail "exit status $rc after SIGTERM, expected the workload's 42"
exit 0
