#!/bin/sh
# The spec's test vectors, from a capture (--input) and over the socket,
# decode to the field values of the spec's table; cell_id/run_id are added
# JSON-escaped; every line is valid JSON with an RFC 3339 nanosecond stamp.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_recv

recv_py - "$T/vectors.cap" <<'PY'
import sys, recvlib as r
with open(sys.argv[1], "wb") as f:
    for i in range(len(r.SPEC_VECTORS)):
        f.write(r.vector_bytes(i))
PY

# 1. a capture
"$RECV" --input="$T/vectors.cap" --output="$T/cap.jsonl" \
	--cell-id='cell "7"\tx' --run-id='run\1' 2>"$T/cap.err" ||
	fail "--input exited $?"
recv_py - "$T/cap.jsonl" 0 'cell "7"\tx' 'run\1' <<'PY' || fail "capture decoded wrong"
import sys, recvlib as r
path, conn, cell, run = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
lines = r.read_lines(path)
r.check(len(lines) == len(r.SPEC_VECTORS), "%d lines" % len(lines))
for obj, (_, want) in zip(lines, r.SPEC_VECTORS):
    r.check(r.wire_fields(obj) == want, "%r != %r" % (obj, want))
    r.check(obj["connection"] == conn, "connection %r" % obj["connection"])
    r.check(obj.get("cell_id") == cell, "cell_id %r" % obj.get("cell_id"))
    r.check(obj.get("run_id") == run, "run_id %r" % obj.get("run_id"))
    r.check(set(obj) == set(r.KEYS) | {"host_received_at", "connection",
                                       "cell_id", "run_id"},
            "keys %r" % sorted(obj))
PY
size=$(wc -c <"$T/vectors.cap")
grep -q "stats: frames=4 bytes=$size " "$T/cap.err" || fail "counters: $(cat "$T/cap.err")"

# 2. over the socket, one byte at a time for the first frame
start_recv "$T/sock" "$T/sock.jsonl" --count=4
recv_py - "$T/sock" <<'PY' || fail "client failed"
import sys, time, recvlib as r
s = r.connect(sys.argv[1])
first = r.vector_bytes(0)
for b in first:
    s.sendall(bytes([b]))
for i in range(1, len(r.SPEC_VECTORS)):
    s.sendall(r.vector_bytes(i))
s.close()
PY
wait "$RECV_PID" || fail "receiver exited $? after --count=4"
recv_py - "$T/sock.jsonl" <<'PY' || fail "socket stream decoded wrong"
import sys, recvlib as r
lines = r.read_lines(sys.argv[1])
r.check(len(lines) == 4, "%d lines" % len(lines))
for obj, (_, want) in zip(lines, r.SPEC_VECTORS):
    r.check(r.wire_fields(obj) == want, "%r != %r" % (obj, want))
    r.check(obj["connection"] == 1, "connection %r" % obj["connection"])
    r.check("cell_id" not in obj and "run_id" not in obj, "ids without options")
PY
exit 0
