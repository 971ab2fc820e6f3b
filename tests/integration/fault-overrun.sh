#!/bin/sh
# Fault: a forced netlink overrun.  The agent, with the smallest receive
# buffer (--rcvbuf), is stopped (SIGSTOP) while a burst of processes runs,
# then resumed.  The loss is counted (dropped_netlink > 0 or an overrun
# logged), the process table is resynchronised (resyncs > 0), and for every
# process started after the resume the stream shows process.spawned
# before process.exited, once each.  Those live LIVE_MS, so a further
# overrun (the machine is shared) still finds them in the resync walk.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root
require_prog "$AGENT"
require_prog "$RECV"
require_prog "$PROC_HELPER"

N=20
LIVE_MS=300
tag=$(rand_tag)
mkdir "$T/bin"
ln -s "$PROC_HELPER" "$T/bin/ob$tag"

start_recv "$T/sock" "$T/out.jsonl" --silence-window=0
start_agent "$T/sock" --rcvbuf=65536 2>"$T/agent.err"
grep -q 'process source: proc connector' "$T/agent.err" ||
	skip "no proc connector: $(grep 'process source' "$T/agent.err")"

kill -STOP "$AGENT_PID"
# The burst: far more messages than a minimal buffer holds.
"$PROC_HELPER" storm 1000 4 "$T/bin/ob$tag" >/dev/null || fail "burst failed"
kill -CONT "$AGENT_PID"

resynced() { [ "$(usr1_counter "$T/agent.err" resyncs)" -gt 0 ]; }
wait_until 10 resynced || fail "no resync after the overrun"
lost=$(usr1_counter "$T/agent.err" dropped_netlink)
if [ "$lost" -eq 0 ] && ! grep -q 'receive buffer overrun' "$T/agent.err"; then
	fail "overrun neither counted (dropped_netlink=0) nor logged"
fi

# After the resume: N processes at once, named by the test.
named_processes "ov$tag-" "$N" "$LIVE_MS"
wait_until 30 named_check done "$T/out.jsonl" ||
	fail "not every process after the resume was reported: $(named_check assert "$T/out.jsonl" 2>&1)"
named_check assert "$T/out.jsonl" || fail "spawned-before-exited broken"
stop_agent || fail "agent exit status $? after SIGTERM"
frames_ok "$T/out.jsonl"
note "pass: dropped_netlink=$(agent_counter "$T/agent.err" dropped_netlink) resyncs=$(agent_counter "$T/agent.err" resyncs)"
