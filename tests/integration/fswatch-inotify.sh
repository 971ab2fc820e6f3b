#!/bin/bash
# Declared watches with the inotify backend: every action in a watched
# directory (and on a watched file) gives one fs.inotify_fired frame, which
# carries the agent's own pid and comm (inotify cannot name the actor).
# The agent's log is in the watched directory: its own writes there are
# recognised and not reported.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fswatch-common.sh"

require_fswatch

W="$T/watched"
FD="$T/filedir"
mkdir "$W" "$FD"
: >"$FD/file"
SOCK="$T/recv.sock"
OUT="$T/frames.jsonl"

start_recv "$SOCK" "$OUT"
start_agent "$SOCK" --watch="$W" --watch="$FD/file" \
	--watch-backend=inotify 2>"$W/agent.log"
log_has "$W/agent.log" "watch $W: armed (inotify, directory)" ||
	fail "the directory watch was not armed with inotify: $(cat "$W/agent.log")"
AGENT_COMM=$(comm_of "$AGENT_PID")

start_actor "fswI$$"
check_actions "$OUT" "$W" "$AGENT_PID" "$AGENT_COMM"
check_file_watch "$OUT" "$FD/file" "$AGENT_PID" "$AGENT_COMM"

# The agent writes its counters into the watched directory on SIGUSR1;
# then a fence: exactly one more frame.
base=$(fs_frames "$OUT" "$AGENT_PID" "$AGENT_COMM")
size=$(stat -c %s "$W/agent.log")
kill -USR1 "$AGENT_PID"
log_grew() { [ "$(stat -c %s "$W/agent.log")" -gt "$size" ]; }
wait_until 10 log_grew || fail "the agent did not log on SIGUSR1"
step $((base + 1)) "$OUT" "$AGENT_PID" "$AGENT_COMM" create "$W/fence2"
n=$(fs_frames "$OUT" "$AGENT_PID" "$AGENT_COMM")
[ "$n" -eq $((base + 1)) ] || fail "the agent's writes to its log were reported ($((n - base - 1)))"

actor=$(fs_frames "$OUT" "$ACTOR_PID")
[ "$actor" -eq 0 ] || fail "inotify frames named the actor ($actor)"
json_check "$OUT"
note "inotify: actions reported with the agent's pid $AGENT_PID comm $AGENT_COMM; its own log writes not reported"
