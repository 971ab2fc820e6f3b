#!/bin/bash
# --watch, --watch-backend and --watch-failure: bad values are usage errors
# (64) naming the option; a path that cannot be watched ends the agent with
# 69 and the path and errno text (--watch-failure=fail, the default) or is
# logged and counted while the agent runs on (degrade), and is armed once
# it appears.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fswatch-common.sh"

require_fswatch

SOCK="$T/recv.sock"
OUT="$T/frames.jsonl"
start_recv "$SOCK" "$OUT"

# run_agent EXPECTED_STATUS ARGS...: run the agent to its exit; its stderr
# is in $T/err.
run_agent() {
	local want=$1 rc=0
	shift
	ensure_test_cgroup
	"$AGENT" --sink="unix:$SOCK" ${TEST_CGROUP:+"--cgroup=$TEST_CGROUP"} "$@" \
		2>"$T/err" </dev/null >/dev/null || rc=$?
	[ "$rc" -eq "$want" ] ||
		fail "'$*' exited $rc, not $want: $(cat "$T/err")"
}

run_agent 64 --watch=
log_has "$T/err" "--watch: invalid value ''" || fail "empty --watch: message does not name it: $(cat "$T/err")"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "empty --watch: more than one line: $(cat "$T/err")"

run_agent 64 --watch="$T" --watch-backend=dnotify
log_has "$T/err" "--watch-backend: invalid value 'dnotify'" || fail "bad backend not named: $(cat "$T/err")"

run_agent 64 --watch="$T" --watch-failure=ignore
log_has "$T/err" "--watch-failure: invalid value 'ignore'" || fail "bad failure mode not named: $(cat "$T/err")"

MISSING="$T/missing/dir"
run_agent 69 --watch="$MISSING"
log_has "$T/err" "$MISSING" || fail "exit 69 without the path: $(cat "$T/err")"
log_has "$T/err" "No such file or directory" || fail "exit 69 without the errno text: $(cat "$T/err")"

run_agent 69 --watch="$MISSING" --watch-failure=fail --watch-backend=inotify
log_has "$T/err" "$MISSING" || fail "inotify: exit 69 without the path: $(cat "$T/err")"

# degrade: runs, says so, counts it, and arms the path once it exists.
start_agent "$SOCK" --watch="$MISSING" --watch-failure=degrade \
	--watch-backend=inotify 2>"$T/degrade.log"
log_has "$T/degrade.log" "watch $MISSING: cannot be watched" ||
	fail "degrade: nothing logged: $(cat "$T/degrade.log")"
mkdir -p "$MISSING"
wait_until 10 log_has "$T/degrade.log" "watch $MISSING: armed (inotify, directory)" ||
	fail "degrade: $MISSING not armed once it existed"
base=$(fs_frames "$OUT" "$AGENT_PID")
: >"$MISSING/x"
wait_until 10 frames_reach $((base + 1)) "$OUT" "$AGENT_PID" ||
	fail "degrade: no frame from the late watch"
stop_agent
lost=$(counter "$T/degrade.log" watch_lost)
[ "$lost" = 1 ] || fail "degrade: watch_lost is '$lost', not 1"
note "options: 64 for bad values, 69 for an unwatchable path, degrade runs on"
