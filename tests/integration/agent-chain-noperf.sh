#!/bin/sh
# The chains of agent-chain.sh with --no-perf (names from /proc and
# taskstats): every frame carries its own exec's name or "" (counted in
# comm_unresolved), never another exec's or a rename's.  An exec named
# from /proc is held until its exit, a later exec or rename, or the hold's
# end (cellos-telemetry(8), Process names): a later exec can have set its
# name before its message is read.
CHAIN_MODE=honest
CHAIN_ARGS=--no-perf
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/agent-chain-common.sh"
grep -q 'process names: /proc' "$T/agent.err" || fail "the log does not say names come from /proc"
note "pass: no exec borrowed another's name"
