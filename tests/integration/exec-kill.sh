#!/bin/sh
# With --action=kill each gated call aimed at the protected stand-in kills
# the workload with SIGSYS before the call happens (the stand-in is
# unharmed), while calls the gate lets through, and the "not supported"
# answers, leave the workload running.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root
require_prog "$WEXEC"
require_prog "$PROBE"

# killed_by_sigsys STATUS: a shell's status for a death by SIGSYS.
killed_by_sigsys() {
	[ "$1" -gt 128 ] && [ "$(kill -l $(($1 - 128)) 2>/dev/null)" = SYS ]
}

REFUSED="kill kill-hi kill-group kill-neg-pid kill-all kill-all-hi tkill tgkill
rt_sigqueueinfo rt_tgsigqueueinfo ptrace-attach ptrace-seize ptrace-peek
pidfd_open process_vm_readv process_vm_writev kcmp get_robust_list
sched_setaffinity sched_setparam sched_setscheduler sched_setattr
setpriority setpriority-group ioprio_set ioprio_set-group prlimit
migrate_pages move_pages perf_event_open setpgid-pid fcntl-setown
fcntl-setown-group setpgid-join"
if [ "$(uname -m)" = x86_64 ]; then
	REFUSED="$REFUSED kill-x32"
	if has_int80; then
		REFUSED="$REFUSED kill-i386"
	else
		echo "note: no int \$0x80 entry on this kernel: kill-i386 not tested"
	fi
fi

start_standin "$T/prot.log"
PROT=$STANDIN_PID
start_standin "$T/free.log"
FREE=$STANDIN_PID

for call in $REFUSED; do
	rc=0
	"$WEXEC" --action=kill --protect="$PROT" -- "$PROBE" calls "$PROT" "$call" \
		>"$T/out" 2>"$T/err" || rc=$?
	killed_by_sigsys "$rc" || fail "$call: exit status $rc, expected death by SIGSYS"
	# Killed in the call: it never reported a result.
	[ ! -s "$T/out" ] || fail "$call: the workload lived to print: $(cat "$T/out")"
done
standin_unharmed "$PROT" "$T/prot.log"

# Not refused: a call at another process, and the "not supported" answers.
"$WEXEC" --action=kill --protect="$PROT" -- "$PROBE" calls "$FREE" kill >"$T/free.out" ||
	fail "kill of the unprotected stand-in: exit status $?"
check_results "$T/free.out" kill=OK
sig=$(delivered_signals "$T/free.out")
wait_until 10 grep -qx "sig $sig" "$T/free.log" || fail "the unprotected stand-in never got signal $sig"
"$WEXEC" --action=kill --protect="$PROT" -- "$PROBE" calls "$PROT" \
	pidfd_send_signal pidfd_getfd process_madvise fcntl-setown-ex >"$T/opaque.out" ||
	fail "the opaque calls: exit status $?"
check_results "$T/opaque.out" pidfd_send_signal=ENOSYS pidfd_getfd=ENOSYS \
	process_madvise=ENOSYS fcntl-setown-ex=EINVAL
standin_unharmed "$PROT" "$T/prot.log"
exit 0
