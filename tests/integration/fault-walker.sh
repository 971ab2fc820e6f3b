#!/bin/sh
# Fault: no proc connector.  The agent started in a new network namespace
# (unshare -n: subscribing is refused there) falls back to the /proc
# walker, says so in its log, and still reports the spawn and the exit of
# processes this test starts, with their comm.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root
require_prog "$AGENT"
require_prog "$RECV"
require_prog "$PROC_HELPER"
require_cmd unshare
unshare -n true 2>/dev/null || skip "cannot make a network namespace"

N=5
LIVE_MS=600   # several walker periods (--poll-ms=50)
tag=$(rand_tag)
mkdir "$T/bin"

start_recv "$T/sock" "$T/out.jsonl" --silence-window=0
AGENT_WRAP="unshare -n" start_agent "$T/sock" --poll-ms=50 2>"$T/agent.err"
grep -q 'process source: /proc walker' "$T/agent.err" ||
	fail "no walker fallback logged: $(grep 'process source' "$T/agent.err")"
grep -q 'armed: process source /proc walker' "$T/agent.err" ||
	fail "armed line does not name the walker"

named_processes "wk$tag" "$N" "$LIVE_MS"
# The shell's fork may be seen before its exec (comm "sh"/"bash").
wait_until 20 named_check done "$T/out.jsonl" ||
	fail "walker: not every process reported: $(named_check assert "$T/out.jsonl" 2>&1)"
named_check assert "$T/out.jsonl" || fail "walker: wrong events"
stop_agent || fail "agent exit status $? after SIGTERM"
frames_ok "$T/out.jsonl"
note "pass: $N processes reported by the /proc walker"
