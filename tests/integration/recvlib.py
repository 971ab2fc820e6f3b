# recvlib.py - frames written by hand from wire-v1.md, and socket clients,
# for the cellos-telemetry-recv integration tests.  Independent of the C
# codec on purpose: the tests must not check the receiver against itself.
import json
import re
import socket
import struct
import time

KEYS = ["content_version", "probe_source", "guest_pid", "guest_comm",
        "guest_monotonic_ns"]

# The spec's test vectors (wire-v1.md, "Test vectors") and the field values
# the spec's table gives for each.
SPEC_VECTORS = [
    ("63000000a56f636f6e74656e745f76657273696f6e1901006c70726f62655f736f75"
     "7263656f70726f636573732e737061776e65646967756573745f706964182a6a6775"
     "6573745f636f6d6d6273687267756573745f6d6f6e6f746f6e69635f6e731a3b9aca00",
     dict(content_version=256, probe_source="process.spawned", guest_pid=42,
          guest_comm="sh", guest_monotonic_ns=1000000000)),
    ("67000000a56f636f6e74656e745f76657273696f6e1901006c70726f62655f736f75"
     "7263656e70726f636573732e6578697465646967756573745f7069641affffffff6a"
     "67756573745f636f6d6d607267756573745f6d6f6e6f746f6e69635f6e731bffffff"
     "ffffffffff",
     dict(content_version=256, probe_source="process.exited",
          guest_pid=4294967295, guest_comm="",
          guest_monotonic_ns=18446744073709551615)),
    ("6d000000a56f636f6e74656e745f76657273696f6e1901006c70726f62655f736f75"
     "7263657066732e696e6f746966795f66697265646967756573745f706964176a6775"
     "6573745f636f6d6d6f63656c6c6f732d74656c656d6574727267756573745f6d6f6e"
     "6f746f6e69635f6e731818",
     dict(content_version=256, probe_source="fs.inotify_fired", guest_pid=23,
          guest_comm="cellos-telemetr", guest_monotonic_ns=24)),
    ("6b000000a56f636f6e74656e745f76657273696f6e1901006c70726f62655f736f75"
     "726365756e65742e636f6e6e6563745f617474656d707465646967756573745f7069"
     "641a000100006a67756573745f636f6d6d65c3a974c3a97267756573745f6d6f6e6f"
     "746f6e69635f6e7300",
     dict(content_version=256, probe_source="net.connect_attempted",
          guest_pid=65536, guest_comm="\u00e9t\u00e9", guest_monotonic_ns=0)),
]


def vector_bytes(i):
    return bytes.fromhex(SPEC_VECTORS[i][0].replace(" ", ""))


# ---- CBOR, by hand (RFC 8949 heads) ------------------------------------

def head(major, value, width=None):
    """A CBOR head; width forces 1/2/4/8 argument bytes (None: shortest)."""
    m = major << 5
    if width is None:
        if value < 24:
            return bytes([m | value])
        width = 1 if value < 0x100 else 2 if value < 0x10000 else \
            4 if value < 0x100000000 else 8
    ai = {1: 24, 2: 25, 4: 26, 8: 27}[width]
    return bytes([m | ai]) + value.to_bytes(width, "big")


def uint(v):
    return head(0, v)


def text(s):
    b = s.encode("utf-8") if isinstance(s, str) else s
    return head(3, len(b)) + b


def body(content_version=256, probe_source="process.spawned", guest_pid=1,
         guest_comm="x", guest_monotonic_ns=1):
    """A well-formed map(5) body; a value given as bytes is used raw (already
    encoded), so tests can put any item in any field."""
    vals = [content_version, probe_source, guest_pid, guest_comm,
            guest_monotonic_ns]
    kinds = [uint, text, uint, text, uint]
    out = head(5, 5)
    for key, v, enc in zip(KEYS, vals, kinds):
        out += text(key) + (v if isinstance(v, bytes) else enc(v))
    return out


def frame(b):
    return struct.pack("<I", len(b)) + b


def event(**kw):
    return frame(body(**kw))


# ---- receiver output ----------------------------------------------------

STAMP_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$")


def read_lines(path):
    """Every line of path parsed with python's json (all must parse)."""
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.endswith("\n"):
                break  # still being written
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise SystemExit("line %d is not an object" % n)
            if not STAMP_RE.match(obj.get("host_received_at", "")):
                raise SystemExit("line %d: bad host_received_at: %r" %
                                 (n, obj.get("host_received_at")))
            out.append(obj)
    return out


def frames_by_pid(path):
    """(guest_monotonic_ns, probe_source, guest_comm) of every frame with a
    guest_pid in the JSON lines at path, per pid, in order.  A line that
    does not parse (the last one, still being written) is skipped."""
    by_pid = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                o = json.loads(line)
            except ValueError:
                continue
            if "guest_pid" in o:
                by_pid.setdefault(o["guest_pid"], []).append(
                    (o["guest_monotonic_ns"], o["probe_source"],
                     o["guest_comm"]))
    return by_pid


def frames_since(by_pid, pid, start):
    """(probe_source, guest_comm) of the process that had pid from
    start (CLOCK_MONOTONIC ns before it was made) to its exited: another
    process may have had the pid before, or after."""
    f = []
    for ts, k, c in by_pid.get(pid, []):
        if ts < start:
            continue
        f.append((k, c))
        if k == "process.exited":
            break
    return f


def named_check(mode, pidfile, out):
    """The processes of pidfile ("PID NAME" lines) in the JSON lines at
    out: each pid's frames end with process.spawned then process.exited,
    both with its name.  The shell's fork may be reported before its exec
    (under the shell's name): earlier process.spawned frames with another
    name are allowed, nothing else.  mode "done": 0 once every pid has
    its process.exited; "assert": 0 or what is wrong."""
    want = dict((int(p), n) for p, n in (l.split() for l in open(pidfile)))
    seen = {p: [] for p in want}
    for p, frames in frames_by_pid(out).items():
        if p in seen:
            seen[p] = [(k, c) for _, k, c in frames]
    for pid, name in want.items():
        ev = seen[pid]
        if mode == "done":
            if ("process.exited", name) not in ev:
                return 1
            continue
        if ev[-2:] != [("process.spawned", name), ("process.exited", name)] or \
           any(k != "process.spawned" or c == name for k, c in ev[:-2]):
            return "pid %d (%s): events %r" % (pid, name, ev)
    return 0


def wire_fields(obj):
    return {k: obj[k] for k in KEYS if k in obj}


def check(cond, msg):
    if not cond:
        raise SystemExit("FAIL: " + msg)


# ---- clients ------------------------------------------------------------

def connect(path, deadline_s=10):
    end = time.monotonic() + deadline_s
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except (FileNotFoundError, ConnectionRefusedError):
            s.close()
            if time.monotonic() > end:
                raise
            time.sleep(0.02)


def wait_for(pred, deadline_s=10, what="condition"):
    end = time.monotonic() + deadline_s
    while True:
        r = pred()
        if r:
            return r
        if time.monotonic() > end:
            raise SystemExit("FAIL: timed out waiting for " + what)
        time.sleep(0.02)


def lines_when(path, pred, deadline_s=10, what="output"):
    """Wait until pred(lines of path) holds; return the lines."""
    end = time.monotonic() + deadline_s
    while True:
        try:
            lines = read_lines(path)
            if pred(lines):
                return lines
        except FileNotFoundError:
            pass
        if time.monotonic() > end:
            raise SystemExit("FAIL: timed out waiting for " + what)
        time.sleep(0.02)


# ---- the text format (cellos-telemetry-recv(1), --format=text) -----------

# Characters shown as \uXXXX: they move, hide or break text on a terminal.
_MISLEADING = (set(range(0x80, 0xa0)) | {0x061c} | set(range(0x200b, 0x2010)) |
               set(range(0x2028, 0x202f)) | set(range(0x2060, 0x206a)) |
               {0xfeff} | set(range(0xfff9, 0xfffc)))


def text_escape(s):
    """The man page's escaping of a (valid UTF-8) comm, by its own rules."""
    out = []
    for ch in s:
        c = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif c < 0x20 or c == 0x7f:
            out.append("\\x%02x" % c)
        elif c in _MISLEADING:
            out.append("\\u%04x" % c)
        else:
            out.append(ch)
    return "".join(out)


SHORT = {"process.spawned": "spawn", "process.exited": "exit",
         "capability.denied": "denied", "fs.inotify_fired": "fs",
         "net.connect_attempted": "connect"}

CLOCK_RE = re.compile(r"^\d\d:\d\d:\d\d\.\d{3}$")


def text_line(conn, event, pid, rest):
    """A text line after its clock: the columns by the man page's widths."""
    return "%5s %-7s %10s %s" % (conn, event, pid, rest)
