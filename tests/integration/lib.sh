# lib.sh - shared helpers for the real-kernel integration tests.
# Sourced by each tests/integration/*.sh.  Exit 77 means "skipped" to the
# automake test driver.
#
# Environment set by the Makefile: top_srcdir, top_builddir, PYTHON3.

set -u

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
: "${PYTHON3:=python3}"

AGENT="$top_builddir/cellos-telemetry"
RECV="$top_builddir/cellos-telemetry-recv"
WEXEC="$top_builddir/cellos-workload-exec"

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "# $*"; }

require_root() { [ "$(id -u)" = 0 ] || skip "needs root"; }
require_prog() { [ -x "$1" ] || skip "$1 not built"; }
require_cmd() { command -v "$1" >/dev/null 2>&1 || skip "needs $1"; }

# A private scratch directory, removed at exit with every process started
# through bg (killed first).
T=$(mktemp -d "${TMPDIR:-/tmp}/cellos-it.XXXXXX")
BG_PIDS=""
# proc_stat VAR PID: /proc/PID/stat from field 3 (state) on into VAR,
# without a fork (the comm before it may hold spaces and parentheses).
proc_stat() {
	local line
	read -r line 2>/dev/null <"/proc/$2/stat" || return 1
	eval "$1=\${line##*) }"
}

# is_stopped PID: the process is in a job-control stop (state T).
is_stopped() {
	local st
	proc_stat st "$1" || return 1
	[ "${st%% *}" = T ]
}
cleanup() {
	# Every step, whatever the one before did: a caller running with set -e
	# (bench/run.sh) would otherwise leave the rest running when one kill
	# finds its process already gone.
	set +e
	# SIGCONT too, to a stopped one only: a test that failed while it had
	# one stopped (SIGSTOP) would otherwise wait for it forever (SIGTERM
	# stays pending).  Not to every one: in the sanitizer build a process
	# already exiting runs LeakSanitizer, which stops itself by ptrace
	# attach (SIGSTOP); a SIGCONT then discards that stop, and the
	# sanitizer waits for it forever (seen in CI: the receiver spinning,
	# its tracer child in wait, for 300 s).
	for p in $BG_PIDS; do
		kill "$p" 2>/dev/null
		is_stopped "$p" && kill -CONT "$p" 2>/dev/null
	done
	for p in $BG_PIDS; do wait "$p" 2>/dev/null; done
	[ -n "${TEST_CGROUP:-}" ] && rmdir "$TEST_CGROUP" 2>/dev/null
	[ -n "${TEST_CGROUP_MNT:-}" ] && umount "$TEST_CGROUP_MNT" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# bg CMD...: start CMD in the background and remember its pid in $BG_PID.
bg() {
	"$@" &
	BG_PID=$!
	BG_PIDS="$BG_PIDS $BG_PID"
}

# wait_until SECONDS CMD...: poll CMD (every 20 ms) until it succeeds;
# fail the test when the deadline passes.  The deadline is a ceiling, not a
# sleep: the common case returns as soon as the condition holds.
wait_until() {
	local deadline=$(( $(date +%s%N) + $1 * 1000000000 ))
	shift
	until "$@"; do
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep 0.02
	done
}

# Number of lines of FILE that match the extended regex.
count_lines() { grep -cE -- "$2" "$1" 2>/dev/null || true; }

# socket_listening PATH: something listens on the Unix socket PATH (the
# file appears at bind(), a moment before listen(): a client connecting in
# between is refused; ss(8) sees the listening state itself).
socket_listening() {
	[ -S "$1" ] || return 1
	command -v ss >/dev/null 2>&1 || return 0
	ss -xlnH 2>/dev/null | awk -v p="$1" '$5 == p { f = 1 } END { exit !f }'
}

# start_recv SOCKET OUTFILE [ARGS...]: the receiver listening on SOCKET,
# JSON lines to OUTFILE; waits until the socket exists.  $RECV_PID.
start_recv() {
	local sock=$1 out=$2
	shift 2
	bg "$RECV" --listen="$sock" --output="$out" "$@"
	RECV_PID=$BG_PID
	wait_until 10 socket_listening "$sock" || fail "receiver did not listen on $sock"
}

# ---- the connect program's cgroup ----
# The agent attaches its connect program to the cgroup v2 root by default;
# on this machine that root holds services that are not ours.  Every
# agent a test starts is given --cgroup=$TEST_CGROUP instead: a cgroup
# this test made (empty unless the test moves its own helpers in),
# removed at exit.

# cgroup2_root: where the cgroup v2 hierarchy's root is mounted, if it is.
cgroup2_root() {
	awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2" && $4 == "/") { print $5; exit } break } }' \
		/proc/self/mountinfo
}

# ensure_test_cgroup: create $TEST_CGROUP once (root only; without root
# the agent cannot load the program anyway and it stays empty).
ensure_test_cgroup() {
	[ -n "${TEST_CGROUP:-}" ] && return 0
	[ "$(id -u)" = 0 ] || return 0
	local root
	root=$(cgroup2_root)
	if [ -z "$root" ]; then
		TEST_CGROUP_MNT="$T/cgroup2"
		mkdir -p "$TEST_CGROUP_MNT"
		mount -t cgroup2 none "$TEST_CGROUP_MNT" || fail "cannot mount cgroup2 for the test"
		root=$TEST_CGROUP_MNT
	fi
	local dir
	dir="$root/cellos-it.$$.$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
	mkdir "$dir" || fail "cannot create a test cgroup under $root"
	TEST_CGROUP=$dir
}

# start_agent SOCKET [ARGS...]: the agent with a unix: sink and --ready-fd;
# returns once it reported ready.  $AGENT_PID.  The agent's stderr goes to
# $AGENT_STDERR when that is set.
start_agent() {
	local sock=$1
	shift
	share_audit_state
	ensure_test_cgroup
	# (no $RANDOM: dash has none, and set -u makes that fatal)
	READY_SEQ=$(( ${READY_SEQ:-0} + 1 ))
	local fifo="$T/ready.$$.$READY_SEQ"
	mkfifo "$fifo"
	# $AGENT_WRAP (e.g. "unshare -n"), if set, runs the agent; it must
	# exec it, so $AGENT_PID stays the agent's pid.
	# shellcheck disable=SC2086
	# Without $AGENT_STDERR the agent inherits our standard error as it is:
	# reopening /dev/stderr would truncate the test's log and write over
	# it at an offset of its own (a failing test's FAIL line was lost so).
	bg sh -c 'exec 3>"$1"; shift; [ -z "$1" ] || exec 2>"$1"; shift; exec "$@"' \
		sh "$fifo" "${AGENT_STDERR:-}" \
		${AGENT_WRAP:-} "$AGENT" --sink="unix:$sock" --ready-fd=3 \
		${TEST_CGROUP:+"--cgroup=$TEST_CGROUP"} "$@"
	AGENT_PID=$BG_PID
	# Blocks until the agent writes its newline or exits (EOF).
	local line
	if ! read -r -t 20 line <"$fifo"; then
		fail "agent did not become ready${AGENT_STDERR:+: $(tail -n 5 "$AGENT_STDERR" 2>/dev/null)}"
	fi
	rm -f "$fifo"
	kill -0 "$AGENT_PID" 2>/dev/null || fail "agent exited during startup"
}

# json_check FILE: every line of FILE is a JSON object (independent parser).
json_check() {
	"$PYTHON3" - "$1" <<'PY' || fail "$1 holds a line that is not valid JSON"
import json, sys
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    obj = json.loads(line)
    if not isinstance(obj, dict):
        raise SystemExit("line %d is not an object" % n)
PY
}

# recv_py ARGS...: python3 with tests/integration on its module path, for
# the receiver tests' frame builder and clients (recvlib.py).
recv_py() {
	PYTHONPATH="$top_srcdir/tests/integration${PYTHONPATH:+:$PYTHONPATH}" \
		"$PYTHON3" "$@"
}

# require_recv: the receiver tests need no root, only the program and python3.
require_recv() {
	require_prog "$RECV"
	require_cmd "$PYTHON3"
}

# ---- cellos-workload-exec helpers ------------------------------------------
PROBE="$top_builddir/tests/integration/exec-probe"

# has_int80: whether this kernel has the 32-bit int $0x80 entry (some
# x86_64 guest kernels fault on it even with IA32 emulation built in).
# Where it is missing, the probe's kill-i386 is skipped (EXEC_PROBE_SKIP)
# and the gate's i386 rules go untested on this machine; the log says so.
has_int80() {
	[ "$("$PROBE" int80)" = yes ]
}

# start_standin LOG [keep|PGID]: an exec-probe stand-in (see exec-probe.c)
# logging to LOG; returns once it is set up.  $STANDIN_PID, $STANDIN_TID
# (its second thread), $STANDIN_PGID.
start_standin() {
	local log=$1
	shift
	bg "$PROBE" standin "$log" "$@"
	STANDIN_PID=$BG_PID
	wait_until 10 grep -q '^ready ' "$log" 2>/dev/null ||
		fail "stand-in $STANDIN_PID did not become ready"
	STANDIN_TID=$(sed -n 's/^ready .*tid=\([0-9]*\).*/\1/p' "$log")
	STANDIN_PGID=$(sed -n 's/^ready pgid=\([0-9]*\).*/\1/p' "$log")
	[ -n "$STANDIN_TID" ] && [ "$STANDIN_TID" != 0 ] ||
		fail "stand-in $STANDIN_PID reported no thread"
}

# standin_unharmed PID LOG: alive, not stopped, not traced, no signal taken.
standin_unharmed() {
	local pid=$1 log=$2 state tracer
	kill -0 "$pid" 2>/dev/null || fail "stand-in $pid is gone"
	state=$(sed -n 's/^State:[[:space:]]*\([A-Za-z]\).*/\1/p' "/proc/$pid/status")
	tracer=$(sed -n 's/^TracerPid:[[:space:]]*//p' "/proc/$pid/status")
	case $state in
	S | R) ;;
	*) fail "stand-in $pid is in state '$state'" ;;
	esac
	[ "$tracer" = 0 ] || fail "stand-in $pid is traced by $tracer"
	if grep -q '^sig ' "$log"; then
		fail "stand-in $pid took signals: $(grep '^sig ' "$log" | tr '\n' ' ')"
	fi
}

# check_results OUT EXPECT...: OUT holds exec-probe "NAME RESULT" lines;
# each EXPECT is NAME=ERE and RESULT must match ^(ERE)$.  Every name
# expected must appear exactly once and nothing else may.
check_results() {
	local out=$1 e name re got n
	shift
	for e in "$@"; do
		name=${e%%=*}
		re=${e#*=}
		n=$(awk -v n="$name" '$1 == n' "$out" | wc -l)
		[ "$n" = 1 ] || fail "$name: $n result lines in $out"
		got=$(awk -v n="$name" '$1 == n { print $2 }' "$out")
		echo "$got" | grep -qE "^($re)\$" ||
			fail "$name: got $got, expected $re"
	done
	n=$(wc -l <"$out")
	[ "$n" = $# ] || fail "$out has $n result lines, expected $#"
}

# delivered_signals OUT: the sig=N of every call in OUT that returned OK.
delivered_signals() {
	awk '$2 == "OK" && $3 ~ /^sig=/ { sub(/^sig=/, "", $3); print $3 }' "$1"
}

# ---- the agent's process tests ----

PROC_HELPER="$top_builddir/tests/integration/proc-helper"

# A short random tag, so names made by this run are not confused with
# those of tests running at the same time.
rand_tag() { od -An -N3 -tx1 /dev/urandom | tr -d ' \n'; }

# named_processes PREFIX N LIVE_MS: N processes at once, each a link
# PREFIXi to proc-helper (in $T/bin) that names itself again (setcomm:
# the same name) and lives LIVE_MS; "PID NAME" lines in $T/pids, checked
# by named_check.
named_processes() {
	local prefix=$1 n=$2 live=$3 i=0 name hex
	mkdir -p "$T/bin"
	: >"$T/pids"
	while [ "$i" -lt "$n" ]; do
		name=$prefix$i
		ln -sf "$PROC_HELPER" "$T/bin/$name"
		hex=$(printf '%s' "$name" | od -An -tx1 | tr -d ' \n')
		# setcomm prints the pid first, then lives LIVE_MS.
		"$T/bin/$name" setcomm "$hex" "$live" >"$T/pid.$i" &
		eval "np_w$i=\$!"
		i=$((i + 1))
	done
	i=0
	while [ "$i" -lt "$n" ]; do
		eval "wait \$np_w$i" || fail "helper $i failed"
		echo "$(cat "$T/pid.$i") $prefix$i" >>"$T/pids"
		i=$((i + 1))
	done
}

# named_check done|assert OUT: every process of $T/pids is in OUT as
# process.spawned then process.exited with its name (recvlib.py).
named_check() {
	recv_py -c 'import sys, recvlib as r; sys.exit(r.named_check(*sys.argv[1:]))' \
		"$1" "$T/pids" "$2"
}

# require_bpf_connect: root, the agent, the receiver, bpfconnect-helper
# ($BPFH) and a cgroup of this test's own ($TEST_CGROUP) where the kernel
# loads the connect program; else skip.
BPFH="$top_builddir/tests/integration/bpfconnect-helper"
require_bpf_connect() {
	require_root
	require_prog "$AGENT"
	require_prog "$RECV"
	require_prog "$BPFH"
	ensure_test_cgroup
	[ -n "${TEST_CGROUP:-}" ] || skip "no cgroup v2"
	"$BPFH" probe >"$T/probe.txt" 2>&1 ||
		skip "the kernel refuses the connect program: $(cat "$T/probe.txt")"
}

# chain_cases KIND PREFIX COUNT DIR: COUNT exec chains of KIND
# (proc-helper chain: sh, env or rename) to distinct names PREFIXNNNN,
# links to proc-helper made in DIR.  One line per chain: PID START
# SPAWNED-NAMES (comma-separated, in order) EXIT-NAME.  START
# (CLOCK_MONOTONIC before the process was made) scopes the pid's frames:
# pids are reused on a busy machine (recvlib.frames_since).
chain_cases() {
	local kind=$1 prefix=$2 count=$3 dir=$4 i=0 n paths="" names=""
	while [ $i -lt "$count" ]; do
		n="$prefix$((1000 + i))"
		ln -sf "$PROC_HELPER" "$dir/$n"
		paths="$paths $dir/$n"
		names="$names $n"
		i=$((i + 1))
	done
	# shellcheck disable=SC2086
	"$PROC_HELPER" chain "$kind" $paths >"$dir/pids.$prefix" || fail "chain helper failed"
	# shellcheck disable=SC2086
	set -- $names
	while read -r pid start; do
		case $kind in
		env) echo "$pid $start sh,env,$1 $1" ;;
		rename) echo "$pid $start sh,$1 n${1#?}" ;;
		*) echo "$pid $start sh,$1 $1" ;;
		esac
		shift
	done <"$dir/pids.$prefix"
	[ $# = 0 ] || fail "chain helper reported $# chains too few"
}

# stop_agent: SIGTERM the agent started by start_agent and wait for it;
# returns its exit status.
stop_agent() {
	kill -TERM "$AGENT_PID" 2>/dev/null
	local rc=0
	wait "$AGENT_PID" || rc=$?
	return $rc
}

# agent_counter FILE NAME: the value of NAME in the last "counters:" line
# the agent wrote to FILE (its stderr).
agent_counter() {
	grep 'counters:' "$1" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# ---- storms and the agent's own state (fault and hardening tests) ----

# start_storm MS NAME [WORKERS [PROGRAM]]: a spawn storm of MS milliseconds
# whose processes all exec a link named NAME (so their comm is NAME) to
# PROGRAM (default proc-helper, which exits at once); $STORM_PID.
start_storm() {
	mkdir -p "$T/storm-bin"
	ln -sf "${4:-$PROC_HELPER}" "$T/storm-bin/$2"
	bg "$PROC_HELPER" storm "$1" "${3:-2}" "$T/storm-bin/$2"
	STORM_PID=$BG_PID
}

# agent_status_field PID NAME: a field of /proc/PID/status ("NoNewPrivs").
agent_status_field() {
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"
}

# counters_lines FILE: how many "counters:" lines FILE holds.
counters_lines() { count_lines "$1" 'counters:'; }

# usr1_counter ERRFILE NAME: SIGUSR1 the agent ($AGENT_PID), wait for the
# counters line it answers with and print that line's NAME= value.
usr1_counter() {
	local err=$1 name=$2 before
	before=$(counters_lines "$err")
	kill -USR1 "$AGENT_PID" || fail "agent $AGENT_PID is gone"
	wait_until 10 eval '[ "$(counters_lines "$err")" -gt "$before" ]' ||
		fail "no counters line after SIGUSR1"
	agent_counter "$err" "$name"
}

# frames_ok FILE [killed]: every newline-terminated line of the receiver's
# FILE is a JSON object with no "error" (whole, valid frames only).  With
# "killed" (the receiver died by SIGKILL) one incomplete final line without
# its newline may follow, as cellos-telemetry-recv(1) allows; without it,
# the file must end with a newline.
frames_ok() {
	"$PYTHON3" - "$1" "${2:-}" <<'PY' || fail "$1: a frame the receiver got was not whole and valid"
import json, sys
data = open(sys.argv[1], "rb").read()
*lines, rest = data.split(b"\n")
if rest and sys.argv[2] != "killed":
    raise SystemExit("the last line has no newline: %r" % rest[:80])
for n, line in enumerate(lines, 1):
    o = json.loads(line.decode("utf-8"))
    if not isinstance(o, dict) or "error" in o or "probe_source" not in o:
        raise SystemExit("line %d: %s" % (n, line.strip()))
PY
}

# count_frames FILE PROBE [PID [COMM]]: number of decoded frames in FILE
# (receiver JSON lines) with that probe_source and, when given, guest_pid
# and guest_comm.  Parsed independently with python3.
count_frames() {
	"$PYTHON3" - "$@" <<'PY'
import json, sys
path, probe = sys.argv[1], sys.argv[2]
pid = int(sys.argv[3]) if len(sys.argv) > 3 else None
comm = sys.argv[4] if len(sys.argv) > 4 else None
n = 0
try:
    lines = open(path, encoding="utf-8").read().splitlines()
except FileNotFoundError:
    lines = []
for line in lines:
    try:
        o = json.loads(line)
    except ValueError:
        continue        # a line still being written
    if o.get("probe_source") != probe:
        continue
    if pid is not None and o.get("guest_pid") != pid:
        continue
    if comm is not None and o.get("guest_comm") != comm:
        continue
    n += 1
print(n)
PY
}

# frames_at_least N FILE PROBE [PID [COMM]]: for wait_until.
frames_at_least() {
	local want=$1
	shift
	[ "$(count_frames "$@")" -ge "$want" ]
}

# ---- tests that change machine-wide state (kernel audit rules) ----------

AUDIT_HELPER="$top_builddir/tests/integration/audit-helper"
AUDIT_RULES="$top_builddir/tests/integration/audit-rules"
AUDIT_LOCK=${AUDIT_LOCK:-/run/lock/cellos-telemetry-audit.lock}

# An agent arms the audit probes by default, which changes machine-wide
# kernel state (audit rules, the audit daemon role).  Tests that depend on
# that state hold AUDIT_LOCK exclusively (lock_audit_state); every other
# agent run holds it shared (start_agent), so those still run in parallel
# with each other.  Held on fd 19 (clear of the low fds tests use) until
# the test exits.  A lock of its own: tests that hold
# cellos-telemetry-tests.lock for other knobs also start agents.
lock_audit_state() {
	require_cmd flock
	exec 19>>"$AUDIT_LOCK" || fail "cannot open $AUDIT_LOCK"
	flock -w 300 19 || fail "could not take $AUDIT_LOCK within 300 s"
	AUDIT_LOCKED=exclusive
}

share_audit_state() {
	[ -z "${AUDIT_LOCKED:-}" ] || return 0
	command -v flock >/dev/null 2>&1 || return 0
	{ exec 19>>"$AUDIT_LOCK"; } 2>/dev/null || return 0
	flock -s -w 300 19 || fail "could not share $AUDIT_LOCK within 300 s"
	AUDIT_LOCKED=shared
}

# require_audit: root, the audit test tools, and a kernel with audit
# netlink (else skip); takes the lock and arranges for the audit status
# found now to be put back at exit.
require_audit() {
	require_root
	require_prog "$AUDIT_HELPER"
	require_prog "$AUDIT_RULES"
	[ -r /proc/self/loginuid ] || skip "kernel without CONFIG_AUDITSYSCALL"
	lock_audit_state
	local rc=0
	"$AUDIT_RULES" status >/dev/null || rc=$?
	[ "$rc" = 77 ] && skip "kernel without audit netlink"
	[ "$rc" = 0 ] || fail "audit-rules status failed"
	# The status to put back is the one with no audit daemon registered:
	# an agent started without the lock (an older lib.sh) may hold
	# changed settings for a moment, and it restores them itself.
	AUDIT_STATUS_BEFORE=
	if wait_until 60 audit_no_daemon; then
		AUDIT_STATUS_BEFORE=$("$AUDIT_RULES" status)
	else
		note "an audit daemon stays registered: the audit status will not be restored"
	fi
	trap 'audit_restore_status; cleanup' EXIT
}

audit_no_daemon() {
	[ "$(status_field "$("$AUDIT_RULES" status)" pid)" = 0 ]
}

# The value of NAME in an "a=1 b=2" line.
status_field() {
	printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# Put back enabled/backlog settings found at start, unless an audit
# daemon (someone else's) holds the kernel now.
audit_restore_status() {
	[ -n "${AUDIT_STATUS_BEFORE:-}" ] || return 0
	local now
	now=$("$AUDIT_RULES" status 2>/dev/null) || return 0
	[ "$(status_field "$now" pid)" = 0 ] || return 0
	[ "$now" = "$AUDIT_STATUS_BEFORE" ] && return 0
	"$AUDIT_RULES" set "$(status_field "$AUDIT_STATUS_BEFORE" enabled)" \
		"$(status_field "$AUDIT_STATUS_BEFORE" backlog_limit)" \
		"$(status_field "$AUDIT_STATUS_BEFORE" backlog_wait_time)" >/dev/null
}

# start_audit_agent SOCKET LOG [ARGS...]: start_agent with stderr to LOG,
# retried until the audit probes are armed: an agent of a concurrent test
# may be the registered audit daemon for a moment (it refuses the audit
# probes and keeps running; so would ours).  Fails after 60 s.
start_audit_agent() {
	local sock=$1 log=$2
	shift 2
	local deadline=$(( $(date +%s) + 60 ))
	while :; do
		AGENT_STDERR=$log start_agent "$sock" "$@"
		grep -q "audit: armed" "$log" && return 0
		grep -q "another audit daemon" "$log" ||
			fail "agent did not arm the audit probes: $(cat "$log")"
		stop_agent
		[ "$(date +%s)" -lt "$deadline" ] || fail "another audit daemon stayed registered for 60 s"
		sleep 0.2
	done
}
