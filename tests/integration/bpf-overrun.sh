#!/bin/sh
# The connect program's ring buffer overruns and the agent carries on:
# with the agent stopped (SIGSTOP), N UDP connects from the test's cgroup
# overflow the 128 KiB ring.  The records that did not fit are counted in
# dropped_bpf, those that did are reported (the two add up to N: nothing
# lost silently, nothing counted twice), the connects themselves all
# succeed, and a connect after the resume is reported.
. "$(dirname "$0")/lib.sh"
require_bpf_connect

PROBE=net.connect_attempted
# Far more than the ring holds (a record takes 40 bytes of it).
N=10000

start_recv "$T/sock" "$T/out.jsonl"
# A queue that holds every record the ring gives at once.
AGENT_STDERR="$T/agent.err" start_agent "$T/sock" \
	--probes=$PROBE --queue-bytes=4194304
grep -q "connects bpf" "$T/agent.err" || fail "the connect source is not BPF: $(cat "$T/agent.err")"

tag=$(rand_tag)
kill -STOP "$AGENT_PID"
out=$("$BPFH" connect "$TEST_CGROUP" "bo$tag" udp4 $N) ||
	{ kill -CONT "$AGENT_PID"; fail "helper: $out"; }
kill -CONT "$AGENT_PID"
burst=${out#pid=}
burst=${burst%% *}
case $out in
*"connects=$N"*) ;;
*) fail "not every connect succeeded: $out" ;;
esac

# The ring is read in order: once the later connect's frame is out, every
# record of the burst that fitted is out before it.
out=$("$BPFH" connect "$TEST_CGROUP" "ba$tag" udp4) || fail "helper: $out"
after=${out#pid=}
after=${after%% *}
wait_until 20 frames_at_least 1 "$T/out.jsonl" $PROBE "$after" "ba$tag" ||
	fail "no frame for the connect after the overrun (pid $after)"

dropped=$(usr1_counter "$T/agent.err" dropped_bpf)
qfull=$(agent_counter "$T/agent.err" dropped_queue_full)
got=$(count_frames "$T/out.jsonl" $PROBE "$burst" "bo$tag")
note "burst of $N: reported=$got dropped_bpf=$dropped dropped_queue_full=$qfull"
[ -n "$dropped" ] && [ "$dropped" -gt 0 ] || fail "no record counted as lost (dropped_bpf=$dropped)"
[ "$got" -gt 0 ] || fail "no record of the burst was reported"
[ "$qfull" = 0 ] || fail "frames dropped from the queue ($qfull): the sum cannot be checked"
[ $((got + dropped)) -eq $N ] || fail "reported $got + dropped $dropped != $N connects"
grep -q "dropped_bpf" "$T/agent.err" || fail "dropped_bpf is not in the counters line"
stop_agent || fail "agent exited $? on SIGTERM"
json_check "$T/out.jsonl"
note "pass: ring overrun counted exactly, agent carried on"
