#!/bin/sh
# Children that fork and never exec: exactly one process.spawned each,
# with the comm they inherited, then their process.exited; both for the
# ones that exit at once and the ones that outlive the coalescing window.
# Then the same from a parent that moved to another CPU between its exec
# and its forks: the exec's name and the forks are in different CPUs'
# perf rings, and a child must still inherit the exec's name, not the one
# before it.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root
require_prog "$AGENT"
require_prog "$RECV"
require_prog "$PROC_HELPER"

tag=$(rand_tag)
name="fk$tag"
ln -s "$PROC_HELPER" "$T/$name"
start_recv "$T/sock" "$T/out.jsonl"
start_agent "$T/sock" --coalesce-ms=10

# Odd children live 100 ms, ten times the window.
"$T/$name" fork 40 100 >"$T/pids" || fail "helper failed"
[ "$(wc -l <"$T/pids")" -eq 40 ] || fail "helper forked $(wc -l <"$T/pids") of 40"
kids=40

# Exec on the last online CPU, fork on the first.  The agent is stopped
# meanwhile, so that it reads both rings' records in one go, as a loaded
# agent does, and the children are gone by then (their names come from
# the records, not /proc).
last=$(($(getconf _NPROCESSORS_ONLN) - 1))
if [ "$last" -gt 0 ] && command -v taskset >/dev/null 2>&1; then
	kill -STOP "$AGENT_PID"
	for round in 1 2 3 4 5; do
		taskset -c "$last" "$T/$name" fork-on 0 8 20 >>"$T/pids" ||
			{ kill -CONT "$AGENT_PID"; fail "helper fork-on failed"; }
	done
	kill -CONT "$AGENT_PID"
	kids=$((kids + 40))
	[ "$(wc -l <"$T/pids")" -eq "$kids" ] || fail "helper forked $(wc -l <"$T/pids") of $kids"
else
	note "one CPU (or no taskset): the cross-CPU round is not run"
fi

cat >"$T/check.py" <<'PY'
import json, sys
mode, pidfile, out, name = sys.argv[1:5]
pids = {int(l) for l in open(pidfile) if l.strip()}
ev = {p: [] for p in pids}
for line in open(out, encoding="utf-8"):
    o = json.loads(line)
    if o["guest_pid"] in ev:
        ev[o["guest_pid"]].append((o["probe_source"], o["guest_comm"]))
for p, e in ev.items():
    if mode == "done":
        if not any(k == "process.exited" for k, _ in e):
            sys.exit(1)
    elif e != [("process.spawned", name), ("process.exited", name)]:
        sys.exit("child %d: %r" % (p, e))
PY
wait_until 30 "$PYTHON3" "$T/check.py" done "$T/pids" "$T/out.jsonl" "$name" ||
	fail "children not all reported: $("$PYTHON3" "$T/check.py" assert "$T/pids" "$T/out.jsonl" "$name" 2>&1)"
"$PYTHON3" "$T/check.py" assert "$T/pids" "$T/out.jsonl" "$name" || fail "fork check failed"
note "pass: $kids fork-without-exec children"
