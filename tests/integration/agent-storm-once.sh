#!/bin/sh
# A spawn storm on a loaded machine (four workers on however few CPUs):
# every process the storm made is reported as spawned exactly once under
# its name, and no pid ever gets two process.spawned under that name
# between its exits (under load the kernel's exec message can arrive long
# after the exec'd name is visible in /proc, past the coalescing window).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root
require_prog "$AGENT"
require_prog "$RECV"
require_prog "$PROC_HELPER"

tag=$(rand_tag)
name="so$tag"
start_recv "$T/sock" "$T/out.jsonl"
start_agent "$T/sock" 2>"$T/agent.err"
ln -s "$PROC_HELPER" "$T/$name"
"$PROC_HELPER" storm 4000 4 "$T/$name" >"$T/storm.out" || fail "storm failed"
out=$(cat "$T/storm.out")
spawns=$(sed -n 's/^spawns=//p' "$T/storm.out")
[ -n "$spawns" ] && [ "$spawns" -gt 0 ] || fail "storm printed no spawn count: $out"

# check.py MODE: "done" exits 0 once every spawn has its exited event;
# "assert" checks the stream and explains the first problem.
cat >"$T/check.py" <<'PY'
import json, sys
mode, out, name, spawns = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
ours = set()
ev = {}
for line in open(out, encoding="utf-8"):
    o = json.loads(line)
    pid = o["guest_pid"]
    ev.setdefault(pid, []).append((o["probe_source"], o["guest_comm"]))
    if o["guest_comm"] == name:
        ours.add(pid)
spawned = exited = 0
for pid in ours:
    open_spawns = 0
    for probe, comm in ev[pid]:
        if probe == "process.exited":
            exited += comm == name
            open_spawns = 0
        elif comm == name:
            spawned += 1
            open_spawns += 1
            if mode == "assert" and open_spawns > 1:
                sys.exit("pid %d: two process.spawned as %s before its exit: %r"
                         % (pid, name, ev[pid]))
if mode == "done":
    sys.exit(0 if exited >= spawns else 1)
if spawned != spawns or exited != spawns:
    sys.exit("storm made %d processes; stream: %d spawned, %d exited as %s"
             % (spawns, spawned, exited, name))
PY
wait_until 60 "$PYTHON3" "$T/check.py" done "$T/out.jsonl" "$name" "$spawns" ||
	fail "not every spawn was reported as exited: $("$PYTHON3" "$T/check.py" assert "$T/out.jsonl" "$name" "$spawns" 2>&1)"
"$PYTHON3" "$T/check.py" assert "$T/out.jsonl" "$name" "$spawns" || fail "stream check failed"
stop_agent || fail "agent exit status $? after SIGTERM"
dropped=$(agent_counter "$T/agent.err" dropped_netlink)
[ "$dropped" = 0 ] || note "netlink drops: $dropped (the check above held regardless)"
note "pass: $spawns spawns, each reported once"
