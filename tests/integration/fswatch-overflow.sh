#!/bin/bash
# A burst of changes larger than the kernel queue of a declared watch is
# counted as dropped_fs_overflow and logged, for both backends, and the
# watch goes on reporting afterwards.  The queue is made small by lowering
# fs.{inotify,fanotify}.max_queued_events while the agent creates its
# group (the kernel reads it then) and restoring it at once; the agent is
# stopped with SIGSTOP while the burst fills the queue.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fswatch-common.sh"

require_fswatch
QUEUE=64
BURST=400

KNOB=""
OLD=""
restore_knob() {
	if [ -n "$KNOB" ] && [ -n "$OLD" ]; then
		echo "$OLD" >"$KNOB"
		KNOB=""
	fi
}
trap 'restore_knob; cleanup' EXIT

SOCK="$T/recv.sock"
OUT="$T/frames.jsonl"
start_recv "$SOCK" "$OUT"
start_actor "fswO$$"

backends=inotify
have_fanotify && backends="$backends fanotify"
for backend in $backends; do
	W="$T/w.$backend"
	LOG="$T/agent.$backend.log"
	mkdir "$W"
	KNOB=/proc/sys/fs/$backend/max_queued_events
	[ -w "$KNOB" ] || skip "$KNOB is not there to shrink the queue"
	exec 9>"$TESTS_LOCK"
	flock 9
	OLD=$(cat "$KNOB")
	echo "$QUEUE" >"$KNOB"
	start_agent "$SOCK" --watch="$W" --watch-backend=$backend 2>"$LOG"
	restore_knob
	flock -u 9
	exec 9>&-
	log_has "$LOG" "watch $W: armed ($backend," || fail "$backend watch not armed"

	kill -STOP "$AGENT_PID"
	act burst "$W" "$BURST"
	kill -CONT "$AGENT_PID"
	wait_until 10 log_has "$LOG" "the $backend queue overflowed" ||
		fail "$backend: no overflow logged after $BURST changes with a queue of $QUEUE"

	# Still watching: the next change is reported.
	if [ "$backend" = fanotify ]; then pid=$ACTOR_PID; else pid=$AGENT_PID; fi
	base=$(fs_frames "$OUT" "$pid")
	act create "$W/after"
	wait_until 10 frames_reach $((base + 1)) "$OUT" "$pid" ||
		fail "$backend: no frame after the overflow"
	got=$(fs_frames "$OUT" "$pid")
	[ "$got" -lt "$BURST" ] || fail "$backend: $got frames, yet an overflow was logged"

	stop_agent
	n=$(counter "$LOG" dropped_fs_overflow)
	[ -n "$n" ] && [ "$n" -ge 1 ] ||
		fail "$backend: dropped_fs_overflow is '${n}' at exit"
	note "$backend: queue $QUEUE, burst $BURST: $got frames, dropped_fs_overflow=$n"
done
