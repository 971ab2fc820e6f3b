#!/bin/sh
# capability.denied through the kernel audit netlink: a helper that drops
# to uid 65534 and calls sethostname(2) (refused with EPERM) gives exactly
# one frame with its pid and comm; a helper that only connects gives none;
# the hardened agent keeps CAP_AUDIT_CONTROL and nothing else; after
# SIGTERM none of the agent's audit rules remain.
. "$(dirname "$0")/lib.sh"
require_prog "$AGENT"
require_prog "$RECV"
require_audit

PROBE=capability.denied
start_recv "$T/sock" "$T/out.jsonl"
start_audit_agent "$T/sock" "$T/agent.err" --probes=$PROBE,net.connect_attempted --connect-source=audit

# Hardened, the agent keeps exactly CAP_AUDIT_CONTROL (capability 30):
# it polls the kernel's lost counter and takes its rules out at exit.
want=$(printf '%016x' $((1 << 30)))
for f in CapEff CapPrm; do
	got=$(sed -n "s/^$f:[[:space:]]*//p" "/proc/$AGENT_PID/status")
	[ "$got" = "$want" ] || fail "$f is $got, expected $want (CAP_AUDIT_CONTROL only)"
done

comm="itdenied$$"
out=$("$AUDIT_HELPER" "$comm" denied) || fail "helper: $out"
pid=${out#pid=}
pid=${pid%% *}
ccomm="itok$$"
out=$("$AUDIT_HELPER" "$ccomm" connect) || fail "helper: $out"
cpid=${out#pid=}
cpid=${cpid%% *}

wait_until 10 frames_at_least 1 "$T/out.jsonl" $PROBE "$pid" "$comm" ||
	fail "no $PROBE frame for pid $pid comm '$comm'"
# The connect helper's frames come after the denial's: once they are in,
# nothing of the denial is still on its way.
wait_until 10 frames_at_least 2 "$T/out.jsonl" net.connect_attempted "$cpid" "$ccomm" ||
	fail "no net.connect_attempted frames for pid $cpid"

stop_agent || fail "agent exited $? on SIGTERM"
json_check "$T/out.jsonl"
n=$(count_frames "$T/out.jsonl" $PROBE "$pid")
[ "$n" = 1 ] || fail "pid $pid: $n $PROBE frames, want exactly 1"
n=$(count_frames "$T/out.jsonl" $PROBE "$cpid")
[ "$n" = 0 ] || fail "the connect-only helper gave $n $PROBE frames"
n=$(count_frames "$T/out.jsonl" $PROBE "$AGENT_PID")
[ "$n" = 0 ] || fail "$n $PROBE frames for the agent itself"
n=$("$AUDIT_RULES" count "$AGENT_PID")
[ "$n" = 0 ] || fail "$n audit rules of the agent remain after it exited"
exit 0
