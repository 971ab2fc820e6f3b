#!/bin/bash
# check-vm-vsock-selftest.sh - the vsock boot's assertions
# (check-vm-stream.py --vsock, tests/vm/check_vm_vsock.py) tested without a
# VM: tests/vm/fixtures/vsock-* hold the console log and the receivers'
# output (xz-compressed) of one passing guest run; the check must accept
# them and reject each kind of damage a broken agent, receiver or init
# would cause.

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"

require_cmd "$PYTHON3"
CHECK_ARGS=--vsock
. "$top_srcdir/tests/vm/selftest-lib.sh"

C="$FIX/vsock-console.log"
S="$T/stream.jsonl"
"$PYTHON3" -c 'import lzma, sys; open(sys.argv[2], "wb").write(lzma.open(sys.argv[1]).read())' \
	"$FIX/vsock-stream.jsonl.xz" "$S" || fail "cannot unpack the fixture stream"
run_check "$C" "$S" || { cat "$T/out" >&2; fail "the recorded passing run is rejected"; }
note "accepts the recorded run: $(grep '^# vsock' "$T/out")"

# The agent's log (between the console's section lines).
mutate "$C" "$T/c" "l = [x for x in l if 'cannot connect' not in x]"
expect_reject "an agent that was never refused" "no refused connect" "$T/c" "$S"

mutate "$C" "$T/c" "l = [x for x in l if 'agent refused' not in x]"
expect_reject "a receiver started before the agent was refused" "'agent refused'" "$T/c" "$S"

mutate "$C" "$T/c" "l = [x for x in l if 'connection lost' not in x]"
expect_reject "no reconnect after the kill" "no 'connection lost'" "$T/c" "$S"

mutate "$C" "$T/c" "l = [x for x in l if 'killed by signal 9' not in x]"
expect_reject "a receiver that was not killed" "not SIGKILLed" "$T/c" "$S"

mutate "$C" "$T/c" "l = [x for x in l if 'agent stalled' not in x]"
expect_reject "a receiver killed before the agent stalled" "not killed while the agent was stalled" "$T/c" "$S"

mutate "$C" "$T/c" "l = [x.replace('stats: frames=', 'stats: frames=9999999') for x in l]"
expect_reject "a last receiver that decoded everything (or more)" "receiver 3: no clean exit stats" "$T/c" "$S"

mutate "$C" "$T/c" "i = max(n for n, x in enumerate(l) if 'counters:' in x); l[i] = l[i].replace(' written=', ' written=1')"
expect_reject "counters that do not balance" "do not balance" "$T/c" "$S"

mutate "$C" "$T/c" "i = max(n for n, x in enumerate(l) if 'counters:' in x); import re; l[i] = re.sub(r' (produced|written)=\d+', r' \1=3', l[i])"
expect_reject "more frames decoded than written" "more than the 3 the agent wrote" "$T/c" "$S"

mutate "$C" "$T/c" "import re; l = [re.sub(r'queued at most \d+, dropped_queue_full \d+', 'queued at most 0, dropped_queue_full 0', x) for x in l]"
expect_reject "a pause in which nothing was queued" "credit did not run out" "$T/c" "$S"

mutate "$C" "$T/c" "l = [x.replace('writes stalled: yes', 'writes stalled: no') for x in l]"
expect_reject "a pause in which the writes never stalled" "credit did not run out" "$T/c" "$S"

mutate "$C" "$T/c" "import re; l = [re.sub(r'agent cpu \d+ us over the pause', 'agent cpu 2900000 us over the pause', x) for x in l]"
expect_reject "an agent that spun during the pause" "pause: agent used" "$T/c" "$S"

mutate "$C" "$T/c" "l = [x.replace('opened from vsock cid 1', 'opened') for x in l]"
expect_reject "a connection line without the peer" "no 'connection 1 opened from vsock cid 1" "$T/c" "$S"

mutate "$C" "$T/c" "l = [x for x in l if 'queue empty again' not in x]"
expect_reject "a backlog never drained" "did not empty after SIGCONT" "$T/c" "$S"

# The receivers' output.
mutate "$S" "$T/s" "l.append('{\"error\":\"TruncatedFrame\",\"detail\":\"x\",\"offset\":5}')"
expect_reject "a frame split across connections" "receiver error line" "$C" "$T/s"

mutate "$C" "$T/c" "import re; s = next(int(m.group(1)) for m in (re.search(r'stopped at (\d+) ns', x) for x in l) if m); l = [re.sub(r'continued at \d+ ns', 'continued at %d ns' % s, x) for x in l]"
mutate "$S" "$T/s" "import json, re; c = open('$T/c').read(); s = int(re.search(r'stopped at (\d+) ns', c).group(1)); l = [x for x in l if json.loads(x).get('guest_monotonic_ns') != s]"
expect_reject "no event of the pause delivered" "none of the events made during the pause" "$T/c" "$T/s"

exit 0
