#!/bin/bash
# Declared watches with fanotify: every action of a process with a known
# comm in a watched directory (and on a watched file) gives one
# fs.inotify_fired frame naming that process; the agent's own writes into
# the watched directory give none.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fswatch-common.sh"

require_fswatch
require_fanotify

W="$T/watched"
FD="$T/filedir"
mkdir "$W" "$FD"
: >"$FD/file"
SOCK="$T/recv.sock"
OUT="$T/frames.jsonl"
COMM="fswA$$"

start_recv "$SOCK" "$OUT"
# The agent's log goes into the watched directory: its own writes there
# must not be reported.
start_agent "$SOCK" --watch="$W" --watch="$FD/file" \
	--watch-backend=fanotify 2>"$W/agent.log"
log_has "$W/agent.log" "watch $W: armed (fanotify, directory)" ||
	fail "the directory watch was not armed with fanotify: $(cat "$W/agent.log")"
log_has "$W/agent.log" "watch $FD/file: armed (fanotify, file)" ||
	fail "the file watch was not armed with fanotify"

start_actor "$COMM"
check_actions "$OUT" "$W" "$ACTOR_PID" "$COMM"
check_file_watch "$OUT" "$FD/file" "$ACTOR_PID" "$COMM"

# The agent writes its counters into the watched directory on SIGUSR1.
size=$(stat -c %s "$W/agent.log")
kill -USR1 "$AGENT_PID"
log_grew() { [ "$(stat -c %s "$W/agent.log")" -gt "$size" ]; }
wait_until 10 log_grew || fail "the agent did not log on SIGUSR1"
# Fence: the actor's next frame comes after any the agent's writes caused.
base=$(fs_frames "$OUT" "$ACTOR_PID" "$COMM")
step $((base + 1)) "$OUT" "$ACTOR_PID" "$COMM" create "$W/fence2"
own=$(fs_frames "$OUT" "$AGENT_PID")
[ "$own" -eq 0 ] || fail "the agent reported $own of its own actions"
json_check "$OUT"
note "fanotify: actions reported with pid $ACTOR_PID comm $COMM; agent's own writes not reported"
