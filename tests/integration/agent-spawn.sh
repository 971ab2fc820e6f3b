#!/bin/sh
# 1,000 short-lived processes, each exec'd under a name this test chose
# (symlinks to a helper that exits at once): every one appears as
# process.spawned with exactly that comm and then as process.exited with
# it, once each; guest_monotonic_ns is strictly increasing over the whole
# stream; the agent's counters add up.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root
require_prog "$AGENT"
require_prog "$RECV"
require_prog "$PROC_HELPER"

N=1000
tag=$(rand_tag)
mkdir "$T/bin"
"$PYTHON3" - "$PROC_HELPER" "$T/bin" "$tag" "$N" <<'PY'
import os, sys
helper, d, tag, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
for i in range(n):
    os.symlink(helper, os.path.join(d, "sp%s-%04d" % (tag, i)))
PY

start_recv "$T/sock" "$T/out.jsonl"
# The helper forks, then execs.  On a loaded machine the child may wait
# longer than the default coalescing window (a few ms) for a CPU before
# its exec, and the fork would then rightly be reported on its own first.
# What this test pins is the naming of exec'd programs, so it gives the
# window room; agent-fork.sh pins the window itself.
start_agent "$T/sock" --coalesce-ms=2000 2>"$T/agent.err"

"$PROC_HELPER" spawn "$T"/bin/sp* >"$T/pids" || fail "helper failed"
[ "$(wc -l <"$T/pids")" -eq "$N" ] || fail "helper spawned $(wc -l <"$T/pids") of $N"

# check.py MODE: "done" exits 0 once every pid has its exited event;
# "assert" checks everything and explains the first problem.
cat >"$T/check.py" <<'PY'
import json, sys
mode, pidfile, out = sys.argv[1], sys.argv[2], sys.argv[3]
want = {}
for l in open(pidfile):
    pid, name = l.split()
    want[int(pid)] = name
seen = {p: [] for p in want}
last = None
for n, line in enumerate(open(out, encoding="utf-8"), 1):
    o = json.loads(line)
    if "error" in o:
        sys.exit("line %d: receiver error: %s" % (n, line.strip()))
    ts = o["guest_monotonic_ns"]
    if mode == "assert" and last is not None and ts <= last:
        sys.exit("line %d: guest_monotonic_ns %d after %d" % (n, ts, last))
    last = ts
    if o["guest_pid"] in seen:
        seen[o["guest_pid"]].append((o["probe_source"], o["guest_comm"]))
for pid, name in want.items():
    ev = seen[pid]
    if mode == "done":
        if ("process.exited", name) not in ev:
            sys.exit(1)
        continue
    if ev != [("process.spawned", name), ("process.exited", name)]:
        sys.exit("pid %d (%s): events %r" % (pid, name, ev))
PY
wait_until 60 "$PYTHON3" "$T/check.py" done "$T/pids" "$T/out.jsonl" ||
	fail "not every process was reported as exited: $("$PYTHON3" "$T/check.py" assert "$T/pids" "$T/out.jsonl" 2>&1)"
json_check "$T/out.jsonl"
"$PYTHON3" "$T/check.py" assert "$T/pids" "$T/out.jsonl" || fail "stream check failed"

stop_agent || fail "agent exit status $? after SIGTERM"
produced=$(agent_counter "$T/agent.err" produced)
written=$(agent_counter "$T/agent.err" written)
dropped=$(agent_counter "$T/agent.err" dropped_queue_full)
queued=$(agent_counter "$T/agent.err" queued)
[ -n "$produced" ] || fail "no counters line at exit"
[ "$produced" -eq $((written + dropped + queued)) ] ||
	fail "produced=$produced != written=$written + dropped=$dropped + queued=$queued"
[ "$produced" -ge $((2 * N)) ] || fail "produced=$produced < $((2 * N))"
note "pass: $N processes, produced=$produced written=$written"
