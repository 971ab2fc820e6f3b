#!/bin/sh
# --summary: a capture built here from the spec's encoding (recvlib) with
# known content (35 programs, pid reuse, exits, connect attempts, denials,
# watched-path events, bad frames, a hostile comm, a cut last frame) gives
# a report whose every figure equals what this script counts from the
# list it encoded: as one JSON object (--summary-format=json, in a file)
# and as text on stderr (top 20 most frequent first, then the others).
# Over a socket: connections and how each ended, silences, per
# connection frames and bytes.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_recv

recv_py - "$T/cap" "$T/want.json" <<'PY'
import json, random, sys, recvlib as r
from recvlib import body, frame, event, text

rng = random.Random(17)
events = []          # (probe, pid, comm, mono) in capture order
progs = ["prog%02d" % i for i in range(34)] + ["\x1b[31mevil\u202e\x07"]
running = {}         # pid -> comm, spawned and not exited
next_pid = 100
for i, prog in enumerate(progs):
    for k in range(i % 9 + 1):
        pid = next_pid
        next_pid += 1
        events.append(("process.spawned", pid, prog))
        running[pid] = prog
        if rng.random() < 0.6:
            events.append(("process.exited", pid, prog))
            del running[pid]
# pid reuse without an exit seen: the newest comm is the one running
events.append(("process.spawned", 100, "reused"))
running[100] = "reused"
# an exit of a process spawned before the capture began
events.append(("process.exited", 99999, "old"))
for comm, n in (("curl", 5), ("wget", 3), ("nc", 1)):
    events += [("net.connect_attempted", 500 + j, comm) for j in range(n)]
for comm, n in (("mount", 2), ("\x1b[31mevil\u202e\x07", 4)):
    events += [("capability.denied", 600 + j, comm) for j in range(n)]
for comm, n in (("vi", 6), ("cat", 6), ("rm", 1)):
    events += [("fs.inotify_fired", 700 + j, comm) for j in range(n)]
rng.shuffle(events[len(events) // 2:])   # exits stay after their spawns

bad = [("InvalidUtf8", frame(body(guest_comm=text(b"\xff")))),
       ("InvalidUtf8", frame(body(guest_comm=text(b"a\xc0\xaf")))),
       ("UnknownProbeSource", frame(body(probe_source="process.forked"))),
       ("FieldType", frame(body(guest_pid=text("1"))))]
out, monos, nframes = b"", [], 0
for n, (p, pid, comm) in enumerate(events):
    mono = rng.randrange(1, 10**12)
    monos.append(mono)
    out += event(probe_source=p, guest_pid=pid, guest_comm=comm, guest_monotonic_ns=mono)
    nframes += 1
    if n % 40 == 7 and bad:
        out += bad.pop()[1]
        nframes += 1
assert not bad
out += event(guest_pid=1)[:20]           # cut: FrameTruncated
open(sys.argv[1], "wb").write(out)

def table(probe):
    counts = {}
    for p, _, comm in events:
        if p == probe:
            counts[comm] = counts.get(comm, 0) + 1
    order = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].encode()))
    top = order[:20]
    return {"total": sum(counts.values()), "programs": len(counts),
            "top": [{"comm": c, "count": n} for c, n in top],
            "others": {"programs": len(order) - len(top),
                       "count": sum(counts.values()) - sum(n for _, n in top)},
            "overflow": 0}

errors = {"InvalidUtf8": 2, "UnknownProbeSource": 1, "FieldType": 1, "FrameTruncated": 1}
run = sorted(running.items())
want = {
    "frames": dict({"total": len(events)},
                   **{p: sum(1 for e in events if e[0] == p) for p in r.SHORT}),
    "errors": {"total": sum(errors.values()), "by_name": errors},
    "silences": 0,
    "connections": {"opened": 1, "closed": 1, "refused": 0,
                    "ended": {"end of input": 1}, "ended_other": 0,
                    "list": [{"connection": 0, "frames": nframes,
                              "bytes": len(out), "ended": "end of input"}],
                    "unlisted": 0},
    "spawned": table("process.spawned"),
    "running": {"count": len(run),
                "list": [{"connection": 0, "pid": p, "comm": c} for p, c in run[:20]],
                "others": len(run) - 20, "untracked_spawns": 0},
    "connect": table("net.connect_attempted"),
    "denied": table("capability.denied"),
    "fs": table("fs.inotify_fired"),
    "guest": [min(monos), max(monos)],
}
json.dump(want, open(sys.argv[2], "w"))
PY

"$RECV" --input="$T/cap" --output=/dev/null --summary="$T/sum.json" \
	--summary-format=json 2>"$T/err.json" || fail "json summary: exit $?"
recv_py - "$T/sum.json" "$T/want.json" <<'PY' || fail "JSON summary figures"
import json, re, sys, recvlib as r
text = open(sys.argv[1], encoding="utf-8").read()
r.check(text.count("\n") == 1 and text.endswith("\n"), "not one line")
got, want = json.loads(text), json.load(open(sys.argv[2]))
for key in ("frames", "errors", "silences", "connections", "spawned", "running",
            "connect", "denied", "fs"):
    r.check(got[key] == want[key], "%s: got %r\nwant %r" % (key, got[key], want[key]))
span = got["span"]
lo, hi = want["guest"]
r.check((span["guest_first_ns"], span["guest_last_ns"], span["guest_ns"]) == (lo, hi, hi - lo),
        "guest span %r" % span)
r.check(r.STAMP_RE.match(span["host_first"]) and r.STAMP_RE.match(span["host_last"]) and
        span["host_first"] <= span["host_last"], "host span %r" % span)
r.check(0 <= span["host_ns"] < 60 * 10**9, "host_ns %r" % span["host_ns"])
r.check(set(got) == set(want) - {"guest"} | {"span"}, "keys %r" % sorted(got))
print("# JSON summary: %d frames, %d programs, %d running, all figures equal"
      % (got["frames"]["total"], got["spawned"]["programs"], got["running"]["count"]))
PY

# The same run as text on stderr (--summary alone), checked from the same
# expected figures.
"$RECV" --input="$T/cap" --output=/dev/null --summary 2>"$T/err.text" || fail "text summary: exit $?"
recv_py - "$T/err.text" "$T/want.json" <<'PY' || fail "text summary figures"
import json, re, sys, recvlib as r
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
want = json.load(open(sys.argv[2]))
bad = [c for c in "\n".join(lines) if ord(c) < 0x20 and c != "\n" or c == "\x7f"]
r.check(not bad, "raw control characters in the report: %r" % bad)
start = lines.index("summary of the run")
lines = lines[start:]

def line(prefix):
    m = [l for l in lines if l.startswith(prefix)]
    r.check(len(m) == 1, "%d lines start %r" % (len(m), prefix))
    return m[0]

f = want["frames"]
r.check(line("frames: ") == "frames: %d (%s)" % (f["total"], ", ".join(
    "%s %d" % (r.SHORT[p], f[p]) for p in r.SHORT)), line("frames: "))
e = line("errors: ")
m = re.match(r"errors: (\d+) \((.*)\)$", e)
r.check(m and int(m.group(1)) == want["errors"]["total"], e)
r.check(dict((k, int(v)) for k, v in (x.rsplit(" ", 1) for x in m.group(2).split(", ")))
        == want["errors"]["by_name"], e)
r.check(line("silences: ") == "silences: 0", "silences")
r.check(line("connections: ") == "connections: 1 opened, 1 closed, 0 refused", "connections")
c = want["connections"]["list"][0]
r.check(line("  connection 0: ") == "  connection 0: %d frames, %d bytes, end of input"
        % (c["frames"], c["bytes"]), "connection 0")

def check_table(title, unit, t):
    i = lines.index("%s: %d %s by %d program%s" % (title, t["total"], unit, t["programs"],
                                                  "" if t["programs"] == 1 else "s"))
    rows = ["  %10d  %s" % (x["count"], r.text_escape(x["comm"])) for x in t["top"]]
    if t["others"]["programs"]:
        rows.append("  %10d  (%d other programs)" % (t["others"]["count"], t["others"]["programs"]))
    r.check(lines[i + 1:i + 1 + len(rows)] == rows,
            "%s rows:\n%r\nwant\n%r" % (title, lines[i + 1:i + 1 + len(rows)], rows))

check_table("programs spawned", "spawns", want["spawned"])
check_table("connect attempts", "attempts", want["connect"])
check_table("denials", "denials", want["denied"])
check_table("watched-path events", "events", want["fs"])
run = want["running"]
i = lines.index("still running: %d (spawned, no exit seen)" % run["count"])
rows = ["  connection 0 pid %d  %s" % (x["pid"], r.text_escape(x["comm"])) for x in run["list"]]
rows.append("  (%d others)" % run["others"])
r.check(lines[i + 1:i + 1 + len(rows)] == rows, "running rows %r" % lines[i + 1:i + 22])
print("# text summary: every figure equal")
PY

# Over a socket: one connection ends, one hits a framing error, one stays
# silent until the receiver stops.
start_recv "$T/sock" "$T/live.jsonl" --silence-window=1 --summary="$T/live.json" \
	--summary-format=json 2>"$T/live.err"
recv_py - "$T/sock" "$T/live.err" "$T/live.jsonl" "$RECV_PID" <<'PY' || fail "socket session"
import os, signal, sys, recvlib as r
sock, err, out, pid = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
log = lambda: open(err).read()
a = r.connect(sock)
a.sendall(r.event(guest_pid=1) + r.event(guest_pid=1, probe_source="process.exited"))
a.close()
r.wait_for(lambda: "connection 1 closed" in log(), what="connection 1 closed")
b = r.connect(sock)
b.sendall(r.event(guest_pid=3) + (5000).to_bytes(4, "little") + b"\0" * 8)
r.wait_for(lambda: "connection 2 closed (framing error)" in log(), what="framing error")
b.close()
c = r.connect(sock)
c.sendall(r.event(guest_pid=4, guest_comm="idle"))
r.lines_when(out, lambda l: any(o.get("event") == "agent_silenced" and
                                o["connection"] == 3 for o in l),
             what="connection 3 silenced")
os.kill(pid, signal.SIGTERM)      # with connection 3 still open
r.wait_for(lambda: "stats:" in log(), what="the receiver's exit")
c.close()
PY
wait "$RECV_PID" || fail "exit $? on SIGTERM"
recv_py - "$T/live.json" "$T/live.jsonl" <<'PY' || fail "socket summary"
import json, sys, recvlib as r
s = json.load(open(sys.argv[1]))
lines = r.read_lines(sys.argv[2])
c = s["connections"]
r.check((c["opened"], c["closed"], c["refused"]) == (3, 3, 0), "connections %r" % c)
r.check(c["ended"] == {"end of stream": 1, "framing error": 1, "stopping": 1}, "ended %r" % c["ended"])
r.check([(k["connection"], k["frames"], k["ended"]) for k in c["list"]] ==
        [(1, 2, "end of stream"), (2, 1, "framing error"), (3, 1, "stopping")], "list %r" % c["list"])
r.check(s["errors"] == {"total": 1, "by_name": {"FrameTooLarge": 1}}, "errors %r" % s["errors"])
silenced = sum(1 for o in lines if o.get("event") == "agent_silenced")
r.check(s["silences"] == silenced >= 1, "silences %r, lines %d" % (s["silences"], silenced))
r.check(s["frames"]["total"] == 4 and s["running"]["count"] == 2, "frames/running %r" % s)
r.check([(x["connection"], x["pid"]) for x in s["running"]["list"]] == [(2, 3), (3, 4)],
        "running %r" % s["running"])
PY
exit 0
