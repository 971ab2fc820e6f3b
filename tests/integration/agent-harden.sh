#!/bin/sh
# The hardened agent under a spawn storm (see HARDENING in
# cellos-telemetry(8)): /proc/PID/status shows NoNewPrivs 1, Seccomp 2 and
# only CAP_DAC_READ_SEARCH (it has a --watch) in every capability set but
# the inheritable and ambient ones (empty); it is not dumpable; an fd it
# inherited is closed; its cwd is /; oom_score_adj is lowered; and it
# keeps reporting: the storm's comm, a process started after the checks,
# and a change under its watch all arrive.  --no-seccomp leaves the rest.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root
require_prog "$AGENT"
require_prog "$RECV"
require_prog "$PROC_HELPER"
require_cmd setpriv
require_cmd strace

tag=$(rand_tag)
storm=hs$tag
mkdir "$T/w" "$T/bin"
ln -s "$PROC_HELPER" "$T/bin/ha$tag"

# Does this environment let root lower oom_score_adj (CAP_SYS_RESOURCE)?
oom_before=$(cat /proc/self/oom_score_adj)
if sh -c 'echo -1 >/proc/self/oom_score_adj' 2>/dev/null; then
	can_lower=1
else
	can_lower=0
fi

start_recv "$T/sock" "$T/out.jsonl" --silence-window=0
# fd 7 is open when the agent starts: it must close it.
exec 7>"$T/inherited"
# The audit probes are left out: they keep CAP_AUDIT_CONTROL (checked in
# audit-denied.sh), and this test pins the watch's capability alone.
NOAUDIT=--probes=process.spawned,process.exited,fs.inotify_fired
start_agent "$T/sock" --watch="$T/w" $NOAUDIT 2>"$T/agent.err"
exec 7>&-
pid=$AGENT_PID
# The storm starts once the agent is ready (start_agent may wait for a
# lock held by the audit tests) and runs through the checks below.
start_storm 8000 "$storm"

[ "$(agent_status_field "$pid" NoNewPrivs)" = 1 ] || fail "NoNewPrivs is not 1"
# The filter is loaded right after the ready line (cellos-telemetry(8),
# HARDENING), before the agent reads an event.  A sanitizer build runs
# without it (LeakSanitizer's exit check needs ptrace) and says so, at
# that same point; every other build must show it.
sanitized() { grep -q 'seccomp filter off (sanitizer build)' "$T/agent.err"; }
filtered() { [ "$(agent_status_field "$pid" Seccomp)" = 2 ]; }
wait_until 5 eval 'sanitized || filtered' || fail "Seccomp is not 2 (filter)"
if sanitized; then
	note "sanitizer build: no seccomp filter to check"
fi
# CAP_DAC_READ_SEARCH is capability 2: the mask 1 << 2.
want=$(printf '%016x' $((1 << 2)))
for f in CapEff CapPrm CapBnd; do
	got=$(agent_status_field "$pid" $f)
	[ "$got" = "$want" ] || fail "$f is $got, expected $want"
done
for f in CapInh CapAmb; do
	got=$(agent_status_field "$pid" $f)
	[ "$got" = 0000000000000000 ] || fail "$f is $got, expected none"
done

# Not dumpable: a root process without CAP_SYS_PTRACE (and with the
# agent's capabilities, so that is not what stops it) may ptrace-attach to
# a dumpable root process with the same capabilities (the control), but
# not to the agent.  (Reading /proc/PID/environ is not a usable check: on
# this kernel it succeeds for a non-dumpable process too.)
nocap() { setpriv --bounding-set=-all,+dac_read_search --inh-caps=-all "$@"; }
attach() { nocap timeout 0.3 strace -qq -e trace=none -p "$1" >"$T/attach" 2>&1; }
if grep -q 'harden: staying dumpable' "$T/agent.err"; then
	note "sanitizer build: the agent stays dumpable (LeakSanitizer); not checked"
else
bg setpriv --bounding-set=-all,+dac_read_search --inh-caps=-all sleep 30
control=$BG_PID
wait_until 5 eval '[ "$(readlink /proc/$control/exe)" = "$(readlink -f "$(command -v sleep)")" ]' ||
	fail "control process did not start"
attach "$control"
[ $? = 124 ] || fail "control: no attach to a dumpable process ($(cat "$T/attach")): the check proves nothing"
attach "$pid" && fail "attached to the agent"
grep -q 'Operation not permitted' "$T/attach" ||
	fail "attach to the agent: $(cat "$T/attach")"
kill "$control"
fi

for fd in /proc/$pid/fd/*; do
	[ "$(readlink "$fd")" != "$T/inherited" ] ||
		fail "inherited fd ${fd##*/} is still open"
done
[ "$(readlink "/proc/$pid/cwd")" = / ] || fail "cwd is $(readlink "/proc/$pid/cwd")"

oom=$(cat "/proc/$pid/oom_score_adj")
if [ "$can_lower" = 1 ]; then
	exp=-900
	[ "$oom_before" -lt "$exp" ] && exp=$oom_before
	[ "$oom" = "$exp" ] || fail "oom_score_adj is $oom, expected $exp"
else
	note "oom_score_adj cannot be lowered here (no CAP_SYS_RESOURCE): checking the warning"
	grep -q 'harden: oom_score_adj' "$T/agent.err" || fail "no oom_score_adj warning"
fi
for f in NoNewPrivs Seccomp CapEff CapPrm CapBnd; do
	note "$f: $(agent_status_field "$pid" $f)"
done

# Still reporting, hardened: the storm, a new process, a watched change.
"$PROC_HELPER" spawn "$T/bin/ha$tag" >"$T/pids" || fail "helper failed"
hpid=$(cut -d' ' -f1 "$T/pids")
echo x >"$T/w/f"
has() { grep -q "$1" "$T/out.jsonl"; }
wait_until 20 has "\"guest_comm\":\"$storm\"" || fail "no storm spawn reported"
wait_until 20 has "\"process.exited\",\"guest_pid\":$hpid,\"guest_comm\":\"ha$tag\"" ||
	fail "pid $hpid (ha$tag) not reported as exited"
grep -q "\"process.spawned\",\"guest_pid\":$hpid,\"guest_comm\":\"ha$tag\"" "$T/out.jsonl" ||
	fail "pid $hpid (ha$tag) not reported as spawned"
wait_until 20 has '"fs.inotify_fired"' || fail "no fs event from the watch"
kill -0 "$pid" || fail "agent died"
wait "$STORM_PID" || fail "storm failed"
stop_agent || fail "agent exit status $? after SIGTERM"
frames_ok "$T/out.jsonl"
produced=$(agent_counter "$T/agent.err" produced)
written=$(agent_counter "$T/agent.err" written)
[ "$produced" = "$written" ] || fail "produced=$produced written=$written"

# --no-seccomp: the filter is off, the rest stays.
start_agent "$T/sock" --no-seccomp $NOAUDIT 2>"$T/agent2.err"
[ "$(agent_status_field "$AGENT_PID" Seccomp)" = 0 ] || fail "--no-seccomp: Seccomp is not 0"
[ "$(agent_status_field "$AGENT_PID" NoNewPrivs)" = 1 ] || fail "--no-seccomp: NoNewPrivs is not 1"
[ "$(agent_status_field "$AGENT_PID" CapEff)" = 0000000000000000 ] ||
	fail "no watch: CapEff is $(agent_status_field "$AGENT_PID" CapEff), expected none"
stop_agent || fail "agent (--no-seccomp) exit status $?"
note "pass: hardened agent reported under a storm (produced=$produced)"
