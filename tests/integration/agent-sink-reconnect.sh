#!/bin/bash
# The agent's sink never gives up and never sends a broken frame:
#  - no listener at start: events queue, and arrive once a listener appears;
#  - the listener is killed mid-stream and another one started: the agent
#    keeps running, the new listener gets only whole valid frames (checked
#    on the raw bytes by an independent parser) and every event made while
#    no one listened;
#  - at exit, produced == written + dropped_queue_full + queued.
. "$(dirname "$0")/lib.sh"

require_root
require_prog "$AGENT"
require_prog "$RECV"
require_cmd "$PYTHON3"

sock="$T/sink.sock"
# Names nobody else on the machine uses: comm is the exec'd file's name.
tag="sk$(rand_tag | cut -c1-4)"
N=50
mkdir "$T/bin"
i=1
while [ "$i" -le "$N" ]; do
	ln -s /bin/true "$T/bin/${tag}a$i"
	ln -s /bin/true "$T/bin/${tag}b$i"
	i=$((i + 1))
done
ln -s /bin/true "$T/bin/${tag}ld"

run_batch() {
	local i=1
	while [ "$i" -le "$N" ]; do
		"$T/bin/${tag}$1$i" || fail "could not run ${tag}$1$i"
		i=$((i + 1))
	done
}

# all_seen FILE BATCH: every program of BATCH shows up as process.spawned
# and then process.exited, with its exact comm.
all_seen() {
	"$PYTHON3" - "$1" "$tag$2" "$N" <<'PY'
import json, sys
path, prefix, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
want = {"%s%d" % (prefix, i) for i in range(1, n + 1)}
spawned, exited = {}, set()
try:
    lines = open(path, encoding="utf-8").read().splitlines()
except FileNotFoundError:
    sys.exit(1)
for line in lines:
    try:
        o = json.loads(line)
    except ValueError:
        continue  # a line being written; json_check judges the file later
    c = o.get("guest_comm")
    if c not in want:
        continue
    if o.get("probe_source") == "process.spawned":
        spawned[o["guest_pid"]] = c
    elif o.get("probe_source") == "process.exited" and spawned.get(o["guest_pid"]) == c:
        exited.add(c)
sys.exit(0 if set(spawned.values()) == want and exited == want else 1)
PY
}

# no_error_lines FILE: the receiver reported no frame or framing error.
no_error_lines() {
	"$PYTHON3" - "$1" <<'PY' || fail "$1: the receiver reported errors"
import json, sys
bad = [l for l in open(sys.argv[1], encoding="utf-8") if "error" in json.loads(l)]
for l in bad[:5]:
    sys.stderr.write(l)
sys.exit(1 if bad else 0)
PY
}

# whole_frames FILE: the raw bytes are a sequence of whole wire-v1 frames
# (4-byte little-endian length, then a 5-entry CBOR map), nothing cut.
whole_frames() {
	"$PYTHON3" - "$1" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
off = frames = 0
while off < len(data):
    if len(data) - off < 4:
        sys.exit(1)
    (n,) = struct.unpack_from("<I", data, off)
    if n == 0 or n > 4096:
        sys.stderr.write("offset %d: length %d: not a frame boundary\n" % (off, n))
        sys.exit(2)
    if off + 4 + n > len(data):
        sys.exit(1)
    if data[off + 4] != 0xa5:
        sys.stderr.write("offset %d: body does not start with a 5-entry map\n" % off)
        sys.exit(2)
    off += 4 + n
    frames += 1
sys.exit(0 if frames > 0 else 1)
PY
}

# exited PID: our child PID has exited (it stays a zombie until waited for,
# so kill -0 alone would still succeed).
exited() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 0
	case "$st" in Z*|"") return 0 ;; esac
	return 1
}

# 1. No listener at start: the agent is ready anyway, and queues.
start_agent "$sock" 2>"$T/agent.err"
run_batch a
[ -S "$sock" ] && fail "something listens on $sock already"
kill -0 "$AGENT_PID" 2>/dev/null || fail "agent died without a listener"

start_recv "$sock" "$T/out1.jsonl" --raw="$T/raw1"
wait_until 20 all_seen "$T/out1.jsonl" a || fail "queued events of batch a did not all arrive"

# 2. Kill the listener in the middle of a stream of events.
bg sh -c 'while :; do "$1"; done' sh "$T/bin/${tag}ld"
LOAD_PID=$BG_PID
wait_until 20 grep -q "\"guest_comm\":\"${tag}ld\"" "$T/out1.jsonl" ||
	fail "no load events reached the first listener"
kill -9 "$RECV_PID"
wait "$RECV_PID" 2>/dev/null
kill "$LOAD_PID"
wait "$LOAD_PID" 2>/dev/null
run_batch b
kill -0 "$AGENT_PID" 2>/dev/null || fail "agent died when its listener was killed"

start_recv "$sock" "$T/out2.jsonl" --raw="$T/raw2"
wait_until 20 all_seen "$T/out2.jsonl" b || fail "events of batch b did not all arrive after the restart"

# 3. Drain and exit; then the second connection must hold whole frames only.
kill -TERM "$AGENT_PID"
wait_until 20 exited "$AGENT_PID" || fail "agent did not exit on SIGTERM"
wait "$AGENT_PID"
rc=$?
[ "$rc" = 0 ] || fail "agent exited $rc after SIGTERM"
wait_until 10 whole_frames "$T/raw2" || fail "the restarted listener received a cut or invalid frame"
json_check "$T/out2.jsonl"
no_error_lines "$T/out2.jsonl"

"$PYTHON3" - "$T/agent.err" <<'PY' || fail "counters do not add up (see the agent's last counters line)"
import re, sys
lines = [l for l in open(sys.argv[1]) if "counters:" in l]
if not lines:
    sys.exit("no counters line in the agent's log")
c = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", lines[-1])}
print("# " + lines[-1].strip())
ok = c["produced"] == c["written"] + c["dropped_queue_full"] + c["queued"]
sys.exit(0 if ok and c["reconnects"] >= 2 else 1)
PY
note "queued events arrived after the listener appeared; restart gave whole frames only"
exit 0
