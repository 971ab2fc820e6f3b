#!/bin/sh
# Kernel threads are not the workload: by default neither the start-up
# snapshot nor the live stream has a frame for one (kthreadd, its
# children, the audit_send_reply thread each AUDIT_GET request starts);
# with --kernel-threads they are back.  PF_KTHREAD is read independently
# from /proc/PID/stat here.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root
require_prog "$AGENT"
require_prog "$RECV"
require_prog "$PROC_HELPER"
require_prog "$AUDIT_RULES"

tag=$(rand_tag)
marker="k$tag"
ln -s "$PROC_HELPER" "$T/$marker"

# Pids with PF_KTHREAD (0x00200000) now, parsed after the comm's last ')'.
list_kthreads() {
	"$PYTHON3" - <<'PY'
import os
for d in os.listdir("/proc"):
    if not d.isdigit():
        continue
    try:
        s = open("/proc/%s/stat" % d, "rb").read()
    except OSError:
        continue
    f = s[s.rindex(b")") + 2:].split()
    if int(f[6]) & 0x00200000:
        print(d)
PY
}

# run_case OUT [ARGS...]: an agent; three AUDIT_GET requests (each starts
# an audit_send_reply kernel thread); then a marker process, whose exited
# frame says the stream has caught up.
audit_ok=yes
run_case() {
	local out=$1
	shift
	start_recv "$T/sock.$out" "$T/$out.jsonl"
	AGENT_STDERR="$T/$out.err" start_agent "$T/sock.$out" \
		--probes=process.spawned,process.exited "$@"
	for _ in 1 2 3; do
		"$AUDIT_RULES" status >/dev/null 2>&1 || audit_ok=no
	done
	"$T/$marker"
	wait_until 20 grep -q "\"process.exited\".*\"guest_comm\":\"$marker\"" "$T/$out.jsonl" ||
		fail "marker $marker not reported ($out)"
	stop_agent || fail "agent exit status $? ($out)"
	kill "$RECV_PID" 2>/dev/null
	wait "$RECV_PID" 2>/dev/null
}

list_kthreads >"$T/kthreads.before"
[ -s "$T/kthreads.before" ] || skip "no kernel threads visible in /proc"
run_case off
run_case on --kernel-threads

cat >"$T/check.py" <<'PY'
import json, sys
kpids = {int(l) for l in open(sys.argv[1])}
def frames(path):
    return [json.loads(l) for l in open(path, encoding="utf-8")]
off, on = frames(sys.argv[2]), frames(sys.argv[3])
audit = sys.argv[4] == "yes"
bad = [o for o in off if o["guest_pid"] in kpids or o["guest_comm"].startswith("audit_send_rep")]
if bad:
    sys.exit("kernel threads reported by default: %r" % bad[:5])
if not any(o["guest_pid"] == 2 for o in on):
    sys.exit("--kernel-threads: kthreadd (pid 2) not in the snapshot")
n_on = sum(1 for o in on if o["guest_pid"] in kpids)
if n_on < len(kpids) // 2:
    sys.exit("--kernel-threads: only %d of %d kernel threads reported" % (n_on, len(kpids)))
live = [o for o in on if o["guest_comm"].startswith("audit_send_rep")
        and o["probe_source"] == "process.spawned"]
if audit and len(live) < 1:
    sys.exit("--kernel-threads: no audit_send_reply thread reported live")
# A kernel thread is named as it is made: never kthreadd's name lent.
lent = [o for o in on if o["guest_comm"] == "kthreadd" and o["guest_pid"] != 2]
if lent:
    sys.exit("--kernel-threads: kthreadd's name on another pid: %r" % lent[:3])
print("snapshot kernel threads: %d; with --kernel-threads %d frames of them, %d audit_send_reply spawned"
      % (len(kpids), n_on, len(live)))
PY
res=$("$PYTHON3" "$T/check.py" "$T/kthreads.before" "$T/off.jsonl" "$T/on.jsonl" "$audit_ok") ||
	fail "$res"
note "$res"
[ "$audit_ok" = yes ] || note "AUDIT_GET refused here: the live kernel-thread case was not provoked"
note "pass: kernel threads left out, and back with --kernel-threads"
