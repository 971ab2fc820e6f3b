# bench/tax.sh - the agent's tax on the workload (bench/README, "8. Tax").
# Sourced by bench/run.sh (using its row(), median(), ratio() and lib.sh's
# agent helpers), or run on its own from a built tree as root
# (`bash bench/tax.sh`): then it prints only these rows.
#
# Each repetition runs the same workload three times in turn: with no
# agent, with the agent's default probes, and with every probe
# (--probes=+capability.denied, which arms audit).  The workload runs in
# this run's own cgroup ($TEST_CGROUP), where the agent's connect program
# is attached: on this machine nothing else is, in a guest the root is.
# Figures are CPU time: per call, the fastest of 25 batches; of a whole
# command, the lesser of two runs (interference from other jobs only ever
# adds time); then medians over the repetitions, and the ratios
# agent / none.

if ! declare -F row >/dev/null; then
	set -euo pipefail
	: "${top_builddir:=$PWD}"
	: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
	export top_builddir top_srcdir
	# shellcheck source=../tests/integration/lib.sh
	. "$top_srcdir/tests/integration/lib.sh"
	require_root
	require_prog "$AGENT"
	require_prog "$RECV"
	BB="$top_builddir/bench"
	SOCK="$T/recv.sock"
	median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
	ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "inf" }'; }
	row() {
		local met=-
		[ "$6" = le ] && { awk -v a="$5" -v b="$7" 'BEGIN { exit !(a <= b) }' && met=yes || met=no; }
		printf '%-46s %-10s %-10s %-4s %-7s %s %s %s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$met"
	}
fi
require_prog "$BB/tax"

TAX_REPS=${BENCH_TAX_REPS:-7}
TAX_CALLS=${BENCH_TAX_CALLS:-500000}
TAX_FIND_DIR=${BENCH_TAX_FIND_DIR:-/usr}
TAX="$BB/tax"
TAX_FILE="$T/tax-file"
head -c 4096 /dev/urandom >"$TAX_FILE"

# The agent with every probe arms audit: machine-wide state, so the audit
# lock of the integration tests is held (exclusive) and the status put
# back at exit.  Another long run holding it shared (a bench of another
# tree) may keep it for long: after BENCH_TAX_LOCK_WAIT seconds (default
# 120) the every-probe runs are left out, and said so.
TAX_AUDIT=no
TAX_CONFIGS="none default"
if [ -x "$AUDIT_RULES" ] && [ -r /proc/self/loginuid ] && "$AUDIT_RULES" status >/dev/null 2>&1 &&
	command -v flock >/dev/null 2>&1; then
	# Under make bench the run already shares the lock on fd 19 (its
	# earlier agents took it, and processes started since hold the same
	# open file): convert that lock; a new open would wait for itself.
	[ "${AUDIT_LOCKED:-}" = shared ] || exec 19>>"$AUDIT_LOCK"
	if flock -w "${BENCH_TAX_LOCK_WAIT:-120}" 19; then
		AUDIT_LOCKED=exclusive
		if wait_until 60 audit_no_daemon; then
			AUDIT_STATUS_BEFORE=$("$AUDIT_RULES" status)
			trap 'audit_restore_status; cleanup' EXIT
			TAX_AUDIT=yes
			TAX_CONFIGS="none default every"
		fi
	fi
fi
[ "$TAX_AUDIT" = yes ] || note "tax: the audit lock or audit itself is not to be had: no every-probe runs"

ensure_test_cgroup
[ -n "${TEST_CGROUP:-}" ] || fail "tax: no cgroup v2 to run the workload in"
TAX_CC=${CC:-cc}
TAX_COMPILE=("$TAX_CC" -O2 -I"$top_builddir" -I"$top_srcdir/src" -I"$top_srcdir/src/wire"
	-c "$top_srcdir/src/agent/procmodel.c" -o "$T/tax-procmodel.o")

# tax_agent CONFIG: start the agent for CONFIG (none: no agent).
tax_agent() {
	case $1 in
	none) return 0 ;;
	default) AGENT_STDERR="$T/tax-agent.err" start_agent "$SOCK" ;;
	every)
		local deadline=$(( $(date +%s) + 60 ))
		while :; do
			AGENT_STDERR="$T/tax-agent.err" start_agent "$SOCK" --probes=+capability.denied
			grep -q "audit: armed" "$T/tax-agent.err" && return 0
			stop_agent || true
			[ "$(date +%s)" -lt "$deadline" ] || fail "tax: audit probes not armed: $(cat "$T/tax-agent.err")"
			sleep 0.2
		done ;;
	esac
}
tax_stop() {
	[ "$1" = none ] && return 0
	stop_agent || true
}

echo "8. tax on the workload (CPU time; median of $TAX_REPS alternating runs: $TAX_CONFIGS)"
rm -f "$SOCK"
start_recv "$SOCK" "$T/tax.jsonl" --silence-window=0
declare -A TAXV
# One pass not counted: page cache, dentries, the compiler's files.
"$TAX" --cgroup="$TEST_CGROUP" run find "$TAX_FIND_DIR" -xdev -printf '%s\n' >/dev/null
"$TAX" --cgroup="$TEST_CGROUP" run "${TAX_COMPILE[@]}" >/dev/null
for r in $(seq "$TAX_REPS"); do
	for c in $TAX_CONFIGS; do
		tax_agent "$c"
		TAXV[$c.getppid]+="$("$TAX" --cgroup="$TEST_CGROUP" getppid "$TAX_CALLS") "
		TAXV[$c.openread]+="$("$TAX" --cgroup="$TEST_CGROUP" openread "$((TAX_CALLS / 10))" "$TAX_FILE") "
		TAXV[$c.find]+="$(for _ in 1 2; do "$TAX" --cgroup="$TEST_CGROUP" run find "$TAX_FIND_DIR" -xdev -printf '%s\n'; done | sort -g | head -n 1) "
		TAXV[$c.compile]+="$(for _ in 1 2; do "$TAX" --cgroup="$TEST_CGROUP" run "${TAX_COMPILE[@]}"; done | sort -g | head -n 1) "
		tax_stop "$c"
	done
done
kill "$RECV_PID"; wait "$RECV_PID" 2>/dev/null || true
rm -f "$SOCK"

# Medians over the repetitions; every run is printed too (one in seven
# is often a third off on this machine, either way).
tax_median() { printf '%s\n' ${TAXV[$1]} | median; }
for k in "${!TAXV[@]}"; do
	echo "# tax runs $k: ${TAXV[$k]}"
done | sort
for f in getppid openread find compile; do
	case $f in
	getppid) unit=ns; what="getppid ns/call" ;;
	openread) unit=ns; what="open+read+close ns/call" ;;
	find) unit=ms; what="find $TAX_FIND_DIR CPU ms" ;;
	compile) unit=ms; what="compile procmodel.c CPU ms" ;;
	esac
	none=$(tax_median "none.$f")
	def=$(tax_median "default.$f")
	row "tax: $what, default probes" "$def" "$none" "$unit" "$(ratio "$def" "$none")" le 1.02
	if [ "$TAX_AUDIT" = yes ]; then
		every=$(tax_median "every.$f")
		row "tax: $what, every probe" "$every" "$none" "$unit" "$(ratio "$every" "$none")" info ""
	fi
done

# Sourced or not, reaching here is success.
true
