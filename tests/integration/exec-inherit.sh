#!/bin/sh
# The gate outlives fork and exec inside the workload, and the workload
# cannot take it off: no_new_privs stays set, a second (allow-all) filter
# does not lift the first.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root
require_prog "$WEXEC"
require_prog "$PROBE"

start_standin "$T/prot.log"
PROT=$STANDIN_PID

# 1. A grandchild: the workload is a shell that forks and execs the probe
#    (twice removed: sh -> sh -> probe).
"$WEXEC" --protect="$PROT" -- sh -c '
	sh -c "\"\$0\" calls \"\$1\" kill tgkill ptrace-attach pidfd_open & wait" "$0" "$1"
	' "$PROBE" "$PROT" >"$T/grandchild.out" || fail "the workload exited $?"
check_results "$T/grandchild.out" kill=EPERM tgkill=EPERM ptrace-attach=EPERM pidfd_open=EPERM
standin_unharmed "$PROT" "$T/prot.log"

# 2. The kernel shows the filter and no_new_privs on a descendant.
"$WEXEC" --protect="$PROT" -- sh -c 'cat /proc/self/status' >"$T/status" ||
	fail "the status workload exited $?"
grep -qE '^NoNewPrivs:[[:space:]]+1$' "$T/status" || fail "no_new_privs is not set in the workload"
grep -qE '^Seccomp:[[:space:]]+2$' "$T/status" || fail "the workload is not in seccomp filter mode"

# 3. Trying to take the gate off does not help.
"$WEXEC" --protect="$PROT" -- "$PROBE" escape "$PROT" >"$T/escape.out" ||
	fail "the escape workload exited $?"
# no_new_privs cannot be cleared; stacking a permissive filter is allowed
# but the stricter answer of all filters wins.
check_results "$T/escape.out" clear-no-new-privs=EINVAL add-allow-filter=OK \
	prctl-allow-filter=OK kill=EPERM ptrace-attach=EPERM
standin_unharmed "$PROT" "$T/prot.log"

# 4. Without the gate the same shell line reaches the stand-in: the test
#    above could have failed.
sh -c '"$0" calls "$1" kill' "$PROBE" "$PROT" >"$T/ungated.out"
check_results "$T/ungated.out" kill=OK
sig=$(delivered_signals "$T/ungated.out")
wait_until 10 grep -qx "sig $sig" "$T/prot.log" || fail "the ungated kill never arrived"
exit 0
