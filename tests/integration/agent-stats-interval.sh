#!/bin/sh
# --stats-interval: the counters line is logged at most every SECONDS when
# the counters changed (default 60), with 0 only on SIGUSR1 and at exit;
# a loss (dropped_*, resyncs, watch_lost) is logged at once whatever the
# interval, as a warning naming what grew.  Needs root (the agent arms its
# probes).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root
require_prog "$AGENT"
require_prog "$RECV"

tag=$(rand_tag)
mkdir "$T/bin"
ln -s /bin/true "$T/bin/si$tag"
# run_batch N: N short-lived processes with our name (counters change).
run_batch() {
	local i=0
	while [ "$i" -lt "$1" ]; do
		"$T/bin/si$tag" || fail "could not run si$tag"
		i=$((i + 1))
	done
}
info_lines() { count_lines "$1" ': info: counters: '; }

# 1. --stats-interval=0: events flow, no counters line until SIGUSR1.
start_recv "$T/sock" "$T/out.jsonl"
AGENT_STDERR="$T/a0.err" start_agent "$T/sock" --stats-interval=0
run_batch 20
wait_until 20 grep -q "\"guest_comm\":\"si$tag\"" "$T/out.jsonl" ||
	fail "the batch's events did not arrive"
# The agent looks at its counters every second and used to log them at
# once when they changed: two looks later there must still be no line.
# (An absence has to be watched for a while; the assertions below do not
# depend on how long.)
sleep 2.5
[ "$(info_lines "$T/a0.err")" = 0 ] ||
	fail "--stats-interval=0 logged counters without SIGUSR1: $(grep counters: "$T/a0.err" | head -n 2)"
kill -USR1 "$AGENT_PID"
wait_until 10 eval '[ "$(info_lines "$T/a0.err")" = 1 ]' || fail "no counters line after SIGUSR1"
stop_agent || fail "agent exit status $?"
[ "$(info_lines "$T/a0.err")" = 2 ] ||
	fail "expected the SIGUSR1 line and the exit line, got $(info_lines "$T/a0.err") lines"
tail -n 1 "$T/a0.err" | grep -q ': info: counters: produced=' || fail "the last line is not the counters"

# 2. --stats-interval=1: a line comes by itself once the counters change.
AGENT_STDERR="$T/a1.err" start_agent "$T/sock" --stats-interval=1
run_batch 5
wait_until 10 eval '[ "$(info_lines "$T/a1.err")" -ge 1 ]' ||
	fail "--stats-interval=1: no counters line within 10 s of a change"
stop_agent || fail "agent exit status $?"

# 3. A loss is logged at once even with --stats-interval=0: no listener
# and the smallest queue, so the start's snapshot of every process and a
# batch cannot all be kept.
kill "$RECV_PID"
wait "$RECV_PID" 2>/dev/null
qmin=$("$AGENT" --help | sed -n 's/.*(\([0-9]*\)\.\.[0-9]*, default [0-9]*).*/\1/p' | head -n 1)
[ -n "$qmin" ] || fail "cannot read the smallest --queue-bytes from --help"
AGENT_STDERR="$T/loss.err" start_agent "$T/nobody.sock" --stats-interval=0 --queue-bytes="$qmin"
run_batch 100
wait_until 10 grep -q ': warning: lost or resynced: .*dropped_queue_full +[1-9]' "$T/loss.err" ||
	fail "no prompt loss warning: $(grep -E 'counters|lost' "$T/loss.err" | tail -n 3)"
grep ': warning: lost or resynced: ' "$T/loss.err" | head -n 1 | grep -q '; counters: produced=[0-9]' ||
	fail "the loss warning does not carry the counters"
[ "$(info_lines "$T/loss.err")" = 0 ] || fail "an info counters line came with --stats-interval=0"
stop_agent || fail "agent exit status $?"
note "pass: interval 0 quiet until SIGUSR1, interval 1 logs, a loss is logged at once"
