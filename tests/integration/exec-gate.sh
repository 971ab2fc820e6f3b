#!/bin/sh
# cellos-workload-exec refuses every gated call aimed at a protected
# stand-in (which stays unharmed) and lets the same calls reach an
# unprotected one; thread ids and the protected process's group (looked up
# at setup) are covered too.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root
require_prog "$WEXEC"
require_prog "$PROBE"

# What a workload gets when it aims each call at the protected stand-in.
# The calls whose target the filter cannot inspect answer "not supported";
# the stand-in lives in its own group, so kill(0) from the workload is fine.
PROTECTED_EXPECT="
kill=EPERM kill-hi=EPERM kill-group=EPERM kill-neg-pid=EPERM
kill-all=EPERM kill-all-hi=EPERM tkill=EPERM tgkill=EPERM
rt_sigqueueinfo=EPERM rt_tgsigqueueinfo=EPERM
ptrace-attach=EPERM ptrace-seize=EPERM ptrace-peek=EPERM pidfd_open=EPERM
process_vm_readv=EPERM process_vm_writev=EPERM kcmp=EPERM
get_robust_list=EPERM sched_setaffinity=EPERM sched_setparam=EPERM
sched_setscheduler=EPERM sched_setattr=EPERM setpriority=EPERM
setpriority-group=EPERM ioprio_set=EPERM ioprio_set-group=EPERM
prlimit=EPERM migrate_pages=EPERM move_pages=EPERM perf_event_open=EPERM
setpgid-pid=EPERM fcntl-setown=EPERM fcntl-setown-group=EPERM
fcntl-setown-ex=EINVAL pidfd_send_signal=ENOSYS pidfd_getfd=ENOSYS
process_madvise=ENOSYS kill-own-group=OK setpgid-join=EPERM"

# The same calls at an unprotected stand-in: what the kernel itself says.
# kill(-1) is refused whoever is protected; x32 and NUMA may be absent;
# perf may be restricted; a PEEK on an untraced process and setpgid on a
# process that is not our child are refused by the kernel (ESRCH).
UNPROTECTED_EXPECT="
kill=OK kill-hi=OK kill-group=OK kill-neg-pid=OK
kill-all=EPERM kill-all-hi=EPERM tkill=OK tgkill=OK
rt_sigqueueinfo=OK rt_tgsigqueueinfo=OK
ptrace-attach=OK ptrace-seize=OK ptrace-peek=ESRCH pidfd_open=OK
process_vm_readv=OK process_vm_writev=OK kcmp=OK
get_robust_list=OK sched_setaffinity=OK sched_setparam=OK
sched_setscheduler=OK sched_setattr=OK setpriority=OK
setpriority-group=OK ioprio_set=OK ioprio_set-group=OK
prlimit=OK migrate_pages=OK|ENOSYS move_pages=OK|ENOSYS
perf_event_open=OK|EACCES|ENOENT|ENODEV|EOPNOTSUPP
setpgid-pid=ESRCH fcntl-setown=OK fcntl-setown-group=OK
fcntl-setown-ex=EINVAL pidfd_send_signal=ENOSYS pidfd_getfd=ENOSYS
process_madvise=ENOSYS kill-own-group=OK setpgid-join=OK"

ABI_EXPECT_PROTECTED=""
ABI_EXPECT_UNPROTECTED=""
# Signal-sending calls that reach the unprotected stand-in (kill-i386 is
# one of them where the kernel has the 32-bit entry).
MIN_DELIVERED=8
if [ "$(uname -m)" = x86_64 ]; then
	# The i386 and x32 entry points meet the same rules.
	ABI_EXPECT_PROTECTED="kill-x32=EPERM"
	ABI_EXPECT_UNPROTECTED="kill-x32=OK|ENOSYS"
	if has_int80; then
		ABI_EXPECT_PROTECTED="$ABI_EXPECT_PROTECTED kill-i386=EPERM"
		ABI_EXPECT_UNPROTECTED="$ABI_EXPECT_UNPROTECTED kill-i386=OK|ENOSYS"
		MIN_DELIVERED=9
	else
		echo "note: no int \$0x80 entry on this kernel: kill-i386 not tested"
		export EXEC_PROBE_SKIP=kill-i386
	fi
fi

start_standin "$T/prot.log"
PROT=$STANDIN_PID
PROT_TID=$STANDIN_TID
start_standin "$T/free.log"
FREE=$STANDIN_PID
FREE_TID=$STANDIN_TID

# 1. Every call at the protected stand-in is refused.
"$WEXEC" --protect="$PROT" -- "$PROBE" calls "$PROT" >"$T/prot.out" ||
	fail "workload against the protected stand-in exited $?"
# shellcheck disable=SC2086
check_results "$T/prot.out" $PROTECTED_EXPECT $ABI_EXPECT_PROTECTED
standin_unharmed "$PROT" "$T/prot.log"

# 2. The same calls reach the unprotected one; each signal that a call
#    reported delivered arrives.
"$WEXEC" --protect="$PROT" -- "$PROBE" calls "$FREE" >"$T/free.out" ||
	fail "workload against the unprotected stand-in exited $?"
# shellcheck disable=SC2086
check_results "$T/free.out" $UNPROTECTED_EXPECT $ABI_EXPECT_UNPROTECTED
sigs=$(delivered_signals "$T/free.out")
[ "$(echo "$sigs" | wc -w)" -ge "$MIN_DELIVERED" ] || fail "only signals '$sigs' reported delivered"
for s in $sigs; do
	wait_until 10 grep -qx "sig $s" "$T/free.log" ||
		fail "the unprotected stand-in never got signal $s"
done
kill -0 "$FREE" || fail "the unprotected stand-in is gone"
standin_unharmed "$PROT" "$T/prot.log"

# 3. The protected process's other threads are protected by their tid.
"$WEXEC" --protect="$PROT" -- "$PROBE" tid-calls "$PROT_TID" >"$T/tid.out" ||
	fail "tid workload exited $?"
check_results "$T/tid.out" tkill=EPERM ptrace-attach=EPERM pidfd_open=EPERM
"$WEXEC" --protect="$PROT" -- "$PROBE" tid-calls "$FREE_TID" >"$T/freetid.out" ||
	fail "tid workload exited $?"
check_results "$T/freetid.out" tkill=OK ptrace-attach=OK 'pidfd_open=OK|EINVAL|ENOENT'
standin_unharmed "$PROT" "$T/prot.log"

# 4. A protected process in someone else's group: that group (looked up at
#    setup) is protected, its leader as a process is not.
start_standin "$T/leader.log"
LEADER=$STANDIN_PID
start_standin "$T/member.log" "$LEADER"
MEMBER=$STANDIN_PID
[ "$STANDIN_PGID" = "$LEADER" ] || fail "member is in group $STANDIN_PGID, not $LEADER"
"$WEXEC" --protect="$MEMBER" -- "$PROBE" calls "$LEADER" \
	kill kill-group fcntl-setown-group setpriority-group setpgid-join >"$T/group.out" ||
	fail "group workload exited $?"
check_results "$T/group.out" kill=OK kill-group=EPERM fcntl-setown-group=EPERM \
	setpriority-group=EPERM setpgid-join=EPERM
leader_sig=$(delivered_signals "$T/group.out")
wait_until 10 grep -qx "sig $leader_sig" "$T/leader.log" || fail "the leader never got kill()"
standin_unharmed "$MEMBER" "$T/member.log"

# 5. A protected process in the workload's own group: kill(0) is refused.
start_standin "$T/same.log" keep
SAME=$STANDIN_PID
[ "$STANDIN_PGID" = "$(sed 's/.*) //' /proc/$$/stat | cut -d' ' -f3)" ] || fail "stand-in left our group"
"$WEXEC" --protect="$SAME" -- "$PROBE" calls "$SAME" kill-own-group >"$T/same.out" ||
	fail "own-group workload exited $?"
check_results "$T/same.out" kill-own-group=EPERM
standin_unharmed "$SAME" "$T/same.log"
exit 0
