#!/bin/sh
# The /proc walker fallback (--no-connector forces it where the connector
# works): the log says it is the active source, and a process that lives
# several walker periods is reported as spawned with its comm, then as
# exited (possibly after one spawned with its parent's name, when a walk
# caught it between fork and exec), and nothing else is reported for it.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root
require_prog "$AGENT"
require_prog "$RECV"
require_prog "$PROC_HELPER"

tag=$(rand_tag)
name="wk$tag"
ln -s "$PROC_HELPER" "$T/$name"
start_recv "$T/sock" "$T/out.jsonl"
start_agent "$T/sock" --no-connector --poll-ms=20 2>"$T/agent.err"
grep -q 'process source: /proc walker every 20 ms' "$T/agent.err" ||
	fail "the log does not name the walker as the source: $(cat "$T/agent.err")"

# Lives 300 ms (fifteen periods) under its own name.
pid=$("$T/$name" setcomm "$(printf '%s' "$name" | od -An -tx1 | tr -d ' \n')" 300 | head -n 1)
[ -n "$pid" ] || fail "helper printed no pid"
exited() { grep -q "\"process.exited\",\"guest_pid\":$pid," "$T/out.jsonl"; }
wait_until 20 exited || fail "walker never reported $pid as exited"
json_check "$T/out.jsonl"
"$PYTHON3" - "$T/out.jsonl" "$pid" "$name" <<'PY' || fail "walker events wrong"
import json, sys
pid, name = int(sys.argv[2]), sys.argv[3]
ev = [(o["probe_source"], o["guest_comm"]) for o in map(json.loads, open(sys.argv[1], encoding="utf-8")) if o["guest_pid"] == pid]
# A walk may catch the child between fork and exec (the shell's name);
# the exec is then reported when the name changes.
if ev[:1] != [("process.spawned", name)]:
    ev = ev[1:] if ev[:1] and ev[0][0] == "process.spawned" else ev
if ev != [("process.spawned", name), ("process.exited", name)]:
    sys.exit("pid %d: %r" % (pid, ev))
PY
note "pass: walker reported $name"
