#!/bin/sh
# Every line is valid JSON for any UTF-8 comm: quotes, backslashes, every
# control character, DEL, U+FFFD, multi-byte and 4-byte characters come
# back from python's json parser as exactly the string that was sent,
# whether read from a capture or from the socket.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_recv

recv_py - "$T/comms.cap" "$T/comms.json" <<'PY'
import json, sys, recvlib as r
comms = ['"', '\\', '\\"', '"\\"\\', 'a"b\\c', "\ufffd", "\ufffd\ufffd\ufffdx",
         "\x7f", "</script>", "\u2028\u2029", "\U0001F600\u00e9\u4e2d",
         "\ud7ff\ue000\U0010FFFF", "x" * 16, "\ufffd" * 16]
# every control character, in comms of at most 16 characters
ctl = "".join(chr(c) for c in range(0x20))
comms += [ctl[i:i + 16] for i in range(0, 32, 16)]
with open(sys.argv[1], "wb") as f:
    for i, c in enumerate(comms):
        f.write(r.event(guest_pid=i, guest_comm=c))
json.dump(comms, open(sys.argv[2], "w"))
PY

CHECK='
import json, sys, recvlib as r
comms = json.load(open(sys.argv[2]))
lines = r.read_lines(sys.argv[1])      # json.loads on every line
r.check(len(lines) == len(comms), "%d lines for %d comms" % (len(lines), len(comms)))
for o, c in zip(lines, comms):
    r.check(o["guest_comm"] == c, "pid %d: %r != %r" % (o["guest_pid"], o["guest_comm"], c))
    r.check(o["cell_id"] == "c\"e\\ll\u00e9", "cell_id %r" % o["cell_id"])
'
"$RECV" --input="$T/comms.cap" --output="$T/cap.jsonl" --cell-id='c"e\llé' 2>/dev/null ||
	fail "exit $?"
recv_py -c "$CHECK" "$T/cap.jsonl" "$T/comms.json" || fail "capture"
json_check "$T/cap.jsonl"

start_recv "$T/sock" "$T/sock.jsonl" --cell-id='c"e\llé'
recv_py - "$T/sock" "$T/comms.cap" "$T/sock.jsonl" "$T/comms.json" <<'PY' || fail "socket"
import json, sys, recvlib as r
s = r.connect(sys.argv[1]); s.sendall(open(sys.argv[2], "rb").read())
n = len(json.load(open(sys.argv[4])))
r.lines_when(sys.argv[3], lambda l: len(l) == n, what="%d lines" % n)
PY
recv_py -c "$CHECK" "$T/sock.jsonl" "$T/comms.json" || fail "socket lines"
exit 0
