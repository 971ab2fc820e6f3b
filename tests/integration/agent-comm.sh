#!/bin/sh
# Processes that set their comm to invalid UTF-8 and to control bytes:
# every frame stays valid (the receiver reports no error), and the comm is
# the sanitized name (invalid bytes as U+FFFD, at most 16 characters).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root
require_prog "$AGENT"
require_prog "$RECV"
require_prog "$PROC_HELPER"

tag=$(rand_tag)
start_recv "$T/sock" "$T/out.jsonl"
# The names are what this test checks, not the coalescing window: a wide
# window, so a loaded machine's slow fork-to-exec is not reported apart.
start_agent "$T/sock" --coalesce-ms=2000

: >"$T/cases"
for hex in fffe011b5b33316d0a7fc328 \
	   c3a9c3a9c3a9c3a9c3a9c3a9c3a9ff \
	   e282 \
	   0102030405060708090a0b0c0d0e0f; do
	ln -sf "$PROC_HELPER" "$T/cm$tag"
	pid=$("$T/cm$tag" setcomm "$hex" 20 | head -n 1)
	[ -n "$pid" ] || fail "helper printed no pid"
	echo "$pid $hex" >>"$T/cases"
done

cat >"$T/check.py" <<'PY'
import json, sys
mode, cases, out, first = sys.argv[1:5]
def sanitize(b):
    # agent.md: each byte that does not start a valid UTF-8 sequence
    # becomes U+FFFD (one per byte); then at most 16 characters.
    out, i = [], 0
    while i < len(b):
        for k in (1, 2, 3, 4):
            try:
                out.append(b[i:i + k].decode("utf-8", "strict"))
                i += k
                break
            except UnicodeDecodeError:
                continue
        else:
            out.append("\ufffd")
            i += 1
    return "".join(out)[:16]
want = {}
for l in open(cases):
    pid, hexs = l.split()
    # the kernel keeps at most 15 bytes of a name
    want[int(pid)] = sanitize(bytes.fromhex(hexs)[:15])
ev = {p: [] for p in want}
for n, line in enumerate(open(out, encoding="utf-8"), 1):
    o = json.loads(line)
    if "error" in o:
        sys.exit("line %d: receiver error %s" % (n, line.strip()))
    if o["guest_pid"] in ev:
        ev[o["guest_pid"]].append((o["probe_source"], o["guest_comm"]))
for p, e in ev.items():
    if mode == "done":
        if not any(k == "process.exited" for k, _ in e):
            sys.exit(1)
        continue
    if len(e) != 2 or e[0][0] != "process.spawned" or e[1] != ("process.exited", want[p]):
        sys.exit("pid %d: %r, want exited with %r" % (p, e, want[p]))
    # spawned was read either before or after the rename
    if e[0][1] not in (first, want[p]):
        sys.exit("pid %d: spawned comm %r" % (p, e[0][1]))
PY
wait_until 30 "$PYTHON3" "$T/check.py" done "$T/cases" "$T/out.jsonl" "cm$tag" ||
	fail "not all reported: $("$PYTHON3" "$T/check.py" assert "$T/cases" "$T/out.jsonl" "cm$tag" 2>&1)"
json_check "$T/out.jsonl"
"$PYTHON3" "$T/check.py" assert "$T/cases" "$T/out.jsonl" "cm$tag" || fail "comm check failed"
note "pass: hostile comm sanitized"
