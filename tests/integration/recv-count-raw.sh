#!/bin/sh
# --count=N exits 0 right after the Nth frame (error lines do not count);
# --raw=FILE holds exactly the bytes received, good or bad, and appends to
# what the file held; a capture made with --raw decodes (--input) to the
# same frames as the live stream.
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
exit 0
