#!/bin/bash
# A watched path that disappears is logged and counted (watch_lost), and
# the watch is armed again when the path comes back: a directory deleted
# and re-created, a directory renamed away (its new place is no longer
# reported) and re-created, a file deleted and re-created.  Both backends.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fswatch-common.sh"

require_fswatch

SOCK="$T/recv.sock"
OUT="$T/frames.jsonl"
start_recv "$SOCK" "$OUT"
COMM="fswR$$"
start_actor "$COMM"

backends=inotify
have_fanotify && backends="$backends fanotify"
for backend in $backends; do
	B="$T/$backend"
	D="$B/dir"
	F="$B/file"
	LOG="$T/agent.$backend.log"
	mkdir "$B" "$D"
	: >"$F"
	start_agent "$SOCK" --watch="$D" --watch="$F" --watch-backend=$backend 2>"$LOG"
	log_has "$LOG" "watch $D: armed ($backend, directory)" || fail "$backend: $D not armed"
	if [ "$backend" = fanotify ]; then
		pid=$ACTOR_PID comm=$COMM
	else
		pid=$AGENT_PID comm=$(comm_of "$AGENT_PID")
	fi

	# Deleted, then re-created: armed again, and changes are reported.
	act rmdir "$D"
	wait_until 10 log_has "$LOG" "watch $D: the directory was deleted" ||
		fail "$backend: deleting $D was not logged"
	act mkdir "$D"
	wait_until 10 log_count_reaches 2 "$LOG" "watch $D: armed ($backend" ||
		fail "$backend: $D was not armed again after re-creation"
	base=$(fs_frames "$OUT" "$pid" "$comm")
	step $((base + 1)) "$OUT" "$pid" "$comm" create "$D/after-recreate"

	# Renamed away: the old directory is no longer reported; the path is
	# armed again once it exists.
	act rename "$D" "$B/moved"
	wait_until 10 log_has "$LOG" "watch $D: the directory was renamed away" ||
		fail "$backend: renaming $D away was not logged"
	act mkdir "$D"
	wait_until 10 log_count_reaches 3 "$LOG" "watch $D: armed ($backend" ||
		fail "$backend: $D was not armed again after the rename"
	base=$(fs_frames "$OUT" "$pid" "$comm")
	act create "$B/moved/not-watched"
	step $((base + 1)) "$OUT" "$pid" "$comm" create "$D/fence"
	n=$(fs_frames "$OUT" "$pid" "$comm")
	[ "$n" -eq $((base + 1)) ] ||
		fail "$backend: the renamed-away directory is still reported"

	# A watched file deleted and re-created: its name stays watched.
	base=$(fs_frames "$OUT" "$pid" "$comm")
	step $((base + 1)) "$OUT" "$pid" "$comm" delete "$F"
	wait_until 10 log_has "$LOG" "watch $F: the file is gone" ||
		fail "$backend: deleting $F was not logged"
	step $((base + 2)) "$OUT" "$pid" "$comm" create "$F"
	wait_until 10 log_has "$LOG" "watch $F: the file is back" ||
		fail "$backend: re-creating $F was not logged"
	step $((base + 3)) "$OUT" "$pid" "$comm" write "$F"

	stop_agent
	lost=$(counter "$LOG" watch_lost)
	[ -n "$lost" ] && [ "$lost" -eq 3 ] ||
		fail "$backend: watch_lost is '${lost}' at exit, not 3 (deleted, renamed, file gone)"
	note "$backend: re-armed after deletion and rename; watch_lost=$lost"
done
