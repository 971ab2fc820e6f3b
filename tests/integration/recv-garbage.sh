#!/bin/sh
# No input crashes the receiver: random bodies behind valid headers,
# valid frames with random bytes flipped, and pure random bytes (fixed
# seeds) decode to lines that are all valid JSON, each a frame or a named
# error, the run ending normally; the listening receiver survives the same
# garbage on a connection and still decodes the next good client.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_recv

recv_py - "$T" <<'PY'
import random, struct, sys, recvlib as r
d = sys.argv[1]
for seed in range(6):
    rng = random.Random(seed)
    out = bytearray()
    for i in range(1500):
        kind = rng.random()
        if kind < 0.4:      # a random body behind a valid header
            n = rng.randint(0, 160)
            out += struct.pack("<I", n) + bytes(rng.getrandbits(8) for _ in range(n))
        elif kind < 0.9:    # a valid frame with a few bytes flipped (header kept)
            b = bytearray(r.body(guest_pid=rng.getrandbits(32),
                                 guest_comm="".join(chr(rng.randint(1, 0x7ff)) for _ in range(rng.randint(0, 16))),
                                 guest_monotonic_ns=rng.getrandbits(64)))
            for _ in range(rng.randint(1, 3)):
                b[rng.randrange(len(b))] = rng.getrandbits(8)
            out += r.frame(bytes(b))
        else:               # a valid frame
            out += r.event(guest_pid=i)
    # and pure random bytes at the end (usually FrameTooLarge at once)
    out += bytes(rng.getrandbits(8) for _ in range(4096))
    open("%s/garbage%d.cap" % (d, seed), "wb").write(out)
PY

for seed in 0 1 2 3 4 5; do
	"$RECV" --input="$T/garbage$seed.cap" --output="$T/g$seed.jsonl" 2>"$T/g$seed.err" ||
		fail "seed $seed: exit $?"
	grep -q 'internal' "$T/g$seed.err" && fail "seed $seed: $(grep internal "$T/g$seed.err")"
	json_check "$T/g$seed.jsonl"
	recv_py - "$T/g$seed.jsonl" <<'PY' || fail "seed $seed: lines"
import sys, recvlib as r
lines = r.read_lines(sys.argv[1])
frames = [o for o in lines if "guest_pid" in o]
errors = [o for o in lines if "error" in o]
r.check(len(frames) + len(errors) == len(lines), "a line is neither frame nor error")
r.check(len(frames) >= 100 and len(errors) >= 100, "%d frames, %d errors" % (len(frames), len(errors)))
PY
done

start_recv "$T/sock" "$T/sock.jsonl" --silence-window=0
recv_py - "$T/sock" "$T/garbage1.cap" "$T/sock.jsonl" <<'PY' || fail "socket"
import sys, recvlib as r
data = open(sys.argv[2], "rb").read()
for _ in range(3):
    s = r.connect(sys.argv[1])
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
    s.close()
s = r.connect(sys.argv[1]); s.sendall(r.event(guest_pid=31337)); s.close()
r.lines_when(sys.argv[3], lambda l: any(o.get("guest_pid") == 31337 for o in l),
             what="the good client's frame")
PY
kill -0 "$RECV_PID" || fail "receiver died"
json_check "$T/sock.jsonl"
exit 0
