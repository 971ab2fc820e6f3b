#!/bin/sh
# A capture of good frames interleaved with one bad frame of each kind the
# spec names gives exactly the expected sequence of lines: each bad frame
# one error line with its name and an offset inside that frame, decoding
# going on after it; FrameTooLarge ends the stream (nothing after it is
# decoded); a capture ending inside a header or a body ends with
# ShortHeader or FrameTruncated.  The same bytes over a socket give the
# same lines, and the receiver closes that connection only.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_recv

# Writes the capture and, beside it, the expected sequence as JSON:
# [kind, pid-or-error-name, start, end] per line.
recv_py - "$T/bad.cap" "$T/bad.expect" <<'PY'
import json, sys, recvlib as r
from recvlib import body, frame, event, head, text, uint

def swapped():  # guest_comm before guest_pid
    return (head(5, 5) + text("content_version") + uint(256) +
            text("probe_source") + text("process.spawned") +
            text("guest_comm") + text("x") + text("guest_pid") + uint(1) +
            text("guest_monotonic_ns") + uint(1))

def version_second():
    return (head(5, 5) + text("probe_source") + text("process.spawned") +
            text("content_version") + uint(256) + text("guest_pid") +
            uint(1) + text("guest_comm") + text("x") +
            text("guest_monotonic_ns") + uint(1))

good_body = body(guest_pid=7)
bad = [
    ("UnknownProbeSource", frame(body(probe_source="process.forked"))),
    ("InvalidUtf8", frame(body(guest_comm=text(b"\xc0\xaf")))),       # overlong
    ("InvalidUtf8", frame(body(guest_comm=text(b"\xed\xa0\x80")))),   # surrogate
    ("FieldType", frame(body(guest_pid=text("42")))),
    ("MissingField", frame(swapped())),
    ("NotMap5", frame(head(5, 4) + good_body[1:])),
    ("ContentVersionMustBeFirst", frame(version_second())),
    ("UnsupportedContentVersion", frame(body(content_version=0x0200))),
    ("IntegerOverflow", frame(body(guest_pid=head(0, 2**32, 8)))),
    ("UnsupportedMajor", frame(body(guest_pid=bytes([0x20])))),        # negative int
    ("UnsupportedAdditional", frame(body(guest_monotonic_ns=bytes([0x1c])))),
    ("UnexpectedEof", frame(good_body[:-3])),
    ("UnexpectedEof", frame(b"")),
    ("TrailingBytes", frame(good_body + b"\x00")),
]
out, expect, pid = b"", [], 100
for name, fr in bad:
    g = event(guest_pid=pid, guest_comm="good%d" % pid)
    expect.append(["frame", pid, len(out), len(out) + len(g)])
    out += g
    pid += 1
    expect.append(["error", name, len(out), len(out) + len(fr)])
    out += fr
g = event(guest_pid=pid)
expect.append(["frame", pid, len(out), len(out) + len(g)])
out += g
too_large = (4097).to_bytes(4, "little") + b"\xa5" * 20
expect.append(["error", "FrameTooLarge", len(out), len(out) + 4])
out += too_large + event(guest_pid=999)   # never decoded
open(sys.argv[1], "wb").write(out)
json.dump(expect, open(sys.argv[2], "w"))
PY

CHECK='
import json, sys, recvlib as r
lines = r.read_lines(sys.argv[1])
expect = json.load(open(sys.argv[2]))
conn = int(sys.argv[3])
r.check(len(lines) == len(expect), "%d lines, %d expected:\n%s" %
        (len(lines), len(expect), "\n".join(map(json.dumps, lines))))
for n, (obj, (kind, what, start, end)) in enumerate(zip(lines, expect), 1):
    r.check(obj["connection"] == conn, "line %d: connection %r" % (n, obj))
    if kind == "frame":
        r.check(obj.get("guest_pid") == what and "error" not in obj,
                "line %d: want frame of pid %d, got %r" % (n, what, obj))
    else:
        r.check(obj.get("error") == what,
                "line %d: want %s, got %r" % (n, what, obj))
        # UnexpectedEof points where the missing byte should have been,
        # which may be the end of the frame.
        hi = end + 1 if what == "UnexpectedEof" else end
        r.check(start <= obj["offset"] < hi,
                "line %d: %s offset %d outside [%d, %d)" %
                (n, what, obj["offset"], start, end))
        r.check(isinstance(obj["detail"], str) and obj["detail"],
                "line %d: empty detail" % n)
        r.check(set(obj) == {"host_received_at", "connection", "error",
                             "detail", "offset"}, "line %d: keys %r" % (n, obj))
'

# 1. as a capture
"$RECV" --input="$T/bad.cap" --output="$T/cap.jsonl" 2>"$T/cap.err" ||
	fail "--input exited $?"
recv_py -c "$CHECK" "$T/cap.jsonl" "$T/bad.expect" 0 || fail "capture lines"
grep -q 'errors: .*FrameTooLarge=1 .*UnknownProbeSource=1' "$T/cap.err" ||
	fail "error counters: $(cat "$T/cap.err")"

# 2. a capture that ends inside a header, and one that ends inside a body
recv_py - "$T/short.cap" "$T/cut.cap" <<'PY'
import sys, recvlib as r
e = r.event(guest_pid=5)
open(sys.argv[1], "wb").write(e + e[:2])
open(sys.argv[2], "wb").write(e + e[:-1])
PY
"$RECV" --input=- --output="$T/short.jsonl" <"$T/short.cap" 2>/dev/null ||
	fail "short header: exit $?"
"$RECV" --input="$T/cut.cap" --output="$T/cut.jsonl" 2>/dev/null ||
	fail "truncated: exit $?"
recv_py - "$T/short.jsonl" "$T/cut.jsonl" <<'PY' || fail "end-of-capture errors"
import sys, recvlib as r
n = len(r.event(guest_pid=5))
for path, name, lo in ((sys.argv[1], "ShortHeader", n), (sys.argv[2], "FrameTruncated", n)):
    lines = r.read_lines(path)
    r.check(len(lines) == 2, "%s: %r" % (path, lines))
    r.check(lines[0]["guest_pid"] == 5, "%s: first line %r" % (path, lines[0]))
    r.check(lines[1]["error"] == name, "%s: want %s, got %r" % (path, name, lines[1]))
    r.check(lo <= lines[1]["offset"] < 2 * n, "%s: offset %r" % (path, lines[1]))
PY

# 3. over the socket: same lines on connection 1, which the receiver
# closes at FrameTooLarge; connection 2 is served as usual afterwards.
start_recv "$T/sock" "$T/sock.jsonl"
recv_py - "$T/sock" "$T/bad.cap" <<'PY' || fail "socket client"
import socket, sys, recvlib as r
data = open(sys.argv[2], "rb").read()
s = r.connect(sys.argv[1])
try:
    s.sendall(data)
except (BrokenPipeError, ConnectionResetError):
    pass   # closed by the receiver at FrameTooLarge: what we expect
s.settimeout(10)
try:
    r.check(s.recv(1) == b"", "receiver sent bytes")
except ConnectionResetError:
    pass
s.close()
s2 = r.connect(sys.argv[1])
s2.sendall(r.event(guest_pid=4242))
PY
wait_until 10 grep -q '"guest_pid":4242' "$T/sock.jsonl" ||
	fail "connection 2 not decoded"
grep -v '"connection":2' "$T/sock.jsonl" >"$T/conn1.jsonl"
recv_py -c "$CHECK" "$T/conn1.jsonl" "$T/bad.expect" 1 || fail "socket lines"
kill -0 "$RECV_PID" || fail "receiver died"
exit 0
