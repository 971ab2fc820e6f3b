#!/bin/sh
# SIGHUP reopens --output and --raw (the logrotate convention: rename the
# files, then HUP).  A client streams frames without pause, cut anywhere,
# while the files are renamed and the receiver is HUPed: the old and the
# new --output together hold every frame exactly once, in order, each line
# whole, each file ending on a newline; the old and the new --raw, put end
# to end, are exactly the bytes sent.  A path that cannot be reopened (a
# directory is in the way) keeps the old file in use, with a warning.  A
# text --output starts again with its column titles.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_recv

start_recv "$T/sock" "$T/out" --raw="$T/cap" --silence-window=0 2>"$T/err"

recv_py - "$T/sock" "$T" "$RECV_PID" <<'PY' || fail "rotation lost or split records"
import os, random, signal, sys, threading, time, recvlib as r
sock, d, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
out, cap = d + "/out", d + "/cap"

sent = bytearray()
stop = threading.Event()
count = [0]

def stream():
    rng = random.Random(18)
    s = r.connect(sock)
    pending = b""
    while not stop.is_set() or pending:
        if not stop.is_set() and len(pending) < 64:
            pending += r.event(guest_pid=count[0], guest_comm="rot%d" % (count[0] % 7))
            count[0] += 1
        n = rng.randint(1, 50)      # pieces that cut frames anywhere
        s.sendall(pending[:n])
        sent.extend(pending[:n])
        pending = pending[n:]
        time.sleep(0.0002)
    s.close()

def nlines(path):
    try:
        return len(r.read_lines(path))
    except FileNotFoundError:
        return 0

t = threading.Thread(target=stream)
t.start()
try:
    r.wait_for(lambda: nlines(out) >= 300, what="300 lines before the rename")
    os.rename(out, out + ".1")
    os.rename(cap, cap + ".1")
    os.kill(pid, signal.SIGHUP)
    r.wait_for(lambda: os.path.exists(out) and os.path.exists(cap),
               what="the reopened files")
    r.wait_for(lambda: nlines(out) >= 300, what="300 lines after the HUP")
finally:
    stop.set()
    t.join()
total = count[0]
r.wait_for(lambda: nlines(out + ".1") + nlines(out) == total,
           what="%d lines in all" % total)

old, new = r.read_lines(out + ".1"), r.read_lines(out)
pids = [o.get("guest_pid") for o in old + new]
r.check(pids == list(range(total)), "pids across the two files are not 0..%d once each in order" % (total - 1))
r.check(all("error" not in o for o in old + new), "an error line")
for p in (out + ".1", out):
    data = open(p, "rb").read()
    r.check(data.endswith(b"\n"), "%s: last line cut" % p)
r.check(len(old) >= 300 and len(new) >= 300, "old %d, new %d lines" % (len(old), len(new)))
raw = open(cap + ".1", "rb").read() + open(cap, "rb").read()
r.check(raw == bytes(sent), "--raw files: %d bytes, %d sent" % (len(raw), len(sent)))
r.check(os.path.getsize(cap) > 0, "nothing in the new --raw")
print("# %d frames: %d before the switch, %d after" % (total, len(old), len(new)))
PY
grep -q 'info: SIGHUP: reopened --output --raw' "$T/err" || fail "no reopen log line: $(cat "$T/err")"
kill -0 "$RECV_PID" || fail "receiver gone after SIGHUP"

# The renamed files decode: old and new capture end to end give the lines.
cat "$T/cap.1" "$T/cap" | "$RECV" --input=- --output="$T/again" 2>/dev/null || fail "capture decode: exit $?"
[ "$(wc -l <"$T/again")" = $(( $(wc -l <"$T/out.1") + $(wc -l <"$T/out") )) ] ||
	fail "the two captures decode to $(wc -l <"$T/again") lines"

# A directory where --output was: the reopen fails, the old file stays.
mv "$T/out" "$T/out.2"
mkdir "$T/out"
kill -HUP "$RECV_PID"
wait_until 10 grep -q 'warning: --output: still writing to the file opened before' "$T/err" ||
	fail "no warning for the failed reopen: $(cat "$T/err")"
recv_py - "$T/sock" "$T/out.2" <<'PY' || fail "frames after a failed reopen"
import sys, recvlib as r
s = r.connect(sys.argv[1]); s.sendall(r.event(guest_pid=424242))
r.lines_when(sys.argv[2], lambda l: any(o.get("guest_pid") == 424242 for o in l),
             what="the frame in the old file")
PY
kill "$RECV_PID"; wait "$RECV_PID" || fail "receiver: exit $? on SIGTERM"

# --format=text: the new file starts with the column titles too.
start_recv "$T/sock" "$T/text" --format=text --silence-window=0 2>"$T/err.text"
mv "$T/text" "$T/text.1"
kill -HUP "$RECV_PID"
wait_until 10 test -s "$T/text" || fail "text output not reopened"
recv_py - "$T/sock" "$T/text" <<'PY' || fail "text after the reopen"
import sys, recvlib as r
s = r.connect(sys.argv[1]); s.sendall(r.event(guest_pid=77, guest_comm="after"))
r.wait_for(lambda: open(sys.argv[2]).read().endswith(" " + r.text_line(1, "spawn", 77, "after") + "\n"),
           what="the frame in the new text file")
lines = open(sys.argv[2]).read().split("\n")
r.check(lines[0] == "%-12s %s" % ("TIME", r.text_line("CONN", "EVENT", "PID", "COMM/DETAIL")),
        "first line of the new file: %r" % lines[0])
PY
kill "$RECV_PID"; wait "$RECV_PID" || fail "text receiver: exit $? on SIGTERM"

# Output on stdout and no --raw: SIGHUP has nothing to reopen, says so,
# and the receiver goes on.
bg "$RECV" --listen="$T/sock2" >"$T/stdout.jsonl" 2>"$T/err.stdout"
RECV_PID=$BG_PID
wait_until 10 socket_listening "$T/sock2" || fail "receiver did not listen on $T/sock2"
kill -HUP "$RECV_PID"
wait_until 10 grep -q 'SIGHUP: nothing to reopen' "$T/err.stdout" ||
	fail "no log line for a HUP with nothing to reopen: $(cat "$T/err.stdout")"
kill -0 "$RECV_PID" || fail "receiver gone after SIGHUP"
kill "$RECV_PID"; wait "$RECV_PID" || fail "stdout receiver: exit $? on SIGTERM"
exit 0
