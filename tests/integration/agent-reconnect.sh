#!/bin/sh
# No listener at start: events are queued and arrive once one listens.
# The listener killed and restarted mid-stream: the agent keeps running,
# the new listener gets only whole valid frames, and at exit
# produced == written + dropped_queue_full + queued.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root
require_prog "$AGENT"
require_prog "$RECV"
require_prog "$PROC_HELPER"

tag=$(rand_tag)
mkdir "$T/bin"
for i in 0 1 2 3 4 5 6 7 8 9; do
	ln -s "$PROC_HELPER" "$T/bin/a$tag-$i"
done

start_agent "$T/sock" 2>"$T/agent.err"
"$PROC_HELPER" spawn "$T"/bin/a* >"$T/pids.a" || fail "helper failed"

# Now a listener appears.
start_recv "$T/sock" "$T/out1.jsonl"
all_exited() {
	"$PYTHON3" - "$1" "$2" <<'PY'
import json, sys
want = {int(l.split()[0]): l.split()[1] for l in open(sys.argv[1]) if l.strip()}
got = set()
for line in open(sys.argv[2], encoding="utf-8"):
    o = json.loads(line)
    if o.get("probe_source") == "process.exited" and want.get(o.get("guest_pid")) == o.get("guest_comm"):
        got.add(o["guest_pid"])
sys.exit(0 if got == set(want) else 1)
PY
}
wait_until 30 all_exited "$T/pids.a" "$T/out1.jsonl" || fail "queued events did not arrive"

# A steady stream of our processes while the listener dies and returns.
(
	i=0
	while [ ! -e "$T/stop" ] && [ $i -lt 3000 ]; do
		ln -s "$PROC_HELPER" "$T/bin/b$tag-$i"
		"$PROC_HELPER" spawn "$T/bin/b$tag-$i" >>"$T/pids.b" || exit 1
		i=$((i + 1))
	done
) &
LOOP=$!
BG_PIDS="$BG_PIDS $LOOP"
has_b() { [ -s "$T/pids.b" ] && [ "$(wc -l <"$T/pids.b")" -ge "$1" ]; }
wait_until 30 has_b 50 || fail "workload did not start"
kill -KILL "$RECV_PID"
wait "$RECV_PID" 2>/dev/null
rm -f "$T/sock"
n_at_kill=$(wc -l <"$T/pids.b")
wait_until 30 has_b $((n_at_kill + 50)) || fail "workload stalled"
kill -0 "$AGENT_PID" || fail "agent died with its listener"
start_recv "$T/sock" "$T/out2.jsonl"
n_at_restart=$(wc -l <"$T/pids.b")
wait_until 30 has_b $((n_at_restart + 50)) || fail "workload stalled"
touch "$T/stop"
wait "$LOOP" || fail "workload failed"

# The last of our processes reaches the new listener.
tail -n 1 "$T/pids.b" >"$T/last"
wait_until 30 all_exited "$T/last" "$T/out2.jsonl" || fail "stream did not resume on the new listener"
json_check "$T/out2.jsonl"
"$PYTHON3" - "$T/out2.jsonl" <<'PY' || fail "new listener got a bad frame"
import json, sys
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    o = json.loads(line)
    if "error" in o or "probe_source" not in o:
        sys.exit("line %d: %s" % (n, line.strip()))
PY

kill -0 "$AGENT_PID" || fail "agent is gone"
stop_agent || fail "agent exit status $? after SIGTERM"
produced=$(agent_counter "$T/agent.err" produced)
written=$(agent_counter "$T/agent.err" written)
dropped=$(agent_counter "$T/agent.err" dropped_queue_full)
queued=$(agent_counter "$T/agent.err" queued)
reconnects=$(agent_counter "$T/agent.err" reconnects)
[ -n "$produced" ] || fail "no counters line at exit"
[ "$produced" -eq $((written + dropped + queued)) ] ||
	fail "produced=$produced != written=$written + dropped=$dropped + queued=$queued"
[ "$reconnects" -ge 2 ] || fail "reconnects=$reconnects, expected at least 2"
note "pass: produced=$produced written=$written dropped=$dropped queued=$queued reconnects=$reconnects"
