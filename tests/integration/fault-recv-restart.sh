#!/bin/sh
# Fault: the receiver killed and restarted 20 times during a 30 s spawn
# storm (every other time SIGKILL, else SIGTERM).  The agent keeps running;
# every frame any receiver got is whole and valid (no error line, each a
# JSON object with a probe; a receiver stopped by SIGTERM reports
# errors=0); at exit produced == written + dropped_queue_full + queued; and
# the receivers got no more frames than the agent wrote.  A receiver killed
# with SIGKILL may leave one incomplete last line without its newline
# (cellos-telemetry-recv(1)): only newline-terminated lines are records.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root
require_prog "$AGENT"
require_prog "$RECV"
require_prog "$PROC_HELPER"

RESTARTS=20
STORM_MS=30000
tag=$(rand_tag)
sock="$T/sock"

start_recv "$sock" "$T/out.0.jsonl" --silence-window=0 2>"$T/recv.0.err"
start_agent "$sock" 2>"$T/agent.err"
start_storm "$STORM_MS" "rs$tag"
storm_started=$(date +%s%N)

# One restart per STORM_MS / (RESTARTS + 1): the last receiver is up for
# the end of the storm and the drain.
period_ms=$((STORM_MS / (RESTARTS + 1)))
i=0
while [ "$i" -lt "$RESTARTS" ]; do
	i=$((i + 1))
	next=$((storm_started + i * period_ms * 1000000))
	# The schedule of the fault itself, not a wait for a condition.
	while [ "$(date +%s%N)" -lt "$next" ]; do sleep 0.05; done
	if [ $((i % 2)) = 1 ]; then sig=KILL; else sig=TERM; fi
	kill -s "$sig" "$RECV_PID"
	wait "$RECV_PID" 2>/dev/null
	kill -0 "$AGENT_PID" 2>/dev/null || fail "agent died after receiver restart $i"
	start_recv "$sock" "$T/out.$i.jsonl" --silence-window=0 2>"$T/recv.$i.err"
done
wait "$STORM_PID" || fail "storm failed"
kill -0 "$AGENT_PID" 2>/dev/null || fail "agent died during the storm"

stop_agent || fail "agent exit status $? after SIGTERM"
kill -TERM "$RECV_PID"
wait "$RECV_PID" 2>/dev/null

received=0
i=0
while [ "$i" -le "$RESTARTS" ]; do
	out="$T/out.$i.jsonl"
	[ -f "$out" ] || fail "receiver $i wrote no output file"
	# Receiver i was stopped by restart i + 1: SIGKILL when that is odd.
	if [ $((i % 2)) = 0 ] && [ "$i" -lt "$RESTARTS" ]; then
		frames_ok "$out" killed
	else
		frames_ok "$out"
	fi
	# wc -l counts newlines: whole records only.
	received=$((received + $(wc -l <"$out")))
	# A receiver stopped with SIGTERM logs its counters: no errors.
	if grep -q 'stats:' "$T/recv.$i.err"; then
		grep -q 'stats:.* errors=0' "$T/recv.$i.err" ||
			fail "receiver $i: $(grep 'stats:' "$T/recv.$i.err")"
	fi
	i=$((i + 1))
done

produced=$(agent_counter "$T/agent.err" produced)
written=$(agent_counter "$T/agent.err" written)
dropped=$(agent_counter "$T/agent.err" dropped_queue_full)
queued=$(agent_counter "$T/agent.err" queued)
reconnects=$(agent_counter "$T/agent.err" reconnects)
[ -n "$produced" ] || fail "no counters line at exit"
[ "$produced" -eq $((written + dropped + queued)) ] ||
	fail "produced=$produced != written=$written + dropped=$dropped + queued=$queued"
[ "$received" -le "$written" ] || fail "received $received frames > written $written"
[ "$received" -gt 0 ] || fail "no frame received"
[ "$reconnects" -ge 2 ] || fail "reconnects=$reconnects: the agent never came back to a restarted receiver"
grep -q "\"guest_comm\":\"rs$tag\"" "$T"/out.*.jsonl || fail "no storm process reported"
note "pass: produced=$produced written=$written dropped=$dropped queued=$queued received=$received reconnects=$reconnects"
