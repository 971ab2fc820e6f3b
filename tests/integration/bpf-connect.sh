#!/bin/sh
# net.connect_attempted from the cgroup BPF program, under the default
# probes, attached to a cgroup this test made and holding only its
# helpers: a TCP connect to 127.0.0.1 and to ::1, a UDP connect and
# (where the kernel has the hook, 6.7+) a Unix-socket connect each give
# exactly one frame with the helper's pid and comm; the agent installs no
# audit rule and is not the audit daemon; capability.denied is not armed
# (a refused call gives no frame); nothing stays attached to the cgroup
# after SIGTERM, nor after SIGKILL, and an agent started after the
# SIGKILL attaches once and reports.
. "$(dirname "$0")/lib.sh"
require_bpf_connect
require_prog "$AUDIT_HELPER"
require_prog "$AUDIT_RULES"

PROBE=net.connect_attempted

attached() {
	local out
	out=$("$BPFH" attached "$TEST_CGROUP") || fail "BPF_PROG_QUERY: $out"
	echo "${out#attached=}"
}
# connect_as COMM KIND: one connect from inside the test cgroup; HPID.
connect_as() {
	local out
	out=$("$BPFH" connect "$TEST_CGROUP" "$1" "$2") || fail "helper $2: $out"
	HPID=${out#pid=}
	HPID=${HPID%% *}
}

[ "$(attached)" = 0 ] || fail "something is attached to the new cgroup already"
start_recv "$T/sock" "$T/out.jsonl"
AGENT_STDERR="$T/agent.err" start_agent "$T/sock"
grep -q "connects bpf inet4,inet6" "$T/agent.err" ||
	fail "the armed line does not name the BPF connect source: $(cat "$T/agent.err")"
grep -q "audit off" "$T/agent.err" || fail "audit armed under the default probes"
kinds="tcp4 tcp6 udp4"
if grep -q "connects bpf inet4,inet6,unix" "$T/agent.err"; then
	kinds="$kinds unix"
	want_attached=3
else
	note "no Unix-socket connect hook on this kernel"
	want_attached=2
fi
[ "$(attached)" = "$want_attached" ] || fail "$(attached) programs attached, want $want_attached"
n=$("$AUDIT_RULES" count "$AGENT_PID")
[ "$n" = 0 ] || fail "$n audit rules of the agent under the default probes"
[ "$(status_field "$("$AUDIT_RULES" status)" pid)" != "$AGENT_PID" ] ||
	fail "the agent registered as audit daemon under the default probes"

tag=$(rand_tag)
pids=""
for k in $kinds; do
	connect_as "bc$k$tag" "$k"
	eval "pid_$k=$HPID"
	pids="$pids $HPID"
done
# A call refused with EPERM: capability.denied is not in the default set.
dout=$("$AUDIT_HELPER" "bcdenied$tag" denied) || fail "helper: $dout"
dpid=${dout#pid=}
dpid=${dpid%% *}
for k in $kinds; do
	eval "p=\$pid_$k"
	wait_until 10 frames_at_least 1 "$T/out.jsonl" $PROBE "$p" "bc$k$tag" ||
		fail "no $PROBE frame for the $k connect (pid $p comm bc$k$tag)"
done

stop_agent || fail "agent exited $? on SIGTERM"
[ "$(attached)" = 0 ] || fail "$(attached) programs still attached after SIGTERM"
json_check "$T/out.jsonl"
for k in $kinds; do
	eval "p=\$pid_$k"
	n=$(count_frames "$T/out.jsonl" $PROBE "$p" "bc$k$tag")
	[ "$n" = 1 ] || fail "the $k connect gave $n frames, want exactly 1"
done
n=$(count_frames "$T/out.jsonl" capability.denied)
[ "$n" = 0 ] || fail "$n capability.denied frames although it is opt-in"
n=$(count_frames "$T/out.jsonl" $PROBE "$dpid")
[ "$n" = 0 ] || fail "a process outside the test cgroup was reported"

# SIGKILL: the links go with the process; a restart attaches once.
AGENT_STDERR="$T/agent2.err" start_agent "$T/sock"
[ "$(attached)" = "$want_attached" ] || fail "second agent: $(attached) attached"
kill -KILL "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
[ "$(attached)" = 0 ] || fail "$(attached) programs still attached after SIGKILL"
AGENT_STDERR="$T/agent3.err" start_agent "$T/sock"
[ "$(attached)" = "$want_attached" ] ||
	fail "after SIGKILL and a restart $(attached) programs are attached, want $want_attached"
connect_as "bcre$tag" tcp4
wait_until 10 frames_at_least 1 "$T/out.jsonl" $PROBE "$HPID" "bcre$tag" ||
	fail "the restarted agent did not report a connect"
stop_agent || fail "restarted agent exited $?"
[ "$(attached)" = 0 ] || fail "$(attached) programs attached after the last agent stopped"
n=$(count_frames "$T/out.jsonl" $PROBE "$HPID")
[ "$n" = 1 ] || fail "the connect after the restart gave $n frames, want exactly 1"
exit 0
