#!/bin/bash
# bench/run.sh - make bench: every figure of bench/README, measured in one
# run on this machine against its anchor, printed as a table and written
# to bench/results.tsv (in the build directory).
#
# Knobs (environment): BENCH_REPS (storm repetitions, default 3),
# BENCH_SPAWNS (10000), BENCH_MEM_SPAWNS (100000), BENCH_LOSS_SECONDS (60),
# BENCH_FRAMES (1000000), BENCH_CODEC_N (2000000).
set -euo pipefail

: "${top_builddir:=$PWD}"
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
export top_builddir top_srcdir
# shellcheck source=../tests/integration/lib.sh
. "$top_srcdir/tests/integration/lib.sh"
require_root
require_prog "$AGENT"
require_prog "$RECV"
require_cmd valgrind
require_cmd forkstat
PY=${PYTHON3_CBOR2:-/usr/bin/python3}
"$PY" -c 'import cbor2' 2>/dev/null || skip "needs python3-cbor2"

REPS=${BENCH_REPS:-3}
SPAWNS=${BENCH_SPAWNS:-10000}
MEM_SPAWNS=${BENCH_MEM_SPAWNS:-100000}
LOSS_SECONDS=${BENCH_LOSS_SECONDS:-60}
FRAMES=${BENCH_FRAMES:-1000000}
CODEC_N=${BENCH_CODEC_N:-2000000}
BB="$top_builddir/bench"
TINY="$BB/bench-tiny"
RESULTS="$top_builddir/bench/results.tsv"

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "inf" }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }

ROWS=()
# row FIGURE OURS ANCHOR UNIT RATIO TARGET_OP TARGET
row() {
	local met=no
	case $6 in
	le) le "$5" "$7" && met=yes ;;
	ge) le "$7" "$5" && met=yes ;;
	eq) [ "$5" = "$7" ] && met=yes ;;
	info) met=- ;;
	esac
	ROWS+=("$1	$2	$3	$4	$5	$6 $7	$met")
	printf '  %-34s ours=%-12s anchor=%-12s ratio=%-8s target %s %s: %s\n' \
		"$1" "$2" "$3" "$5" "$6" "$7" "$met"
}

# CPU time of a process in seconds, into the variable named $1: the
# scheduler's exact runtime (/proc/PID/schedstat, ns) where the kernel keeps
# it, else utime+stime from /proc/PID/stat.  Without a fork or an exec: the
# observers measured here report every process, so a measurement that
# started one (a subshell, awk, sleep) would charge them for it.
cpu_into() {
	local rest ns
	if read -r ns rest 2>/dev/null <"/proc/$2/schedstat"; then
		printf -v "$1" '%d.%09d' $((ns / 1000000000)) $((ns % 1000000000))
	else
		proc_stat rest "$2"
		# shellcheck disable=SC2086
		set -- "$1" $rest   # then state (field 3) is $2: utime $13, stime $14
		local us=$(( (${13} + ${14}) * 1000000 / CLK_TCK ))
		printf -v "$1" '%d.%06d' $((us / 1000000)) $((us % 1000000))
	fi
}
CLK_TCK=$(getconf CLK_TCK)
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

# A 200 ms nap without sleep(1): read with a timeout from a FIFO nobody
# writes to.
mkfifo "$T/nap"
exec {NAP_FD}<>"$T/nap"
nap() { read -r -t 0.2 -u "$NAP_FD" _ || true; }

# Wait until a process has been idle (no CPU) for 200 ms: its backlog of
# events is handled.  Deadline 10 s.  Fork-free (cpu_into, nap): until
# 2026-11-29 each check started awk, sleep and subshells, whose events kept
# an observer busy, so it never counted as idle and was charged for 10 s of
# the check's own processes.
settle() {
	local a b i
	for ((i = 0; i < 50; i++)); do
		cpu_into a "$1"; nap; cpu_into b "$1"
		[ "$a" = "$b" ] && return 0
	done
	return 1
}

storm() { "$BB/storm" "$TINY" 2 "$@"; }
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

# ---- 1. codec ------------------------------------------------------------
note "codec: identical bytes? $("$BB/codec-bench" check)"
codec_ns() {
	for _ in 1 2 3 4 5 6 7; do "$BB/codec-bench" "$1" "$CODEC_N"; done | median
}
codec_ir() {
	local lo hi
	lo=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$BB/codec-bench" "$1" 1000 2>&1 | awk '/Collected/ { print $NF }')
	hi=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$BB/codec-bench" "$1" 101000 2>&1 | awk '/Collected/ { print $NF }')
	awk -v a="$lo" -v b="$hi" 'BEGIN { printf "%.1f", (b - a) / 100000 }'
}
echo "1. codec (ns/frame: median of 7 x $CODEC_N; instructions/frame: callgrind)"
for op in encode decode; do
	w=$(codec_ns "wire-$op"); c=$(codec_ns "cbor-$op")
	row "codec $op ns/frame" "$w" "$c" ns "$(ratio "$w" "$c")" le 0.5
	w=$(codec_ir "wire-$op"); c=$(codec_ir "cbor-$op")
	row "codec $op instructions/frame" "$w" "$c" instr "$(ratio "$w" "$c")" le 0.5
done

# ---- 2 & 4. pump cost and memory ------------------------------------------
SOCK="$T/recv.sock"
start_recv "$SOCK" "$T/recv.jsonl" --silence-window=0

echo "2. pump cost ($SPAWNS spawns over 2 workers, median of $REPS)"
# The storm's wall time with and without an agent, alternating (none,
# agent, none, agent...) so that the machine's drift falls on both alike;
# a fresh agent each time, stopped before the next storm without one.
storm 200 >/dev/null   # warm-up: page cache
wall_none=(); wall_agent=()
for r in $(seq "$REPS"); do
	wall_none+=("$(storm "$SPAWNS" | field wall_s)")
	start_agent "$SOCK"
	wall_agent+=("$(storm "$SPAWNS" | field wall_s)")
	kill -TERM "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null || true
done

# The agent's CPU, and its memory after these storms (section 4).
start_agent "$SOCK"
storm 200 >/dev/null   # warm-up: page cache, process table
settle "$AGENT_PID" || true
agent_cpu=(); storm_cpu=(); agent_per_ev=()
for r in $(seq "$REPS"); do
	# Idle first: the last round's bookkeeping (awk) is not this storm's.
	settle "$AGENT_PID" || true
	cpu_into before "$AGENT_PID"
	out=$(storm "$SPAWNS")
	settle "$AGENT_PID" || note "agent not idle 10 s after the storm"
	cpu_into after "$AGENT_PID"
	d=$(awk -v a="$before" -v b="$after" 'BEGIN { printf "%.6f", b - a }')
	agent_cpu+=("$d")
	storm_cpu+=("$(echo "$out" | field cpu_s)")
	# Two events per spawn: process.spawned and process.exited.
	agent_per_ev+=("$(awk -v d="$d" -v n="$SPAWNS" 'BEGIN { printf "%.3f", d * 1e6 / (2 * n) }')")
done
AG=$(printf '%s\n' "${agent_cpu[@]}" | median)
ST=$(printf '%s\n' "${storm_cpu[@]}" | median)
PE=$(printf '%s\n' "${agent_per_ev[@]}" | median)
hwm_10k=$(hwm_kb "$AGENT_PID")

fork_cpu=(); fork_hwm=0
forkstat -e fork,exec,exit >/dev/null 2>&1 &
FS_PID=$!; BG_PIDS="$BG_PIDS $FS_PID"
# forkstat has no readiness signal: wait for its connector socket to join
# the proc multicast group, then warm it up like the agent.
wait_until 10 sh -c "awk '\$2 == 11 && \$4 != \"00000000\"' /proc/net/netlink | grep -q ." || fail "forkstat did not subscribe"
storm 200 >/dev/null; settle "$FS_PID" || true
for r in $(seq "$REPS"); do
	# Idle first: the last round's bookkeeping (awk) is not this storm's.
	settle "$FS_PID" || true
	cpu_into before "$FS_PID"
	storm "$SPAWNS" >/dev/null
	settle "$FS_PID" || note "forkstat not idle 10 s after the storm"
	cpu_into after "$FS_PID"
	fork_cpu+=("$(awk -v a="$before" -v b="$after" 'BEGIN { printf "%.6f", b - a }')")
done
FK=$(printf '%s\n' "${fork_cpu[@]}" | median)
fork_hwm=$(hwm_kb "$FS_PID")
kill "$FS_PID"; wait "$FS_PID" 2>/dev/null || true

WA=$(printf '%s\n' "${wall_agent[@]}" | median)
WN=$(printf '%s\n' "${wall_none[@]}" | median)

row "pump: agent CPU s per storm" "$AG" "$FK" s "$(ratio "$AG" "$FK")" le 0.05
row "pump: storm wall s, agent vs none" "$WA" "$WN" s "$(ratio "$WA" "$WN")" le 1.03
row "pump: agent CPU / storm CPU" "$AG" "$ST" s "$(ratio "$AG" "$ST")" le 0.02
row "pump: agent CPU us per event" "$PE" "-" us "$PE" info ""

echo "4. memory (VmHWM, kB)"
row "memory: agent vs forkstat (10k)" "$hwm_10k" "$fork_hwm" kB "$(ratio "$hwm_10k" "$fork_hwm")" le 0.75
rest=$((MEM_SPAWNS - (REPS * SPAWNS + 200)))
[ "$rest" -gt 0 ] && storm "$rest" >/dev/null
settle "$AGENT_PID" || true
hwm_100k=$(hwm_kb "$AGENT_PID")
row "memory: agent after ${MEM_SPAWNS} vs 10k" "$hwm_100k" "$hwm_10k" kB "$(ratio "$hwm_100k" "$hwm_10k")" le 1.0
kill -TERM "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null || true

# ---- 3. loss ----------------------------------------------------------------
echo "3. loss (storm at full rate for ${LOSS_SECONDS} s, default settings)"
# A fresh receiver and output file: only this phase's frames count.
kill "$RECV_PID"; wait "$RECV_PID" 2>/dev/null || true
rm -f "$SOCK"
OUT="$T/loss.jsonl"
start_recv "$SOCK" "$OUT" --silence-window=0
start_agent "$SOCK" 2>"$T/agent-loss.err"
out=$(storm 0 "$LOSS_SECONDS")
n_spawns=$(echo "$out" | field spawns)
loss_seen() { [ "$(grep -c '"probe_source":"process.spawned".*"guest_comm":"bench-tiny"' "$OUT")" -ge "$n_spawns" ]; }
wait_until 60 loss_seen || true
kill -TERM "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null || true
got=$(grep -c '"probe_source":"process.spawned".*"guest_comm":"bench-tiny"' "$OUT" || true)
counters=$(grep 'counters:' "$T/agent-loss.err" | tail -n 1)
dropped=$(echo "$counters" | tr ' ' '\n' | awk -F= '/^dropped_/ { s += $2 } END { print s + 0 }')
note "storm: $out"
note "agent: $counters"
row "loss: events dropped (any reason)" "$dropped" 0 events "$dropped" eq 0
row "loss: spawns missing at receiver" "$((n_spawns - got))" "$n_spawns" spawns "$((n_spawns - got))" eq 0

# ---- 5. readiness -------------------------------------------------------------
echo "5. readiness (median of 21, us)"
# Default probes; the connect program goes to this run's own cgroup.
rd=$("$BB/readiness" ready 21 "$AGENT" --sink="unix:$SOCK" ${TEST_CGROUP:+"--cgroup=$TEST_CGROUP"})
tr=$("$BB/readiness" exit 21 /bin/true)
row "readiness: exec to ready vs /bin/true" "$rd" "$tr" us "$(ratio "$rd" "$tr")" le 3
kill "$RECV_PID"; wait "$RECV_PID" 2>/dev/null || true

# ---- 6. receiver ----------------------------------------------------------------
echo "6. receiver ($FRAMES-frame capture to JSON Lines)"
"$BB/codec-bench" capture "$FRAMES" "$T/capture"
tsec() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N); awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }'; }
rs=$(for _ in $(seq "$REPS"); do tsec "$RECV" --input="$T/capture" --output=/dev/null; done | median)
ps=$(for _ in $(seq "$REPS"); do tsec "$PY" "$top_srcdir/bench/cbor2-decode.py" "$T/capture"; done | median)
n_out=$("$RECV" --input="$T/capture" | grep -c '"probe_source"')
[ "$n_out" = "$FRAMES" ] || fail "receiver printed $n_out frames of $FRAMES"
rf=$(awk -v n="$FRAMES" -v s="$rs" 'BEGIN { printf "%.0f", n / s }')
pf=$(awk -v n="$FRAMES" -v s="$ps" 'BEGIN { printf "%.0f", n / s }')
row "receiver: frames/s vs cbor2" "$rf" "$pf" frames/s "$(ratio "$rf" "$pf")" ge 1

# ---- 7. exec-chain names ------------------------------------------------------------
echo "7. exec-chain names (200 chains sh -c 'exec zNNNN'; agent, agent --no-perf and forkstat on the same chains)"
CHAINS=200
mkdir -p "$T/chain-bin"
rm -f "$SOCK"   # the receiver of 2-5 stopped after 5
start_recv "$SOCK" "$T/chain.jsonl" --silence-window=0
CR=$RECV_PID
start_agent "$SOCK" --probes=process.spawned,process.exited 2>/dev/null
CA=$AGENT_PID
start_recv "$SOCK.np" "$T/chain-np.jsonl" --silence-window=0
start_agent "$SOCK.np" --probes=process.spawned,process.exited --no-perf 2>/dev/null
CN=$AGENT_PID
forkstat -c -l -e exec >"$T/chain-forkstat.txt" 2>/dev/null &
FS_PID=$!; BG_PIDS="$BG_PIDS $FS_PID"
# forkstat prints its header once it has subscribed.
wait_until 10 grep -q 'Event' "$T/chain-forkstat.txt" || fail "forkstat did not start"
: >"$T/chains"
for i in $(seq 1000 $((1000 + CHAINS - 1))); do
	ln -sf /bin/true "$T/chain-bin/z$i"
	pid=$(sh -c 'echo $$; exec "$0"' "$T/chain-bin/z$i")
	echo "$pid z$i" >>"$T/chains"
done
chains_seen() { [ "$(grep -c '"process.exited"' "$1")" -ge "$CHAINS" ]; }
wait_until 30 chains_seen "$T/chain.jsonl" || true
wait_until 30 chains_seen "$T/chain-np.jsonl" || true
sleep 1   # forkstat has no readiness or drain signal
kill -TERM "$CA" "$CN"; wait "$CA" "$CN" 2>/dev/null || true
kill "$FS_PID"; wait "$FS_PID" 2>/dev/null || true
# chain_score SOURCE FILE: "right wrong empty" over the chains (both execs
# of a pid named sh then zNNNN is right; a name of the other exec, wrong).
chain_score() {
	"$PY" - "$1" "$2" "$T/chains" <<'PY'
import json, sys
src, path, chains = sys.argv[1:4]
want = dict((int(p), n) for p, n in (l.split() for l in open(chains)))
execs = {p: [] for p in want}
for line in open(path, encoding="utf-8", errors="replace"):
    if src == "forkstat":
        f = line.split()
        if len(f) >= 4 and f[1] == "exec" and f[2].isdigit() and int(f[2]) in execs:
            execs[int(f[2])].append(f[-1] if len(f) >= 4 else "")
        continue
    try:
        o = json.loads(line)
    except ValueError:
        continue
    if o.get("probe_source") == "process.spawned" and o.get("guest_pid") in execs:
        execs[o["guest_pid"]].append(o["guest_comm"])
right = wrong = empty = 0
for p, n in want.items():
    got, exp = execs[p][-2:], ["sh", n]
    if got == exp:
        right += 1
    elif len(got) == 2 and all(g in (e, "") for g, e in zip(got, exp)):
        empty += 1
    else:
        wrong += 1
print(right, wrong, empty)
PY
}
read -r ar aw ae < <(chain_score agent "$T/chain.jsonl")
read -r nr nw ne < <(chain_score agent "$T/chain-np.jsonl")
read -r fr fw fe < <(chain_score forkstat "$T/chain-forkstat.txt")
note "chains right/wrong/empty: agent $ar/$aw/$ae, agent --no-perf $nr/$nw/$ne, forkstat $fr/$fw/$fe"
row "chains: both names right, agent" "$ar" "$fr" chains "$(ratio "$ar" "$fr")" ge 1
row "chains: a wrong name, agent" "$aw" "$fw" chains "$aw" eq 0
row "chains: a wrong name, --no-perf" "$nw" "$fw" chains "$nw" eq 0
row "chains: an empty name, --no-perf" "$ne" "-" chains "$ne" info ""
# Both receivers: a stray one would keep the audit lock shared (it
# inherited the descriptor) and keep section 8 from its every-probe runs.
kill "$CR" "$RECV_PID" 2>/dev/null; wait "$CR" "$RECV_PID" 2>/dev/null || true
# ---- 8. tax on the workload (bench/tax.sh) ----------------------------------------
# shellcheck source=tax.sh
. "$top_srcdir/bench/tax.sh"

# ---- results ----------------------------------------------------------------------
{
	printf '# cellos-telemetry bench, %s, %s, %s cores, kernel %s\n' \
		"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(uname -m)" "$(nproc)" "$(uname -r)"
	printf 'figure\tours\tanchor\tunit\tratio\ttarget\tmet\n'
	printf '%s\n' "${ROWS[@]}"
} >"$RESULTS"
echo "results: $RESULTS"
column -t -s '	' "$RESULTS" | sed 1d
if printf '%s\n' "${ROWS[@]}" | awk -F'\t' '$7 == "no"' | grep -q .; then
	echo "bench: some targets were missed (see the table)"
fi
