# agent-chain-common.sh - exec chains, renames and forks whose every frame
# the test can name in advance; sourced by agent-chain.sh (perf side-band
# names: every frame exact) and agent-chain-noperf.sh (--no-perf: every
# frame the right name or "", never another exec's name).
#
# Before sourcing: CHAIN_MODE=exact or CHAIN_MODE=honest, CHAIN_ARGS (agent
# options).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root
require_prog "$AGENT"
require_prog "$RECV"
require_prog "$PROC_HELPER"
require_cmd env

tag=$(rand_tag)
mkdir -p "$T/bin"
start_recv "$T/sock" "$T/out.jsonl"
# shellcheck disable=SC2086
AGENT_STDERR="$T/agent.err" start_agent "$T/sock" \
	--probes=process.spawned,process.exited $CHAIN_ARGS
if [ "$CHAIN_MODE" = exact ] && grep -q "perf side-band unavailable" "$T/agent.err"; then
	skip "no perf side-band records here: $(grep 'perf side-band unavailable' "$T/agent.err")"
fi

# link NAME: a link to proc-helper named NAME (its comm when exec'd).
link() { ln -sf "$PROC_HELPER" "$T/bin/$1"; }

# Case lines (lib.sh, chain_cases): PID START SPAWNED-NAMES EXIT-NAME.
: >"$T/cases"
chains() { chain_cases "$1" "$2" "$3" "$T/bin"; }

# 1. 200 chains sh -c 'exec NAME', each NAME distinct.
chains sh "z$tag" 200 >>"$T/cases"

# 2. Three-step chains: sh -> env -> NAME.
chains env "e$tag" 100 >>"$T/cases"

# 3. exec, then prctl(PR_SET_NAME), then exit: spawned carries the exec's
# name, exited the new one.
chains rename "r$tag" 20 >>"$T/cases"

# 4. Fork without exec: each child is spawned once under the name it
# inherited.
n="f$tag"
link "$n"
start=$("$PROC_HELPER" now)
"$T/bin/$n" fork 10 5 >"$T/forks" || fail "fork helper failed"
while read -r pid; do
	echo "$pid $start $n $n" >>"$T/cases"
done <"$T/forks"

# 5. Four workers at once, 500 distinct names each.
w=0
workers=""
while [ $w -lt 4 ]; do
	chains sh "p$tag$w" 500 >"$T/cases.w$w" &
	workers="$workers $!"
	w=$((w + 1))
done
for p in $workers; do
	wait "$p" || fail "worker $p failed"
done
cat "$T"/cases.w* >>"$T/cases"
ncases=$(wc -l <"$T/cases")
note "$ncases processes"

shell=$(cat /proc/$$/comm)

# check.py MODE STRICT CASES OUT: "done" exits 0 once every case has its
# exited frame; "assert" checks every case's frames, in order.
cat >"$T/check.py" <<'PY'
import sys, recvlib as r
mode, strict, cases, out = sys.argv[1], sys.argv[2] == "exact", sys.argv[3], sys.argv[4]
shell = sys.argv[5]
want = []
for l in open(cases):
    pid, start, spawned, exited = l.split()
    want.append((int(pid), int(start), spawned.split(","), exited))
by_pid = r.frames_by_pid(out)
frames = {(p, s): r.frames_since(by_pid, p, s) for p, s, _, _ in want}
if mode == "done":
    sys.exit(0 if all(any(k == "process.exited" for k, _ in f)
                      for f in frames.values()) else 1)
bad = empty = forks = lent = 0
for pid, start, spawned, exited in want:
    f = frames[(pid, start)]
    # The parent's fork before the exec (this shell's command
    # substitution, proc-helper's posix_spawn) gets a spawned of its own
    # when the exec comes later than the coalescing window allows, as on
    # a loaded machine: the fork-without-exec rule, not the subject here.
    if (len(f) == len(spawned) + 2 and f[0][0] == "process.spawned"
            and f[0][1] in (shell, "proc-helper")):
        f = f[1:]
        forks += 1
    got_sp = [c for k, c in f if k == "process.spawned"]
    got_ex = [c for k, c in f if k == "process.exited"]
    ok = (len(f) == len(spawned) + 1 and f[-1][0] == "process.exited"
          and len(got_sp) == len(spawned) and len(got_ex) == 1)
    if ok:
        for i, (g, w) in enumerate(zip(got_sp + got_ex, spawned + [exited])):
            if g == w:
                continue
            if not strict and g == "":
                empty += 1
                continue
            if g in spawned[i + 1:] + [exited]:
                lent += 1
            ok = False
    if not ok:
        bad += 1
        if bad <= 5:
            print("pid %d: want spawned %r exited %r, got %r" % (pid, spawned, exited, f))
# lent: wrong with a later exec's or rename's name, the fallback's old
# race (a name set, its message not yet read); any wrong name fails.
print("cases=%d wrong=%d empty=%d fork_frames=%d lent=%d"
      % (len(want), bad, empty, forks, lent))
sys.exit(1 if bad else 0)
PY
wait_until 60 recv_py "$T/check.py" done "$CHAIN_MODE" "$T/cases" "$T/out.jsonl" "$shell" ||
	fail "not every process was reported as exited: $(recv_py "$T/check.py" assert "$CHAIN_MODE" "$T/cases" "$T/out.jsonl" "$shell" 2>&1 | tail -n 6)"
res=$(recv_py "$T/check.py" assert "$CHAIN_MODE" "$T/cases" "$T/out.jsonl" "$shell") ||
	fail "$res"
note "$(echo "$res" | tail -n 1)"
stop_agent || fail "agent exit status $? after SIGTERM"
note "counters: $(grep 'counters:' "$T/agent.err" | tail -n 1 | sed 's/.*counters: //')"
