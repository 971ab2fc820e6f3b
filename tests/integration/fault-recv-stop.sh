#!/bin/sh
# Fault: the receiver stops reading (SIGSTOP) for at least 5 s under a
# spawn storm, with a small queue (--queue-bytes).  The agent never
# blocks: its produced counter (read through SIGUSR1) keeps rising while
# the receiver is stopped; the socket buffer and then the queue fill and
# drops are counted (dropped_queue_full > 0); once the receiver resumes
# (SIGCONT) new frames arrive, including a process started after the
# resume.  The storm runs /bin/true (under a name of its own): a program
# of this build would start slowly in a sanitizer build, and the agent's
# batched writes then fit in the socket buffer for long.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root
require_prog "$AGENT"
require_prog "$RECV"
require_prog "$PROC_HELPER"

STOP_S=5
tag=$(rand_tag)
mkdir "$T/bin"
ln -s "$PROC_HELPER" "$T/bin/af$tag"

start_recv "$T/sock" "$T/out.jsonl" --silence-window=0
start_agent "$T/sock" --queue-bytes=65536 2>"$T/agent.err"
start_storm 20000 "st$tag" 4 /bin/true
has_storm() { grep -q "\"guest_comm\":\"st$tag\"" "$T/out.jsonl"; }
wait_until 10 has_storm || fail "the storm is not reported before the stop"

kill -STOP "$RECV_PID"
stopped_at=$(date +%s%N)
p0=$(usr1_counter "$T/agent.err" produced)
# While stopped: produced rises and the queue overflows into drops.
rising() { [ "$(usr1_counter "$T/agent.err" produced)" -gt "$p0" ]; }
wait_until "$STOP_S" rising || fail "produced stuck at $p0 while the receiver was stopped"
dropping() { [ "$(usr1_counter "$T/agent.err" dropped_queue_full)" -gt 0 ]; }
wait_until 15 dropping || fail "no dropped_queue_full while the receiver was stopped"
p1=$(usr1_counter "$T/agent.err" produced)
# Keep it stopped for the whole STOP_S (the fault's length, not a wait).
while [ "$(date +%s%N)" -lt $((stopped_at + STOP_S * 1000000000)) ]; do sleep 0.05; done
p2=$(usr1_counter "$T/agent.err" produced)
[ "$p2" -gt "$p1" ] || fail "produced stuck at $p1 during the stop"
kill -0 "$AGENT_PID" || fail "agent died"

lines_at_resume=$(wc -l <"$T/out.jsonl")
kill -CONT "$RECV_PID"
more() { [ "$(wc -l <"$T/out.jsonl")" -gt "$lines_at_resume" ]; }
wait_until 10 more || fail "no frame after SIGCONT"
"$PROC_HELPER" spawn "$T/bin/af$tag" >"$T/pids" || fail "helper failed"
hpid=$(cut -d' ' -f1 "$T/pids")
after() { grep -q "\"process.exited\",\"guest_pid\":$hpid,\"guest_comm\":\"af$tag\"" "$T/out.jsonl"; }
wait_until 30 after || fail "pid $hpid started after the resume was not reported"

wait "$STORM_PID" || fail "storm failed"
stop_agent || fail "agent exit status $? after SIGTERM"
frames_ok "$T/out.jsonl"
produced=$(agent_counter "$T/agent.err" produced)
written=$(agent_counter "$T/agent.err" written)
dropped=$(agent_counter "$T/agent.err" dropped_queue_full)
queued=$(agent_counter "$T/agent.err" queued)
[ "$produced" -eq $((written + dropped + queued)) ] ||
	fail "produced=$produced != written=$written + dropped=$dropped + queued=$queued"
note "pass: produced $p0 -> $p1 -> $p2 while stopped; at exit produced=$produced written=$written dropped=$dropped"
