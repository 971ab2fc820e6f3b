#!/bin/sh
# An agent killed with SIGKILL leaves its audit rules behind; the next
# agent removes them at start (and says so), works, and leaves none when
# it exits.  A second agent started while the first holds the audit
# daemon role (and is stopped) refuses the audit probes, says why, and
# still runs.
. "$(dirname "$0")/lib.sh"
require_prog "$AGENT"
require_prog "$RECV"
require_audit

start_recv "$T/sock" "$T/out.jsonl"
start_audit_agent "$T/sock" "$T/agent1.err" --connect-source=audit
first=$AGENT_PID

# A second agent: the audit probes are refused, the rest runs.  The
# first is stopped meanwhile: a daemon that does not read must not hold up
# the second's start (the kernel would wait on it if asked to replace it).
kill -STOP "$first"
AGENT_STDERR="$T/agent2.err" start_agent "$T/sock" --connect-source=audit
second=$AGENT_PID
kill -CONT "$first"
grep -q "probe net.connect_attempted not armed: another audit daemon (pid $first)" "$T/agent2.err" ||
	fail "second agent did not report the refused probe: $(cat "$T/agent2.err")"
kill -0 "$second" 2>/dev/null || fail "second agent did not keep running"
AGENT_PID=$second
stop_agent || fail "second agent exited $?"
[ "$(status_field "$("$AUDIT_RULES" status)" pid)" = "$first" ] ||
	fail "the second agent took the audit daemon role from the first"

kill -KILL "$first"
wait "$first" 2>/dev/null
left=$("$AUDIT_RULES" count "$first")
[ "$left" -gt 0 ] || fail "SIGKILL left no rules: nothing to test"

start_audit_agent "$T/sock" "$T/agent3.err" --connect-source=audit
removed=$(sed -n 's/.*removed \([0-9]*\) stale audit rule.*/\1/p' "$T/agent3.err")
[ -n "$removed" ] && [ "$removed" -ge "$left" ] ||
	fail "the restarted agent did not remove the $left stale rules: $(cat "$T/agent3.err")"
n=$("$AUDIT_RULES" count "$first")
[ "$n" = 0 ] || fail "$n rules of the killed agent remain"
comm="itstale$$"
out=$("$AUDIT_HELPER" "$comm" connect) || fail "helper: $out"
pid=${out#pid=}
pid=${pid%% *}
wait_until 10 frames_at_least 2 "$T/out.jsonl" net.connect_attempted "$pid" "$comm" ||
	fail "restarted agent gave no frames for pid $pid"
stop_agent || fail "agent exited $?"
n=$("$AUDIT_RULES" count "$AGENT_PID")
[ "$n" = 0 ] || fail "$n audit rules remain after the restarted agent exited"
n=$(count_frames "$T/out.jsonl" net.connect_attempted "$pid")
[ "$n" = 2 ] || fail "pid $pid: $n frames, want exactly 2"
exit 0
