#!/bin/sh
# The chains of agent-chain.sh with --no-perf (names from /proc and
# taskstats): never a wrong name; an exec whose name was overwritten
# before it could be read carries "" (and counts comm_unresolved).
CHAIN_MODE=honest
CHAIN_ARGS=--no-perf
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/agent-chain-common.sh"
grep -q 'process names: /proc' "$T/agent.err" || fail "the log does not say names come from /proc"
note "pass: no exec borrowed another's name"
