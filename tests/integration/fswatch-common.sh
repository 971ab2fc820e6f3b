# fswatch-common.sh - helpers of the declared-watch tests (fswatch-*.sh).
# Sourced after lib.sh.

ACTOR="$top_builddir/tests/integration/fswatch-actor"

# Lock shared by every test that changes a system-wide setting (sysctls).
TESTS_LOCK=/run/lock/cellos-telemetry-tests.lock

require_fswatch() {
	require_root
	require_prog "$AGENT"
	require_prog "$RECV"
	require_prog "$ACTOR"
	require_cmd "$PYTHON3"
}

# start_actor COMM: a process named COMM that acts on files when told to
# (see fswatch-actor.c); $ACTOR_PID.  Commands go through act().
start_actor() {
	mkfifo "$T/actor.cmd" "$T/actor.reply"
	bg "$ACTOR" "$1" "$T/actor.cmd" "$T/actor.reply"
	ACTOR_PID=$BG_PID
	exec 7>"$T/actor.cmd"
	exec 8<"$T/actor.reply"
}

# act CMD ARGS...: the actor does it; the test fails unless it worked.
act() {
	local reply
	echo "$*" >&7
	read -r reply <&8 || fail "the actor is gone (while: $*)"
	[ "$reply" = ok ] || fail "actor: $*: $reply"
}

# fs_frames OUT PID [COMM]: how many fs.inotify_fired frames in the
# receiver's output OUT carry guest_pid PID (and guest_comm COMM).
fs_frames() {
	local n
	if [ $# -ge 3 ]; then
		n=$(grep -F '"probe_source":"fs.inotify_fired"' "$1" 2>/dev/null |
			grep -E "\"guest_pid\":$2[,}]" |
			grep -cF "\"guest_comm\":\"$3\"")
	else
		n=$(grep -F '"probe_source":"fs.inotify_fired"' "$1" 2>/dev/null |
			grep -cE "\"guest_pid\":$2[,}]")
	fi
	echo "${n:-0}"
}

# fs_frames_total OUT: all fs.inotify_fired frames in OUT.
fs_frames_total() {
	local n
	n=$(grep -cF '"probe_source":"fs.inotify_fired"' "$1" 2>/dev/null)
	echo "${n:-0}"
}

# frames_reach N OUT PID [COMM]: at least N such frames (for wait_until).
frames_reach() {
	local want=$1
	shift
	[ "$(fs_frames "$@")" -ge "$want" ]
}

# step N OUT PID COMM CMD ARGS...: the actor does CMD, and the frame count
# for PID/COMM reaches N.
step() {
	local want=$1 out=$2 pid=$3 comm=$4
	shift 4
	act "$@"
	wait_until 10 frames_reach "$want" "$out" "$pid" "$comm" ||
		fail "'$*' gave no fs.inotify_fired frame for pid $pid comm $comm (have $(fs_frames "$out" "$pid"))"
}

# log_has FILE TEXT: the agent's log FILE holds a line containing TEXT.
log_has() { grep -qF -- "$2" "$1" 2>/dev/null; }
log_count() {
	local n
	n=$(grep -cF -- "$2" "$1" 2>/dev/null)
	echo "${n:-0}"
}
log_count_reaches() { [ "$(log_count "$2" "$3")" -ge "$1" ]; }

# comm_of PID: the kernel's name for PID, read independently of the agent.
comm_of() { cat "/proc/$1/comm"; }

# check_actions OUT DIR PID COMM: the actor creates, writes, chmods and
# deletes a file in the watched DIR, makes, chmods and removes a
# subdirectory, and renames a file in and out; each action must add
# exactly one frame with PID and COMM (a final action is the fence: frames
# arrive in order, so nothing extra can still be on its way).
check_actions() {
	local out=$1 dir=$2 pid=$3 comm=$4 base n
	base=$(fs_frames "$out" "$pid" "$comm")
	step $((base + 1)) "$out" "$pid" "$comm" create "$dir/a"
	step $((base + 2)) "$out" "$pid" "$comm" write "$dir/a"
	step $((base + 3)) "$out" "$pid" "$comm" chmod "$dir/a"
	step $((base + 4)) "$out" "$pid" "$comm" delete "$dir/a"
	step $((base + 5)) "$out" "$pid" "$comm" mkdir "$dir/sub"
	step $((base + 6)) "$out" "$pid" "$comm" chmod "$dir/sub"
	step $((base + 7)) "$out" "$pid" "$comm" rmdir "$dir/sub"
	act create "$T/outside"
	step $((base + 8)) "$out" "$pid" "$comm" rename "$T/outside" "$dir/in"
	step $((base + 9)) "$out" "$pid" "$comm" rename "$dir/in" "$T/outside"
	step $((base + 10)) "$out" "$pid" "$comm" create "$dir/fence"
	n=$(fs_frames "$out" "$pid" "$comm")
	[ "$n" -eq $((base + 10)) ] ||
		fail "10 actions in $dir gave $((n - base)) frames, not 10"
	act delete "$dir/fence"
	wait_until 10 frames_reach $((base + 11)) "$out" "$pid" "$comm" ||
		fail "deleting the fence gave no frame"
}

# check_file_watch OUT FILE PID COMM: a file watch reports its file and not
# its siblings.
check_file_watch() {
	local out=$1 file=$2 pid=$3 comm=$4 base n
	base=$(fs_frames "$out" "$pid" "$comm")
	step $((base + 1)) "$out" "$pid" "$comm" write "$file"
	act create "$file.sibling"
	act write "$file.sibling"
	act delete "$file.sibling"
	step $((base + 2)) "$out" "$pid" "$comm" chmod "$file"
	n=$(fs_frames "$out" "$pid" "$comm")
	[ "$n" -eq $((base + 2)) ] ||
		fail "the file watch on $file reported its sibling ($((n - base)) frames, not 2)"
}

# require_fanotify: the kernel gives this process a fanotify group with
# directory-fid+name reporting (Linux 5.9+, CAP_SYS_ADMIN), as the agent
# would get one.  Asked through libc with python3's ctypes.
have_fanotify() {
	"$PYTHON3" - <<'PY'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
FAN_CLOEXEC, FAN_REPORT_DFID_NAME = 0x1, 0x400 | 0x800
fd = libc.fanotify_init(FAN_CLOEXEC | FAN_REPORT_DFID_NAME, os.O_RDONLY)
sys.exit(0 if fd >= 0 else 1)
PY
}
require_fanotify() { have_fanotify || skip "no fanotify with FID reporting here"; }

# counter LOG NAME: the value of NAME on the last "counters:" line in LOG.
counter() {
	grep -F 'counters:' "$1" 2>/dev/null | tail -n 1 |
		tr ' ' '\n' | sed -n "s/^$2=//p"
}

# stop_agent: SIGTERM, and wait for the agent to exit (it drains and logs
# its counters); fails the test unless it exits 0.
stop_agent() {
	local rc=0
	kill -TERM "$AGENT_PID"
	wait "$AGENT_PID" || rc=$?
	[ "$rc" -eq 0 ] || fail "the agent exited $rc on SIGTERM"
}
