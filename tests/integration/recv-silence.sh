#!/bin/sh
# The silence window: a connection that stops sending gets one
# agent_silenced line once the window has passed since its last frame,
# never earlier, and only once; a connection that keeps sending is not
# reported; --silence-window=0 reports nothing.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_recv

# A 2 s window against a frame every 200 ms: a wide margin on a loaded host.
start_recv "$T/sock" "$T/out.jsonl" --silence-window=2 2>"$T/err"
recv_py - "$T/sock" "$T/out.jsonl" <<'PY' || fail "client"
import sys, time, recvlib as r
from datetime import datetime, timezone
path, out = sys.argv[1], sys.argv[2]

def at(o):   # host_received_at as seconds (python keeps microseconds)
    s = o["host_received_at"]
    return datetime.strptime(s[:26], "%Y-%m-%dT%H:%M:%S.%f").replace(
        tzinfo=timezone.utc).timestamp()

def silenced(lines, conn):
    return [o for o in lines if o.get("event") == "agent_silenced" and o["connection"] == conn]

quiet = r.connect(path)          # connection 1: one frame, then nothing
quiet.sendall(r.event(guest_pid=1))
busy = r.connect(path)           # connection 2: a frame every 200 ms
end = time.monotonic() + 3.0
n = 0
while time.monotonic() < end:
    busy.sendall(r.event(guest_pid=100 + n))
    n += 1
    time.sleep(0.2)
lines = r.lines_when(out, lambda l: silenced(l, 1), what="connection 1 silenced")
s1 = silenced(lines, 1)[0]
first = [o for o in lines if o.get("guest_pid") == 1][0]
r.check(set(s1) == {"host_received_at", "connection", "event", "silent_for_s"},
        "keys %r" % s1)
r.check(s1["silent_for_s"] >= 2, "silent_for_s %r" % s1["silent_for_s"])
# 2 s after its frame, give or take clock granularity (not before).
r.check(at(s1) - at(first) >= 1.99, "reported after %.3f s" % (at(s1) - at(first)))
r.check(not silenced(lines, 2), "busy connection reported silent: %r" % silenced(lines, 2))

# Now busy stops too: it is reported a window after its last frame.  By
# then connection 1's window has passed at least once more, so a repeat
# would show.
last_busy = max((o for o in lines if o["connection"] == 2), key=at)
lines = r.lines_when(out, lambda l: silenced(l, 2), what="connection 2 silenced")
s2 = silenced(lines, 2)[0]
r.check(at(s2) - at(last_busy) >= 1.99, "conn 2 reported after %.3f s" % (at(s2) - at(last_busy)))
r.check(len(silenced(lines, 1)) == 1, "connection 1 reported %d times" % len(silenced(lines, 1)))
r.check(len(silenced(lines, 2)) == 1, "connection 2 reported twice")
quiet.close(); busy.close()
PY
kill "$RECV_PID"; wait "$RECV_PID" || fail "receiver exit $?"
grep -q 'silenced=2 ' "$T/err" || fail "counters: $(tail -2 "$T/err")"

# --silence-window=0: a connection idle for 2 s is never reported.  Its
# clock is a second receiver with a 2 s window watching a twin client.
start_recv "$T/off" "$T/off.jsonl" --silence-window=0 2>/dev/null
OFF_PID=$RECV_PID
start_recv "$T/on" "$T/on.jsonl" --silence-window=2 2>/dev/null
recv_py - "$T/off" "$T/on" "$T/on.jsonl" "$T/off.jsonl" <<'PY' || fail "window 0"
import sys, recvlib as r
off = r.connect(sys.argv[1]); off.sendall(r.event(guest_pid=1))
on = r.connect(sys.argv[2]); on.sendall(r.event(guest_pid=1))
r.lines_when(sys.argv[3], lambda l: any(o.get("event") for o in l), what="clock")
lines = r.read_lines(sys.argv[4])
r.check(lines and not any(o.get("event") for o in lines), "window 0 reported: %r" % lines)
PY
kill "$OFF_PID" "$RECV_PID"
exit 0
