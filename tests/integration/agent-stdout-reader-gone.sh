#!/bin/sh
# --sink=- ends when its reader is gone: `cellos-telemetry --sink=- | head`
# returns once head has its line, the agent's status is 0 and its last
# lines are the reason and the counters (standard output cannot come back,
# unlike a connection, which is retried: agent-sink-reconnect.sh).  Both
# formats.  Needs root (the agent arms its probes).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root
require_prog "$AGENT"
require_cmd timeout
require_cmd head
share_audit_state

# run_pipeline NAME HEAD_ARGS AGENT_ARGS...: the agent's stdout into
# `head HEAD_ARGS` through a FIFO; $rc is the agent's status (124: it was
# still running after 30 s and timeout stopped it).
run_pipeline() {
	local name=$1 hargs=$2 hpid
	shift 2
	mkfifo "$T/$name.pipe"
	# shellcheck disable=SC2086
	head $hargs <"$T/$name.pipe" >"$T/$name.out" &
	hpid=$!
	BG_PIDS="$BG_PIDS $hpid"
	rc=0
	timeout 30 "$AGENT" --sink=- "$@" >"$T/$name.pipe" 2>"$T/$name.err" || rc=$?
	wait "$hpid" || fail "$name: head failed"
}

check_ending() {
	local name=$1
	[ "$rc" = 0 ] || fail "$name: agent exit status $rc, expected 0: $(tail -n 5 "$T/$name.err")"
	grep -q 'sink standard output: cannot write any more: Broken pipe; stopping' "$T/$name.err" ||
		fail "$name: no reason logged: $(tail -n 5 "$T/$name.err")"
	tail -n 1 "$T/$name.err" | grep -q '^cellos-telemetry: info: counters: produced=[0-9]' ||
		fail "$name: the last line is not the counters: $(tail -n 1 "$T/$name.err")"
	! grep -qi 'reconnecting' "$T/$name.err" || fail "$name: the stdout sink talked of reconnecting"
}

run_pipeline json "-n 1" --format=json
check_ending json
# The line head got is a whole record, parsed independently.
"$PYTHON3" - "$T/json.out" <<'PY' || fail "json: head's line is not a record: $(head -c 300 "$T/json.out")"
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
assert len(lines) == 1, lines
rec = json.loads(lines[0])
assert isinstance(rec.get("probe_source"), str) and rec["probe_source"], rec
PY

run_pipeline frames "-c 4"
check_ending frames
[ "$(wc -c <"$T/frames.out")" = 4 ] || fail "frames: head got $(wc -c <"$T/frames.out") bytes, expected 4"
note "pass: both formats end with status 0 and the counters once the reader is gone"
