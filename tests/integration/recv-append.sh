#!/bin/sh
# --output appends: a receiver restarted on the same file (as a supervisor
# restarts it after a crash or an upgrade) keeps every line of the runs
# before it, for --listen and for --input alike; lines already in the file
# (not the receiver's) are kept too, and an incomplete last line left by a
# killed receiver is ended before new records follow.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_recv

out="$T/out.jsonl"
printf '{"host_received_at":"2026-01-01T00:00:00.000000000Z","connection":9}\n' >"$out"

# send_and_wait FIRST LAST: frames with pids FIRST..LAST on one connection;
# returns when the file holds a line for each.
send_and_wait() {
	recv_py - "$T/sock" "$out" "$1" "$2" <<'PY' || fail "pids $1..$2 not in the output"
import sys, recvlib as r
first, last = int(sys.argv[3]), int(sys.argv[4])
s = r.connect(sys.argv[1])
s.sendall(b"".join(r.event(guest_pid=p) for p in range(first, last + 1)))
want = set(range(first, last + 1))
r.lines_when(sys.argv[2],
             lambda l: want <= {o.get("guest_pid") for o in l},
             what="pids %d..%d" % (first, last))
s.close()
PY
}

start_recv "$T/sock" "$out" --silence-window=0 2>"$T/err.1"
send_and_wait 1 5
kill "$RECV_PID"; wait "$RECV_PID" || fail "first receiver: exit $? on SIGTERM"

start_recv "$T/sock" "$out" --silence-window=0 2>"$T/err.2"
send_and_wait 6 8
kill "$RECV_PID"; wait "$RECV_PID" || fail "second receiver: exit $? on SIGTERM"

# A third run, from a capture, on the same file.
recv_py -c 'import sys, recvlib as r
open(sys.argv[1], "wb").write(r.event(guest_pid=9) + r.event(guest_pid=10))' "$T/cap"
"$RECV" --input="$T/cap" --output="$out" 2>"$T/err.3" || fail "--input run: exit $?"

# A receiver killed mid-write may leave an incomplete last line (the SIGKILL
# contract in cellos-telemetry-recv(1)): the next run ends it first, so its
# own records start lines of their own.
printf '{"host_received_at":"2026-01-01T00:00:00.0' >>"$out"
"$RECV" --input="$T/cap" --output="$out" 2>"$T/err.4" || fail "run after a cut line: exit $?"
grep -q 'last line was incomplete' "$T/err.4" || fail "the cut line was not reported: $(cat "$T/err.4")"

recv_py - "$out" <<'PY' || fail "lines of the earlier runs lost"
import sys, recvlib as r
raw = open(sys.argv[1], "rb").read().split(b"\n")
cut = [i for i, l in enumerate(raw) if l == b'{"host_received_at":"2026-01-01T00:00:00.0']
r.check(len(cut) == 1, "the cut line is not a line of its own")
r.check(cut[0] == 11, "the cut line at %r, want after the third run's" % cut)
del raw[cut[0]]
open(sys.argv[1] + ".whole", "wb").write(b"\n".join(raw))
lines = r.read_lines(sys.argv[1] + ".whole")
r.check(lines[0].get("connection") == 9, "the line that was in the file is gone")
pids = [o.get("guest_pid") for o in lines[1:]]
r.check(pids == list(range(1, 11)) + [9, 10], "pids in the file: %r, want 1..10, 9, 10" % pids)
r.check(open(sys.argv[1], "rb").read().endswith(b"\n"), "last line cut")
PY
exit 0
