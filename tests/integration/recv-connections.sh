#!/bin/sh
# Connections are decoded independently, in one loop: two clients that
# interleave their frames byte by byte each get their own frames, in
# order, under their own connection id (1, 2 in accept order); a client
# that disconnects mid-frame gets a FrameTruncated line and nothing else
# changes for the others; one connection's garbage does not disturb
# another's frames; with more than RECV_MAX_CONNECTIONS (64) open, the
# extra one is refused (closed) with a log line and the rest keep working.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_recv

start_recv "$T/sock" "$T/out.jsonl" --silence-window=0 2>"$T/err"
recv_py - "$T/sock" "$T/out.jsonl" <<'PY' || fail "client"
import sys, time, recvlib as r
path, out = sys.argv[1], sys.argv[2]

a = r.connect(path)     # connection 1
b = r.connect(path)     # connection 2
# Make sure the accept order is a, b before anything is sent.
a.sendall(r.event(guest_pid=1000))
r.lines_when(out, lambda l: len(l) == 1, what="a's first frame")
# Interleave byte by byte: both decoders hold half a frame at a time.
fa = b"".join(r.event(guest_pid=1001 + i, guest_comm="a%d" % i) for i in range(3))
fb = b"".join(r.event(guest_pid=2001 + i, guest_comm="b%d" % i) for i in range(3))
for i in range(max(len(fa), len(fb))):
    if i < len(fa): a.sendall(fa[i:i + 1])
    if i < len(fb): b.sendall(fb[i:i + 1])
r.lines_when(out, lambda l: len(l) == 7, what="interleaved frames")

# c dies mid-frame: header and half a body, then close.
c = r.connect(path)     # connection 3
half = r.event(guest_pid=3001)
c.sendall(half[: len(half) // 2])
c.close()
lines = r.lines_when(out, lambda l: any("error" in o for o in l), what="FrameTruncated")

# d sends garbage (a too-large header): closed by the receiver.
d = r.connect(path)     # connection 4
d.sendall(b"\xff\xff\xff\xff")
r.lines_when(out, lambda l: any(o.get("error") == "FrameTooLarge" for o in l),
             what="FrameTooLarge")

# a and b still work.
a.sendall(r.event(guest_pid=1004))
b.sendall(r.event(guest_pid=2004))
lines = r.lines_when(out, lambda l: len(l) == 11, what="frames after the errors")

def pids(conn):
    return [o["guest_pid"] for o in lines if o["connection"] == conn and "guest_pid" in o]
r.check(pids(1) == [1000, 1001, 1002, 1003, 1004], "connection 1: %r" % pids(1))
r.check(pids(2) == [2001, 2002, 2003, 2004], "connection 2: %r" % pids(2))
errs = [(o["connection"], o["error"]) for o in lines if "error" in o]
r.check(errs == [(3, "FrameTruncated"), (4, "FrameTooLarge")], "errors: %r" % errs)
a.close(); b.close(); d.close()
PY
kill -0 "$RECV_PID" || fail "receiver died"
kill "$RECV_PID"; wait "$RECV_PID" || fail "receiver exit $? on SIGTERM"

# The connection limit: 64 kept, the 65th refused, all 64 still decoded.
start_recv "$T/sock2" "$T/out2.jsonl" --silence-window=0 2>"$T/err2"
recv_py - "$T/sock2" "$T/out2.jsonl" <<'PY' || fail "limit client"
import socket, sys, recvlib as r
path, out = sys.argv[1], sys.argv[2]
socks = []
for i in range(64):
    s = r.connect(path)
    s.sendall(r.event(guest_pid=i))   # each waits its turn in accept order
    r.lines_when(out, lambda l: len(l) == i + 1, what="frame %d" % i)
    socks.append(s)
extra = r.connect(path)
extra.settimeout(10)
try:
    r.check(extra.recv(1) == b"", "65th connection was not closed")
except ConnectionResetError:
    pass
for s in socks:
    s.sendall(r.event(guest_pid=1000))
lines = r.lines_when(out, lambda l: len(l) == 128, what="second round")
r.check(sorted(o["connection"] for o in lines[64:]) == list(range(1, 65)),
        "connections %r" % sorted(o["connection"] for o in lines[64:]))
PY
grep -q 'warning: refused 1 connection(s): the table of 64 connections' "$T/err2" ||
	fail "no refusal log line: $(cat "$T/err2")"
kill "$RECV_PID"; wait "$RECV_PID" || fail "receiver exit $? on SIGTERM"
grep -q 'connections=64 refused=1' "$T/err2" || fail "counters: $(tail -2 "$T/err2")"
exit 0
