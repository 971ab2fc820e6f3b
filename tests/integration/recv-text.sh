#!/bin/sh
# --format=text: a capture built here from the spec's encoding (recvlib)
# of known frames, bad frames and hostile comms renders line by line as
# the man page says: the local clock to the ms, the connection, the
# probe's short name, the pid right-aligned, the escaped comm, each in
# its column; error lines with the error's name and an offset inside the
# bad frame; the connection's open and close lines.  No byte of a comm
# reaches the output raw (no control byte at all in the file).  Colors
# only on a terminal with NO_COLOR unset or empty; the colored lines are
# the plain ones once the SGR sequences are taken out.  Over a socket:
# open, frames, silent and close lines.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_recv

recv_py - "$T/cap" "$T/expect.json" <<'PY'
import json, sys, recvlib as r
from recvlib import body, frame, event, text

hostile = ["\x1b[2J\x1b[31mred", "bell\x07cr\rlf\n", "\x00nul", "del\x7f",
           "\u202eevil.sh", "\u0085c1\u2028ls", "\u200bzw\ufeff",
           "tab\tq\"b\\s", "\u00e9t\u00e9 \u4e2d\U0001F600", ""]
out, expect = b"", []
probes = list(r.SHORT)
for i, comm in enumerate(hostile + ["sh", "cat", "python3"]):
    p = probes[i % len(probes)]
    pid = [1, 42, 4294967295, 65536, 7][i % 5] + i
    pid = min(pid, 4294967295)
    f = event(probe_source=p, guest_pid=pid, guest_comm=comm)
    expect.append(["frame", r.SHORT[p], pid, comm])
    out += f
    if i == 3:
        bad = frame(body(guest_comm=text(b"bad\xff\xfe\x1b")))  # not UTF-8
        expect.append(["error", "InvalidUtf8", len(out), len(out) + len(bad)])
        out += bad
    if i == 6:
        bad = frame(body(probe_source="\x1b[31mnope"))
        expect.append(["error", "UnknownProbeSource", len(out), len(out) + len(bad)])
        out += bad
cut = event(guest_pid=5)[:9]
expect.append(["error", "FrameTruncated", len(out), len(out) + len(cut)])
out += cut
open(sys.argv[1], "wb").write(out)
json.dump({"lines": expect, "bytes": len(out)}, open(sys.argv[2], "w"))
PY

CHECK='
import json, re, sys, time, recvlib as r
path, exp, t0, t1, frames = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3], sys.argv[4], int(sys.argv[5])
raw = open(path, "rb").read()
bad = [b for b in raw if (b < 0x20 and b != 0x0a) or b == 0x7f]
r.check(not bad, "raw control bytes in the text output: %r" % bad[:5])
lines = raw.decode("utf-8").split("\n")
r.check(lines[-1] == "", "last line not ended")
lines = lines[:-1]
r.check(lines[0] == "%-12s %s" % ("TIME", r.text_line("CONN", "EVENT", "PID", "COMM/DETAIL")),
        "header %r" % lines[0])
want = [("open", "-", "connection opened")]
for kind, a, b, c in exp["lines"]:
    if kind == "frame":
        want.append((a, b, r.text_escape(c)))
    else:
        want.append(("error", "-", (a, b, c)))
want.append(("close", "-", "connection closed (end of input): %d frames, %d bytes" % (frames, exp["bytes"])))
r.check(len(lines) - 1 == len(want), "%d lines, want %d" % (len(lines) - 1, len(want)))
for n, (line, (event, pid, rest)) in enumerate(zip(lines[1:], want), 2):
    clock, tail = line[:12], line[12:]
    r.check(r.CLOCK_RE.match(clock), "line %d: clock %r" % (n, clock))
    r.check(t0 <= clock <= t1 or t1 < t0, "line %d: clock %s not in [%s, %s]" % (n, clock, t0, t1))
    if event == "error":
        name, start, end = rest
        head = " " + r.text_line(0, "error", "-", name + ": ")
        r.check(tail.startswith(head), "line %d: %r does not start %r" % (n, tail, head))
        m = re.search(r", at offset (\d+)$", tail)
        r.check(m and start <= int(m.group(1)) < end,
                "line %d: offset not in [%d, %d): %r" % (n, start, end, tail))
    else:
        r.check(tail == " " + r.text_line(0, event, pid, rest),
                "line %d: %r, want %r" % (n, tail, " " + r.text_line(0, event, pid, rest)))
print("# %d text lines checked" % len(lines))
'
# The clock is local time: pin the zone so the range check is exact.
export TZ=UTC0
t0=$(date -u +%H:%M:%S.%3N)
"$RECV" --input="$T/cap" --format=text --output="$T/out.txt" 2>"$T/err" || fail "exit $?"
t1=$(date -u +%H:%M:%S.%3N)
frames=$(recv_py -c 'import json, sys; e = json.load(open(sys.argv[1]))["lines"]; print(len([l for l in e if l[0] != "error" or l[1] != "FrameTruncated"]))' "$T/expect.json")
recv_py -c "$CHECK" "$T/out.txt" "$T/expect.json" "$t0" "$t1" "$frames" || fail "text lines"

# JSON stays the default: the same capture without --format gives JSON.
"$RECV" --input="$T/cap" --output="$T/out.jsonl" 2>/dev/null || fail "json exit $?"
json_check "$T/out.jsonl"

# Colors: on a terminal only, and not with NO_COLOR set and not empty.
recv_py - "$RECV" "$T/cap" "$T/out.txt" <<'PY' || fail "colors"
import os, pty, re, subprocess, sys, recvlib as r
recv, cap, plain_path = sys.argv[1:4]

def on_tty(env):
    master, slave = pty.openpty()
    p = subprocess.Popen([recv, "--input=" + cap, "--format=text"], stdout=slave,
                         stderr=subprocess.DEVNULL, env=env)
    os.close(slave)
    data = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:          # EIO: the child closed the terminal
            break
        if not chunk:
            break
        data += chunk
    os.close(master)
    r.check(p.wait(timeout=20) == 0, "receiver on a tty failed")
    return data.decode("utf-8").replace("\r\n", "\n")

env = dict(os.environ)
env.pop("NO_COLOR", None)
colored = on_tty(env)
sgr = re.compile(r"\x1b\[[0-9;]*m")
r.check(sgr.search(colored), "no color on a terminal")
r.check("\x1b" not in sgr.sub("", colored), "an escape that is not a color")
plain = open(plain_path, encoding="utf-8").read()
strip_clock = lambda t: [l[12:] for l in t.split("\n")[1:]]
r.check(strip_clock(sgr.sub("", colored)) == strip_clock(plain),
        "colored lines are not the plain lines with colors")
for v in ("1", "yes"):
    env["NO_COLOR"] = v
    r.check("\x1b" not in on_tty(env), "color with NO_COLOR=%s" % v)
env["NO_COLOR"] = ""
r.check(sgr.search(on_tty(env)), "no color with NO_COLOR empty")
PY
grep -q "$(printf '\033')" "$T/out.txt" && fail "color in a file"

# Over a socket: open, the frames, silent, close.
start_recv "$T/sock" "$T/live.txt" --format=text --silence-window=1
recv_py - "$T/sock" "$T/live.txt" <<'PY' || fail "socket text lines"
import sys, recvlib as r
s = r.connect(sys.argv[1])
data = r.event(guest_pid=31, guest_comm="a") + r.event(guest_pid=32, guest_comm="b")
s.sendall(data)

def lines():
    try:
        return [l[12:] for l in open(sys.argv[2], encoding="utf-8").read().split("\n")[1:-1]]
    except FileNotFoundError:
        return []

r.wait_for(lambda: any(" silent " in l for l in lines()), what="silent line")
s.close()
close = " " + r.text_line(1, "close", "-", "connection closed (end of stream): 2 frames, %d bytes" % len(data))
r.wait_for(lambda: close in lines(), what="close line")
got = lines()
want = [" " + r.text_line(1, "open", "-", "connection opened"),
        " " + r.text_line(1, "spawn", 31, "a"), " " + r.text_line(1, "spawn", 32, "b")]
r.check(got[:3] == want, "lines %r" % got)
r.check(got[3] == " " + r.text_line(1, "silent", "-", "no frame for 1 s"), "silent: %r" % got[3])
r.check(got[4] == close and len(got) == 5, "lines %r" % got)
PY
kill "$RECV_PID"; wait "$RECV_PID" || fail "exit $? on SIGTERM"
exit 0
