#!/bin/sh
# --listen=vsock:[CID:]PORT and --vsock-buffer on the command line: bad
# values exit 64 (EX_USAGE) with one message naming the option, the value
# and what is allowed, before any socket exists.  Only refused command
# lines are run here: a valid vsock one would open AF_VSOCK, which this
# machine must never do (the listener itself runs in `make check-vm
# VM_CHECKS=--vsock`, inside the guest kernel).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_recv

# expect_usage PATTERN ARGS...: exit 64, one error line naming PATTERN and
# what is allowed, nothing on stdout.  A stray argument GUARD follows ARGS:
# the parser reports it only after every option was accepted, so should an
# option under test ever be wrongly accepted, the run still ends as a usage
# error (with another message, a failure here) instead of listening.
GUARD=guard-against-a-real-listener
expect_usage() {
	local pat=$1 rc=0
	shift
	timeout 10 "$RECV" "$@" ${GUARD:+"$GUARD"} >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = 64 ] || fail "$*: exit $rc, want 64"
	grep -qF -- "$pat" "$T/err" || fail "$*: message does not name '$pat': $(cat "$T/err")"
	grep -q '^cellos-telemetry-recv: error: .*allowed' "$T/err" ||
		fail "$*: not an error line saying what is allowed: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "$*: more than one line: $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "$*: wrote to stdout"
}

expect_usage "--listen='vsock:'" --listen=vsock:
expect_usage "--listen='vsock:x'" --listen=vsock:x
expect_usage "--listen='vsock:2:'" --listen=vsock:2:
expect_usage "--listen='vsock:4294967295'" --listen=vsock:4294967295
expect_usage "--listen='vsock:4294967296:1'" --listen=vsock:4294967296:1
expect_usage "--listen='vsock:1:2:3'" --listen=vsock:1:2:3
expect_usage "--listen='vsock:-1'" --listen=vsock:-1
# The vsock form is checked before anything else about the run.
expect_usage "--listen='vsock:x'" --listen=vsock:x --output="$T/never"
[ ! -e "$T/never" ] || fail "a refused command line created its --output"
# The guard goes, for the checks made after the stray-argument one; none of
# these listens on vsock even if the check under test broke.
GUARD=
expect_usage "--vsock-buffer given without --listen=vsock:" \
	--listen="$T/s" --vsock-buffer=65536
expect_usage "--vsock-buffer given without --listen=vsock:" \
	--input=- --vsock-buffer=65536 </dev/null
expect_usage "--vsock-buffer='4095'" --listen=vsock:9 --vsock-buffer=4095
expect_usage "--vsock-buffer='262145'" --listen=vsock:9001 --vsock-buffer=262145
expect_usage "--vsock-buffer='64k'" --listen=vsock:9001 --vsock-buffer=64k
expect_usage "--vsock-buffer given twice" --listen=vsock:9001 \
	--vsock-buffer=65536 --vsock-buffer=65536
expect_usage "--input='-' given together" --listen=vsock:9001 --input=- </dev/null
[ ! -e "$T/s" ] || fail "a refused command line created a socket"

# --help names both forms.
"$RECV" --help >"$T/help" || fail "--help failed"
grep -qF -- "--listen=vsock:[CID:]PORT" "$T/help" || fail "--help does not show the vsock form"
grep -qF -- "--vsock-buffer=BYTES" "$T/help" || fail "--help does not show --vsock-buffer"
note "bad vsock command lines refused with EX_USAGE; no socket opened"
