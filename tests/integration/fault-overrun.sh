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
: >"$T/pids"
i=0
while [ "$i" -lt "$N" ]; do
	name=ov$tag-$i
	ln -s "$PROC_HELPER" "$T/bin/$name"
	hex=$(printf '%s' "$name" | od -An -tx1 | tr -d ' \n')
	"$T/bin/$name" setcomm "$hex" "$LIVE_MS" >"$T/pid.$i" &
	eval "w$i=\$!"
	i=$((i + 1))
done
i=0
while [ "$i" -lt "$N" ]; do
	eval "wait \$w$i" || fail "helper $i failed"
	echo "$(cat "$T/pid.$i") ov$tag-$i" >>"$T/pids"
	i=$((i + 1))
done
cat >"$T/check.py" <<'PY'
import json, sys
mode, pidfile, out = sys.argv[1], sys.argv[2], sys.argv[3]
want = dict((int(p), n) for p, n in (l.split() for l in open(pidfile)))
seen = {p: [] for p in want}
for line in open(out, encoding="utf-8"):
    o = json.loads(line)
    if o.get("guest_pid") in seen:
        seen[o["guest_pid"]].append((o["probe_source"], o["guest_comm"]))
for pid, ev in seen.items():
    name = want[pid]
    if mode == "done":
        if ("process.exited", name) not in ev:
            sys.exit(1)
        continue
    # The shell's fork may be reported before its exec (comm "bash"):
    # an earlier spawned event is allowed; the exit comes last, once,
    # after the program's own spawned event.
    if ev[-2:] != [("process.spawned", name), ("process.exited", name)] or \
       any(p != "process.spawned" or c == name for p, c in ev[:-2]):
        sys.exit("pid %d (%s): events %r" % (pid, name, ev))
PY
wait_until 30 "$PYTHON3" "$T/check.py" done "$T/pids" "$T/out.jsonl" ||
	fail "not every process after the resume was reported: $("$PYTHON3" "$T/check.py" assert "$T/pids" "$T/out.jsonl" 2>&1)"
"$PYTHON3" "$T/check.py" assert "$T/pids" "$T/out.jsonl" || fail "spawned-before-exited broken"
stop_agent || fail "agent exit status $? after SIGTERM"
frames_ok "$T/out.jsonl"
note "pass: dropped_netlink=$(agent_counter "$T/agent.err" dropped_netlink) resyncs=$(agent_counter "$T/agent.err" resyncs)"
