#!/bin/sh
# A perf ring overrun is counted and the agent carries on: with one-page
# rings and the agent stopped (SIGSTOP) while 30 exec chains run (a few
# hundred bytes of records each; a much longer stall would fill the process
# table with the exit records of this busy machine), the kernel drops
# records (PERF_RECORD_LOST).  dropped_perf counts them; the names they
# took fall back (right or "", never another exec's); chains after the
# overrun are named exactly again.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root
require_prog "$AGENT"
require_prog "$RECV"
require_prog "$PROC_HELPER"

tag=$(rand_tag)
mkdir -p "$T/bin"
start_recv "$T/sock" "$T/out.jsonl"
AGENT_STDERR="$T/agent.err" start_agent "$T/sock" \
	--probes=process.spawned,process.exited --perf-ring-pages=1
grep -q "perf side-band unavailable" "$T/agent.err" &&
	skip "no perf side-band records here"

# chains PREFIX COUNT: COUNT chains sh -c 'exec NAME' (lib.sh,
# chain_cases).
chains() { chain_cases sh "$1" "$2" "$T/bin"; }

kill -STOP "$AGENT_PID"
chains "o$tag" 30 >"$T/during"
kill -CONT "$AGENT_PID"
chains "a$tag" 50 >"$T/after"
[ "$(wc -l <"$T/during")" = 30 ] && [ "$(wc -l <"$T/after")" = 50 ] ||
	fail "chain lists incomplete"

cat >"$T/check.py" <<'PY'
import sys, recvlib as r
mode, out = sys.argv[1], sys.argv[2]
sets = [(p, s == "exact") for p, s in zip(sys.argv[3::2], sys.argv[4::2])]
by_pid = r.frames_by_pid(out)
bad = empty = 0
for path, strict in sets:
    for l in open(path):
        pid, start, _, name = l.split()
        f = r.frames_since(by_pid, int(pid), int(start))
        if mode == "done":
            if not any(k == "process.exited" for k, _ in f):
                sys.exit(1)
            continue
        if len(f) == 4 and f[0] == ("process.spawned", "proc-helper"):
            f = f[1:]  # a fork frame (see agent-chain-common.sh)
        want = [("process.spawned", "sh"), ("process.spawned", name), ("process.exited", name)]
        ok = len(f) == 3 and [k for k, _ in f] == [k for k, _ in want]
        for (_, g), (_, w) in zip(f, want):
            if g == w:
                continue
            if g == "" and not strict:
                empty += 1
                continue
            ok = False
        if not ok:
            bad += 1
            print("pid %s: want %r got %r" % (pid, want, f))
if mode == "assert":
    print("wrong=%d empty=%d" % (bad, empty))
    sys.exit(1 if bad else 0)
PY
wait_until 60 recv_py "$T/check.py" done "$T/out.jsonl" "$T/during" honest "$T/after" exact ||
	fail "not every chain was reported as exited"
res=$(recv_py "$T/check.py" assert "$T/out.jsonl" "$T/during" honest "$T/after" exact) ||
	fail "$res"
dropped=$(usr1_counter "$T/agent.err" dropped_perf)
[ -n "$dropped" ] && [ "$dropped" -gt 0 ] || fail "no perf records counted as lost (dropped_perf=$dropped)"
grep -q "perf side-band: ring overrun" "$T/agent.err" || fail "the overrun was not logged"
stop_agent || fail "agent exit status $? after SIGTERM"
note "dropped_perf=$dropped; $(echo "$res" | tail -n 1)"
note "pass: overrun counted, names honest during it and exact after"
