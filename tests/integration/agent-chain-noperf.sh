#!/bin/sh
# The chains of agent-chain.sh with --no-perf (names from /proc and
# taskstats): an exec whose name was overwritten before it could be read
# carries "" (and counts comm_unresolved) when the later exec's message is
# already in hand.  The one residual (cellos-telemetry(8), Process names):
# a later exec that had set its name but not yet sent its message when
# the name was read; such frames are counted and reported (not bounded:
# the rate follows the machine's load); any other wrong name fails.
CHAIN_MODE=honest
CHAIN_ARGS=--no-perf
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/agent-chain-common.sh"
grep -q 'process names: /proc' "$T/agent.err" || fail "the log does not say names come from /proc"
note "pass: no exec borrowed another's name except the documented race"
