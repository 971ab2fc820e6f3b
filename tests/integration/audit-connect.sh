#!/bin/sh
# net.connect_attempted through the kernel audit netlink (the fallback of
# the cgroup BPF program, forced with --connect-source=audit): each connect(2)
# of a helper with a known comm (one plain, one with a space, which the
# kernel hex-encodes) gives exactly one frame with its pid and comm, for a
# refused and for an accepted connection; connects made by the agent
# itself (its sink reconnecting) give none; after SIGTERM none of the
# agent's audit rules remain and it is no longer the audit daemon.  With
# --probes=net.connect_attempted no other probe gives a frame.  Without
# --connect-source, a --cgroup that is not a cgroup v2 directory makes
# the connect program unusable: the agent says so, falls back to audit on
# its own (named in the armed line) and still reports.
. "$(dirname "$0")/lib.sh"
require_prog "$AGENT"
require_prog "$RECV"
require_audit

PROBE=net.connect_attempted
start_recv "$T/sock" "$T/out1.jsonl"
start_audit_agent "$T/sock" "$T/agent.err" --probes=$PROBE --connect-source=audit
[ "$(status_field "$("$AUDIT_RULES" status)" pid)" = "$AGENT_PID" ] ||
	fail "the agent is not the registered audit daemon"
[ "$("$AUDIT_RULES" count)" -gt 0 ] || fail "no audit rules with the agent's key"

# run_helper COMM: connect twice as COMM; sets HPID.
run_helper() {
	local out
	out=$("$AUDIT_HELPER" "$1" connect) || fail "helper: $out"
	HPID=${out#pid=}
	HPID=${HPID%% *}
}

c1="itconn$$"
run_helper "$c1"
p1=$HPID
c2="it conn $$"
run_helper "$c2"
p2=$HPID
wait_until 10 frames_at_least 2 "$T/out1.jsonl" $PROBE "$p1" "$c1" ||
	fail "no 2 $PROBE frames for pid $p1 comm '$c1' (got $(count_frames "$T/out1.jsonl" $PROBE "$p1"))"
wait_until 10 frames_at_least 2 "$T/out1.jsonl" $PROBE "$p2" "$c2" ||
	fail "no 2 $PROBE frames for pid $p2 comm '$c2' (got $(count_frames "$T/out1.jsonl" $PROBE "$p2"))"

# Make the agent connect(2) after its rules are in: a new receiver on the
# same path makes its sink reconnect (refused attempts first).
kill "$RECV_PID"
wait "$RECV_PID" 2>/dev/null
rm -f "$T/sock"
start_recv "$T/sock" "$T/out2.jsonl"
c3="itafter$$"
run_helper "$c3"
p3=$HPID
wait_until 20 frames_at_least 2 "$T/out2.jsonl" $PROBE "$p3" "$c3" ||
	fail "the agent did not reconnect or lost the helper's frames"

stop_agent || fail "agent exited $? on SIGTERM"
cat "$T/out1.jsonl" "$T/out2.jsonl" >"$T/all.jsonl"
json_check "$T/all.jsonl"
for p in "$p1" "$p2" "$p3"; do
	n=$(count_frames "$T/all.jsonl" $PROBE "$p")
	[ "$n" = 2 ] || fail "pid $p: $n $PROBE frames, want exactly 2"
done
n=$(count_frames "$T/all.jsonl" $PROBE "$AGENT_PID")
[ "$n" = 0 ] || fail "$n $PROBE frames for the agent's own connects"
for other in capability.denied process.spawned process.exited; do
	n=$(count_frames "$T/all.jsonl" $other)
	[ "$n" = 0 ] || fail "$n $other frames although --probes=$PROBE"
done
n=$("$AUDIT_RULES" count "$AGENT_PID")
[ "$n" = 0 ] || fail "$n audit rules of the agent remain after it exited"
# Its exclusions carry no pid: with no audit daemon registered (before and
# after the look), no agent's rule of any kind may be left.
if audit_no_daemon; then
	n=$("$AUDIT_RULES" count)
	if audit_no_daemon; then
		[ "$n" = 0 ] || fail "$n audit rules or exclusions remain with no agent running"
	fi
fi
[ "$(status_field "$("$AUDIT_RULES" status)" pid)" != "$AGENT_PID" ] ||
	fail "the exited agent is still the registered audit daemon"

# The automatic fallback: $T is a directory, not a cgroup v2 one.
start_recv "$T/sock3" "$T/out3.jsonl"
start_audit_agent "$T/sock3" "$T/agent3.err" --probes=$PROBE --cgroup="$T"
grep -q "bpf: --cgroup=$T: not a cgroup v2 directory; net.connect_attempted falls back to audit" "$T/agent3.err" ||
	fail "no fallback line: $(cat "$T/agent3.err")"
grep -q "armed: .*connects audit" "$T/agent3.err" || fail "the armed line does not say 'connects audit'"
c4="itfallback$$"
run_helper "$c4"
p4=$HPID
wait_until 10 frames_at_least 2 "$T/out3.jsonl" $PROBE "$p4" "$c4" ||
	fail "the fallback gave no frames for pid $p4"
stop_agent || fail "agent exited $? on SIGTERM"
exit 0
