#!/bin/sh
# demo.sh - the agent streaming this machine's process events, live.
#
# Starts cellos-telemetry-recv on a Unix socket in a fresh temporary
# directory and cellos-telemetry with --sink=unix:THAT_SOCKET (as root:
# the proc connector needs CAP_NET_ADMIN), runs a few commands so there is
# something to see, and prints the receiver's JSON lines on stdout while
# the agent's log goes to stderr.  Stops after SECONDS (default 10; 0 =
# until Ctrl-C) and prints the agent's final counters.
#
#   tools/demo.sh [SECONDS]          from the top of a built tree
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-10}
case $secs in
'' | *[!0-9]*) echo "demo.sh: SECONDS must be a number, not '$secs'" >&2; exit 64 ;;
esac
agent="$top/cellos-telemetry"
recv="$top/cellos-telemetry-recv"
for p in "$agent" "$recv"; do
	[ -x "$p" ] || { echo "demo.sh: $p not built (run make first)" >&2; exit 69; }
done
[ "$(id -u)" = 0 ] || echo "demo.sh: not root: the agent falls back to the /proc walker" >&2

dir=$(mktemp -d "${TMPDIR:-/tmp}/cellos-demo.XXXXXX")
recv_pid=""
agent_pid=""
cgroup=""
stop() {
	[ -n "$agent_pid" ] && kill -TERM "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	[ -n "$recv_pid" ] && kill -TERM "$recv_pid" 2>/dev/null && wait "$recv_pid" 2>/dev/null
	[ -n "$cgroup" ] && rmdir "$cgroup" 2>/dev/null
	rm -rf "$dir"
}
trap stop EXIT
trap 'exit 0' INT TERM

"$recv" --listen="$dir/telemetry.sock" --silence-window=0 &
recv_pid=$!
i=0
until [ -S "$dir/telemetry.sock" ]; do
	i=$((i + 1))
	[ $i -lt 500 ] || { echo "demo.sh: receiver did not start" >&2; exit 69; }
	sleep 0.01
done

# The connect program goes to a cgroup of the demo's own, not to this
# machine's root cgroup (whose processes are not ours to watch); the
# sample commands run in it.  Without cgroup v2: no connect probe.
cg_root=$(awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2" && $4 == "/") { print $5; exit } break } }' /proc/self/mountinfo)
scope=--probes=-net.connect_attempted
if [ "$(id -u)" = 0 ] && [ -n "$cg_root" ] && mkdir "$cg_root/cellos-demo.$$" 2>/dev/null; then
	cgroup="$cg_root/cellos-demo.$$"
	scope=--cgroup=$cgroup
fi

# --ready-fd: the agent says when its probes are armed.
mkfifo "$dir/ready"
"$agent" --sink="unix:$dir/telemetry.sock" --ready-fd=3 "$scope" 3>"$dir/ready" &
agent_pid=$!
read -r _ <"$dir/ready" || { echo "demo.sh: agent did not become ready" >&2; exit 69; }
echo "demo.sh: agent $agent_pid armed; streaming to $dir/telemetry.sock" >&2

# Something to watch: a short pipeline of well-known programs.
sh -c '[ -z "$1" ] || echo $$ >"$1/cgroup.procs"; uname -r >/dev/null; ls / | wc -l >/dev/null; sleep 0.2' sh "$cgroup" &

if [ "$secs" = 0 ]; then
	wait "$agent_pid"
else
	sleep "$secs"
fi
