#!/bin/sh
# Fault: no proc connector.  The agent started in a new network namespace
# (unshare -n: subscribing is refused there) falls back to the /proc
# walker, says so in its log, and still reports the spawn and the exit of
# processes this test starts, with their comm.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root
require_prog "$AGENT"
require_prog "$RECV"
require_prog "$PROC_HELPER"
require_cmd unshare
unshare -n true 2>/dev/null || skip "cannot make a network namespace"

N=5
LIVE_MS=600   # several walker periods (--poll-ms=50)
tag=$(rand_tag)
mkdir "$T/bin"

start_recv "$T/sock" "$T/out.jsonl" --silence-window=0
AGENT_WRAP="unshare -n" start_agent "$T/sock" --poll-ms=50 2>"$T/agent.err"
grep -q 'process source: /proc walker' "$T/agent.err" ||
	fail "no walker fallback logged: $(grep 'process source' "$T/agent.err")"
grep -q 'armed: process source /proc walker' "$T/agent.err" ||
	fail "armed line does not name the walker"

: >"$T/pids"
i=0
while [ "$i" -lt "$N" ]; do
	name=wk$tag$i
	ln -s "$PROC_HELPER" "$T/bin/$name"
	hex=$(printf '%s' "$name" | od -An -tx1 | tr -d ' \n')
	# setcomm prints the pid first, then lives LIVE_MS.
	"$T/bin/$name" setcomm "$hex" "$LIVE_MS" >"$T/pid.$i" &
	eval "w$i=\$!"
	i=$((i + 1))
done
i=0
while [ "$i" -lt "$N" ]; do
	eval "wait \$w$i" || fail "helper $i failed"
	i=$((i + 1))
done
i=0
while [ "$i" -lt "$N" ]; do
	echo "$(cat "$T/pid.$i") wk$tag$i" >>"$T/pids"
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
# The shell's fork may be seen before its exec (comm "sh"/"bash"): an
# earlier spawned event of the same pid is allowed, nothing else.
for pid, name in want.items():
    ev = seen[pid]
    ok = (ev[-2:] == [("process.spawned", name), ("process.exited", name)] and
          all(p == "process.spawned" and c != name for p, c in ev[:-2]))
    if not ok:
        sys.exit(1 if mode == "done" else "pid %d (%s): %r" % (pid, name, ev))
PY
wait_until 20 "$PYTHON3" "$T/check.py" done "$T/pids" "$T/out.jsonl" ||
	fail "walker: $("$PYTHON3" "$T/check.py" assert "$T/pids" "$T/out.jsonl" 2>&1)"
stop_agent || fail "agent exit status $? after SIGTERM"
frames_ok "$T/out.jsonl"
note "pass: $N processes reported by the /proc walker"
