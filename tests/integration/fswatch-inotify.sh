#!/bin/bash
# Declared watches with the inotify backend: every action in a watched
# directory (and on a watched file) gives one fs.inotify_fired frame, which
# carries the agent's own pid and comm (inotify cannot name the actor).
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
	--watch-backend=inotify 2>"$T/agent.log"
log_has "$T/agent.log" "watch $W: armed (inotify, directory)" ||
	fail "the directory watch was not armed with inotify: $(cat "$T/agent.log")"
AGENT_COMM=$(comm_of "$AGENT_PID")

start_actor "fswI$$"
check_actions "$OUT" "$W" "$AGENT_PID" "$AGENT_COMM"
check_file_watch "$OUT" "$FD/file" "$AGENT_PID" "$AGENT_COMM"
actor=$(fs_frames "$OUT" "$ACTOR_PID")
[ "$actor" -eq 0 ] || fail "inotify frames named the actor ($actor)"
json_check "$OUT"
note "inotify: actions reported with the agent's pid $AGENT_PID comm $AGENT_COMM"
