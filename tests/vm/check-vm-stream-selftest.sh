#!/bin/bash
# check-vm-stream-selftest.sh - the assertions of `make check-vm` are
# themselves tested, without a VM: tests/vm/fixtures holds the console log
# and the receiver's output of one passing guest run; check-vm-stream.py
# must accept them, and must reject each kind of damage a broken agent,
# receiver, gate or init would cause.

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"

require_cmd "$PYTHON3"
CHECK_ARGS=""
. "$top_srcdir/tests/vm/selftest-lib.sh"

C="$FIX/console.log"
S="$FIX/stream.jsonl"
run_check "$C" "$S" || { cat "$T/out" >&2; fail "the recorded passing run is rejected"; }
note "accepts the recorded run"

# The pid of the workload's child that ran NAME, from the console.
pid_of() { grep -aoE "ran $1 pid [0-9]+" "$C" | head -1 | awk '{ print $4 }'; }
delta=$(pid_of wl-delta)
beta=$(pid_of wl-beta)
[ -n "$delta" ] && [ -n "$beta" ] || fail "fixture console has no wl-delta/wl-beta lines"

mutate "$S" "$T/s" "l = [x for x in l if not ('process.exited' in x and '\"guest_pid\":$delta,' in x)]"
expect_reject "a missing process.exited" "pid $delta has" "$C" "$T/s"

mutate "$S" "$T/s" "l = [x for x in l if not ('\"guest_pid\":$beta,' in x)]"
expect_reject "a process missing entirely" "pid $beta has []" "$C" "$T/s"

mutate "$S" "$T/s" "l = [x.replace('\"guest_comm\":\"wl-beta\"', '\"guest_comm\":\"\"', 1) if '\"guest_pid\":$beta,' in x else x for x in l]"
expect_reject "an unresolved comm" "pid $beta has" "$C" "$T/s"

chain=$(pid_of wl-chain)
[ -n "$chain" ] || fail "fixture console has no wl-chain line"
mutate "$S" "$T/s" "l = [x.replace('\"guest_comm\":\"wl-chain\"', '\"guest_comm\":\"wl-omega\"', 1) if '\"guest_pid\":$chain,' in x else x for x in l]"
expect_reject "an exec chain's first exec under the second name" "pid $chain has" "$C" "$T/s"

mutate "$S" "$T/s" "l.append('{\"error\":\"UnknownProbeSource\",\"detail\":\"x\",\"offset\":5}')"
expect_reject "a receiver error line" "receiver error line" "$C" "$T/s"

mutate "$S" "$T/s" "l[3], l[4] = l[4], l[3]"
expect_reject "guest_monotonic_ns going backwards" "not strictly increasing" "$C" "$T/s"

mutate "$S" "$T/s" "l = [x for x in l if not ('process.spawned' in x and '\"guest_pid\":$delta,' in x)] + [x for x in l if 'process.spawned' in x and '\"guest_pid\":$delta,' in x]"
expect_reject "an exit before its spawn" "pid $delta has" "$C" "$T/s"

mutate "$C" "$T/c" "i = next(n for n, x in enumerate(l) if 'agent pid' in x and 'ready' in x); j = next(n for n, x in enumerate(l) if 'workload pid' in x and 'started' in x); l[i], l[j] = l[j], l[i]"
expect_reject "a workload started before the agent was ready" "before the agent was ready" "$T/c" "$S"

mutate "$C" "$T/c" "l = [x for x in l if 'ran wl-beta' not in x]"
expect_reject "a workload that ran less than it should" "the workload ran" "$T/c" "$S"

mutate "$C" "$T/c" "l = [x.replace('exited with status 0', 'exited with status 1') if 'vm-init: agent pid' in x else x for x in l]"
expect_reject "an agent that did not exit 0" "the agent did not exit with status 0" "$T/c" "$S"

mutate "$C" "$T/c" "l.insert(3, 'vm-init: no /bin/cellos-workload-exec in the initramfs: workload runs ungated')"
expect_reject "an ungated workload" "without cellos-workload-exec" "$T/c" "$S"

connector=$(pid_of wl-connect)
[ -n "$connector" ] || fail "fixture console has no wl-connect line"
mutate "$S" "$T/s" "l = [x for x in l if 'net.connect_attempted' not in x]"
expect_reject "a missing net.connect_attempted" "net.connect_attempted frames []" "$C" "$T/s"

mutate "$S" "$T/s" "l = [x.replace('\"guest_comm\":\"wl-connect\"', '\"guest_comm\":\"\"') if 'net.connect_attempted' in x else x for x in l]"
expect_reject "a connect without its comm" "net.connect_attempted frames" "$C" "$T/s"

mutate "$S" "$T/s" "l += [x for x in l if 'net.connect_attempted' in x]"
expect_reject "a connect reported twice" "net.connect_attempted frames" "$C" "$T/s"
