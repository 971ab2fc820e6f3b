#!/bin/sh
# --count=N exits 0 right after the Nth frame (error lines do not count);
# --raw=FILE holds exactly the bytes received, good or bad, and appends to
# what the file held; a capture made with --raw decodes (--input) to the
# same frames as the live stream; SIGINT stops it with exit 0 and counters.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_recv

printf 'before\n' >"$T/raw"
start_recv "$T/sock" "$T/out.jsonl" --count=3 --raw="$T/raw"
recv_py - "$T/sock" "$T/sent" <<'PY' || fail "client"
import random, sys, recvlib as r
data = (r.event(guest_pid=1) + r.frame(r.body(probe_source="nope")) +
        r.event(guest_pid=2) + r.event(guest_pid=3, guest_comm="x" * 16))
rng = random.Random(3)
s = r.connect(sys.argv[1])
i = 0
while i < len(data):          # split anywhere
    n = rng.randint(1, 40)
    s.sendall(data[i:i + n])
    i += n
open(sys.argv[2], "wb").write(data)
# Keep the connection open: the receiver must exit by itself.
s.settimeout(10)
try:
    r.check(s.recv(1) == b"", "receiver sent bytes")
except ConnectionResetError:
    pass
PY
wait "$RECV_PID" || fail "--count=3: exit $?"
recv_py - "$T/out.jsonl" <<'PY' || fail "--count lines"
import sys, recvlib as r
lines = r.read_lines(sys.argv[1])
got = [o.get("guest_pid", o.get("error")) for o in lines]
r.check(got == [1, "UnknownProbeSource", 2, 3], "lines %r" % got)
PY
printf 'before\n' >"$T/want"
cat "$T/sent" >>"$T/want"
cmp "$T/raw" "$T/want" || fail "--raw capture differs from the bytes sent"

# The capture decodes to the same lines (minus the leading text, which is
# not a frame: skip it by decoding from the sent bytes' offset).
tail -c +8 "$T/raw" >"$T/raw.cap"
"$RECV" --input="$T/raw.cap" --output="$T/replay.jsonl" 2>/dev/null || fail "replay exit $?"
recv_py - "$T/out.jsonl" "$T/replay.jsonl" <<'PY' || fail "replay differs"
import sys, recvlib as r
live, replay = r.read_lines(sys.argv[1]), r.read_lines(sys.argv[2])
strip = lambda l: [{k: v for k, v in o.items() if k not in ("host_received_at", "connection")} for o in l]
r.check(strip(live) == strip(replay), "%r != %r" % (live, replay))
PY

# --count over several frames in one read, from a capture: exactly N.
recv_py - "$T/many.cap" <<'PY'
import sys, recvlib as r
open(sys.argv[1], "wb").write(b"".join(r.event(guest_pid=i) for i in range(100)))
PY
"$RECV" --input=- --count=7 --output="$T/seven.jsonl" <"$T/many.cap" 2>/dev/null || fail "exit $?"
[ "$(wc -l <"$T/seven.jsonl")" = 7 ] || fail "--count=7 printed $(wc -l <"$T/seven.jsonl") lines"
# SIGINT stops it like SIGTERM (exit 0, counters), also in a background
# job (started with SIGINT ignored: blocked, it still reaches the
# signalfd) and while --input=- waits on a pipe that never ends.
start_recv "$T/int" "$T/int.jsonl" 2>"$T/int.err"
recv_py - "$T/int" "$T/int.jsonl" <<'PY' || fail "client"
import sys, recvlib as r
s = r.connect(sys.argv[1]); s.sendall(r.event(guest_pid=9))
r.lines_when(sys.argv[2], lambda l: len(l) == 1, what="frame")
PY
kill -INT "$RECV_PID"
wait "$RECV_PID" || fail "SIGINT: exit $?"
grep -q 'stats: frames=1 ' "$T/int.err" || fail "no counters after SIGINT: $(cat "$T/int.err")"

mkfifo "$T/fifo"
bg sh -c 'exec 3<>"$1"; exec "$2" --input=- --output="$3" <"$1"' sh "$T/fifo" "$RECV" "$T/fifo.jsonl"
FIFO_PID=$BG_PID
recv_py -c 'import sys, recvlib as r
open(sys.argv[1], "wb").write(r.event(guest_pid=10))' "$T/fifo"
wait_until 10 grep -q '"guest_pid":10' "$T/fifo.jsonl" || fail "fifo frame not decoded"
kill -INT "$FIFO_PID"
wait "$FIFO_PID" || fail "SIGINT on --input=-: exit $?"
exit 0
