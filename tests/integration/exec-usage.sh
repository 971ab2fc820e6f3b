#!/bin/sh
# cellos-workload-exec's command line: bad options exit 64 with one line
# naming the option and the value; a PROGRAM that cannot be found or run
# exits 127 or 126 like a shell; otherwise PROGRAM's own status.  Needs no
# root: nothing here reaches another process.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_prog "$WEXEC"

# expect_usage WORD ARGS...: exit 64 and one error line containing WORD.
expect_usage() {
	local word=$1 rc=0
	shift
	"$WEXEC" "$@" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = 64 ] || fail "'$*': exit status $rc, expected 64"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "'$*': not one line: $(cat "$T/err")"
	grep -q '^cellos-workload-exec: error: ' "$T/err" || fail "'$*': bad message: $(cat "$T/err")"
	grep -qF -- "$word" "$T/err" || fail "'$*': message does not name '$word': $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "'$*': printed on stdout"
}

expect_usage "'abc'" --protect=abc -- true
expect_usage "'0'" --protect=0 -- true
expect_usage "'-5'" --protect=-5 -- true
expect_usage "'' in '1,,2'" --protect=1,,2 -- true
expect_usage "'7x'" --protect=1,7x -- true
expect_usage "'99999999'" --protect=99999999 -- true
expect_usage "at most" --protect=1,2,3,4,5,6,7,8,9 -- true
expect_usage "'stop'" --action=stop -- true
expect_usage "'--protect' needs a value" --protect
expect_usage "takes no value" --pid-namespace=1 -- true
expect_usage "'--bogus'" --bogus -- true
expect_usage "PROGRAM" --protect=1
expect_usage "PROGRAM"

# pid_max is the kernel's: its value is refused, one below is accepted.
pid_max=$(cat /proc/sys/kernel/pid_max)
expect_usage "'$pid_max'" --protect="$pid_max" -- true
"$WEXEC" --protect=$((pid_max - 1)) -- true 2>"$T/err" || fail "pid_max-1 refused: $(cat "$T/err")"
[ -d "/proc/$((pid_max - 1))" ] || grep -q 'does not exist' "$T/err" ||
	fail "no warning for a pid that does not exist"

rc=0
"$WEXEC" -- "$T/no-such-program" 2>"$T/err" || rc=$?
[ "$rc" = 127 ] || fail "missing PROGRAM: exit status $rc, expected 127"
grep -q "no-such-program: not found" "$T/err" || fail "bad message: $(cat "$T/err")"
rc=0
"$WEXEC" -- no-such-program-in-path-xyz 2>/dev/null || rc=$?
[ "$rc" = 127 ] || fail "PROGRAM not in PATH: exit status $rc, expected 127"

printf '#!/bin/sh\nexit 0\n' >"$T/not-executable"
chmod 644 "$T/not-executable"
# No execute bit at all: even root may not run it.
rc=0
"$WEXEC" -- "$T/not-executable" 2>"$T/err" || rc=$?
[ "$rc" = 126 ] || fail "non-executable PROGRAM: exit status $rc, expected 126"
grep -q "not-executable: cannot execute: Permission denied" "$T/err" || fail "bad message: $(cat "$T/err")"
rc=0
"$WEXEC" -- "$T" 2>"$T/err" || rc=$?
[ "$rc" = 126 ] || fail "a directory as PROGRAM: exit status $rc, expected 126"

rc=0
"$WEXEC" -- sh -c 'exit 3' || rc=$?
[ "$rc" = 3 ] || fail "PROGRAM's status: $rc, expected 3"
[ "$("$WEXEC" -- echo --protect=x)" = "--protect=x" ] || fail "PROGRAM's arguments were taken for options"
"$WEXEC" --help | grep -q -- '--pid-namespace' || fail "--help does not describe --pid-namespace"
"$WEXEC" --version | grep -q '^cellos-workload-exec ' || fail "--version"
exit 0
