# selftest-lib.sh - sourced by the check-vm self-tests (after
# tests/integration/lib.sh): run tests/vm/check-vm-stream.py on a recorded
# run, and on copies of it with one kind of damage each.
#
# Before sourcing: CHECK_ARGS (check-vm-stream.py's options, may be empty).

CHECK="$top_srcdir/tests/vm/check-vm-stream.py"
FIX="$top_srcdir/tests/vm/fixtures"

# shellcheck disable=SC2086
run_check() { "$PYTHON3" "$CHECK" $CHECK_ARGS "$1" "$2" >"$T/out" 2>&1; }

# expect_reject WHAT NEEDLE CONSOLE STREAM: the check fails naming NEEDLE.
expect_reject() {
	if run_check "$3" "$4"; then
		cat "$T/out" >&2
		fail "accepted $1"
	fi
	grep -qF -- "$2" "$T/out" || { cat "$T/out" >&2; fail "$1: no '$2' in the verdict"; }
	note "rejects $1"
}

# mutate FILE OUT PYTHON: OUT is FILE's lines after PYTHON edited `l`.
mutate() {
	"$PYTHON3" - "$1" "$2" "$3" <<'PY' || fail "mutation failed"
import sys
l = open(sys.argv[1], encoding="utf-8").read().splitlines()
exec(sys.argv[3])
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(l) + "\n")
PY
}
