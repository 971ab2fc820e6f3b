#!/bin/sh
# --ready-fd: a process started right after the agent said it is ready is
# always reported, every time (ten agent starts).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root
require_prog "$AGENT"
require_prog "$RECV"
require_prog "$PROC_HELPER"

tag=$(rand_tag)
start_recv "$T/sock" "$T/out.jsonl"
i=0
while [ $i -lt 10 ]; do
	name="rd$tag-$i"
	ln -s "$PROC_HELPER" "$T/$name"
	start_agent "$T/sock"
	"$PROC_HELPER" spawn "$T/$name" >"$T/pid.$i" || fail "helper failed"
	pid=$(cut -d' ' -f1 "$T/pid.$i")
	seen() { grep -q "\"process.exited\",\"guest_pid\":$pid,\"guest_comm\":\"$name\"" "$T/out.jsonl"; }
	wait_until 20 seen || fail "run $i: process $pid ($name) started after readiness was missed"
	grep -q "\"process.spawned\",\"guest_pid\":$pid,\"guest_comm\":\"$name\"" "$T/out.jsonl" ||
		fail "run $i: no spawned event for $pid"
	stop_agent || fail "run $i: agent exit status $?"
	i=$((i + 1))
done
note "pass: 10 starts, nothing missed after readiness"
