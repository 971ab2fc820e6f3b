#!/bin/sh
# Exec chains (sh -c 'exec NAME', sh -> env -> NAME), exec then rename,
# fork without exec and four parallel workers: with perf side-band names
# every process.spawned carries the name its own exec set and every
# process.exited the name at exit.  Skips where perf events are refused.
CHAIN_MODE=exact
CHAIN_ARGS=
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/agent-chain-common.sh"
note "pass: every exec of every chain named exactly"
