#!/bin/sh
# The suite's deadline (bounded.sh, which runs every integration script):
# a script that hangs, with a child in the background and one stopped, is
# ended after TEST_TIMEOUT seconds, fails, and lists its processes; none of
# them is left running.  A script that ends in time keeps its exit code
# (0, 77, 1) and is not held for the deadline.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_cmd setsid
require_cmd ps

BOUNDED="$top_srcdir/tests/integration/bounded.sh"
# Durations no other process on the machine sleeps for, to find
# leftovers; the bracket keeps pgrep's own shell from matching.
mark="9$$"
left="sleep [9]$$[0-2]"

cat >"$T/hang.sh" <<EOF
sleep ${mark}0 &
sh -c 'kill -STOP \$\$; exec sleep ${mark}1' &
exec sleep ${mark}2
EOF
start=$(date +%s)
TEST_TIMEOUT=1 sh "$BOUNDED" /bin/sh "$T/hang.sh" >"$T/out" 2>&1
rc=$?
took=$(( $(date +%s) - start ))
[ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] || fail "a hung script exited $rc"
grep -q "still running after 1 s (TEST_TIMEOUT)" "$T/out" || fail "no deadline line: $(cat "$T/out")"
grep -q "sleep ${mark}2" "$T/out" || fail "its processes were not listed: $(cat "$T/out")"
[ "$took" -le 30 ] || fail "the deadline of 1 s took ${took} s"
# Nothing of it left: not the exec'd one, not the background ones.
wait_until 5 sh -c "! pgrep -f '$left' >/dev/null" ||
	fail "left running: $(pgrep -af "$left")"

for code in 0 77 1; do
	echo "exit $code" >"$T/quick.sh"
	start=$(date +%s)
	TEST_TIMEOUT=60 sh "$BOUNDED" /bin/sh "$T/quick.sh" >"$T/out" 2>&1
	rc=$?
	took=$(( $(date +%s) - start ))
	[ "$rc" = "$code" ] || fail "exit $code came back as $rc"
	[ "$took" -le 10 ] || fail "a quick script was held ${took} s"
done

# A deadline that is not a number is refused as a hard error (99).
TEST_TIMEOUT=soon sh "$BOUNDED" /bin/sh "$T/quick.sh" >"$T/out" 2>&1
rc=$?
[ "$rc" = 99 ] || fail "TEST_TIMEOUT=soon exited $rc"
grep -q "TEST_TIMEOUT='soon'" "$T/out" || fail "no word on the bad TEST_TIMEOUT: $(cat "$T/out")"
exit 0
