#!/bin/sh
# repeat.sh N TEST...: run the given tests (through `make check`, so with
# the suite's own environment) N times in a row, and print how often each
# passed, skipped and failed.  Exits 1 if any run of any test failed.
# The log of every failed run is kept (in REPEAT_LOGS, default a new
# directory under /tmp, named at the end) as TEST.ROUND.log.
# Called by `make check-repeat N=10`; MAKE names the make to use.
set -u
n=$1
shift
[ "$n" -ge 1 ] 2>/dev/null || { echo "repeat.sh: N must be a whole number >= 1, not '$n'" >&2; exit 64; }
tests=$*
counts=$(mktemp)
trap 'rm -f "$counts"' EXIT INT TERM
logs=${REPEAT_LOGS:-$(mktemp -d /tmp/check-repeat.XXXXXX)}
mkdir -p "$logs" || exit 1
round=0
while [ "$round" -lt "$n" ]; do
	round=$((round + 1))
	echo "check-repeat: round $round of $n"
	${MAKE:-make} check TESTS="$tests" >/dev/null 2>&1
	for t in $tests; do
		trs="${t%.sh}.trs"
		r=$(sed -n 's/^:test-result: //p' "$trs" 2>/dev/null)
		echo "$t ${r:-ERROR}" >>"$counts"
		case ${r:-ERROR} in
		PASS|SKIP) ;;
		*) cp "${t%.sh}.log" "$logs/$(basename "${t%.sh}").$round.log" 2>/dev/null ;;
		esac
	done
done
echo "check-repeat: results of $n rounds (pass skip fail test)"
fails=0
for t in $tests; do
	p=$(grep -c "^$t PASS\$" "$counts")
	s=$(grep -c "^$t SKIP\$" "$counts")
	f=$((n - p - s))
	[ "$f" -eq 0 ] || fails=1
	printf '%4d %4d %4d %s\n' "$p" "$s" "$f" "$t"
done
[ "$fails" -eq 0 ] || echo "check-repeat: logs of the failed runs in $logs"
exit "$fails"
