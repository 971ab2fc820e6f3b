#!/bin/sh
# Bad command lines exit 64 (EX_USAGE) with one message naming the option
# and the value; --help and --version exit 0.  The listening socket: a
# stale socket file (nobody listening) is replaced; a live listener or a
# file that is not a socket is left alone and the receiver exits with
# EX_UNAVAILABLE (69) or EX_CANTCREAT (73); unreadable --input is
# EX_NOINPUT (66).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_recv

# expect_usage PATTERN ARGS...: exit 64, stderr names PATTERN, nothing on stdout.
expect_usage() {
	local pat=$1 rc=0
	shift
	"$RECV" "$@" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = 64 ] || fail "$*: exit $rc, want 64"
	grep -qF -- "$pat" "$T/err" || fail "$*: message does not name '$pat': $(cat "$T/err")"
	grep -q '^cellos-telemetry-recv: error: ' "$T/err" || fail "$*: not a log line: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "$*: more than one line: $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "$*: wrote to stdout"
}

L="--listen=$T/s"
expect_usage "--count='0'" "$L" --count=0
expect_usage "--count='abc'" "$L" --count=abc
expect_usage "--count='-1'" "$L" --count=-1
expect_usage "--count='18446744073709551616'" "$L" --count=18446744073709551616
expect_usage "--silence-window='-1'" "$L" --silence-window=-1
expect_usage "--silence-window='1.5'" "$L" --silence-window=1.5
expect_usage "--silence-window='86401'" "$L" --silence-window=86401
expect_usage "--silence-window=''" "$L" --silence-window=
expect_usage "--bogus=1" "$L" --bogus=1
expect_usage "'--listen' needs a value" --listen
expect_usage "unexpected argument 'extra'" "$L" extra
expect_usage "neither --listen nor --input" --count=1
expect_usage "--input='x' given together" "$L" --input=x
expect_usage "--listen given twice" "$L" --listen=/tmp/other
expect_usage "--listen=''" --listen=
expect_usage "path too long" --listen="$T/$(printf '%0200d' 0)"
expect_usage "--cell-id: value of 2 bytes" "$L" --cell-id="$(printf '\377\376')"
expect_usage "--run-id: value of 0 bytes" "$L" --run-id=
expect_usage "--cell-id: value of 257 bytes" "$L" --cell-id="$(printf '%0257d' 0)"
expect_usage "--format='xml': not allowed; allowed: json or text" "$L" --format=xml
expect_usage "--summary-format='json' without --summary" "$L" --summary-format=json
expect_usage "--summary='': empty" "$L" --summary=

"$RECV" --help >"$T/help" || fail "--help exit $?"
grep -q -- '--silence-window' "$T/help" || fail "--help lacks options"
"$RECV" --version >"$T/version" || fail "--version exit $?"
grep -q '^cellos-telemetry-recv [0-9]' "$T/version" || fail "--version: $(cat "$T/version")"

# A stale socket (bound, then its process gone) is replaced.
recv_py -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.close()' "$T/stale"
[ -S "$T/stale" ] || fail "could not make a stale socket"
start_recv "$T/stale" "$T/stale.jsonl"
recv_py - "$T/stale" "$T/stale.jsonl" <<'PY' || fail "replaced socket does not work"
import sys, recvlib as r
s = r.connect(sys.argv[1]); s.sendall(r.event(guest_pid=77))
r.lines_when(sys.argv[2], lambda l: l and l[0]["guest_pid"] == 77, what="frame")
PY

# A live listener is left alone: EX_UNAVAILABLE, its socket still works.
rc=0
"$RECV" --listen="$T/stale" --output="$T/second.jsonl" 2>"$T/err" || rc=$?
[ "$rc" = 69 ] || fail "second receiver on a live socket: exit $rc, want 69"
grep -q 'another process is listening' "$T/err" || fail "message: $(cat "$T/err")"
recv_py - "$T/stale" "$T/stale.jsonl" <<'PY' || fail "first receiver lost its socket"
import sys, recvlib as r
s = r.connect(sys.argv[1]); s.sendall(r.event(guest_pid=78))
r.lines_when(sys.argv[2], lambda l: any(o["guest_pid"] == 78 for o in l), what="frame")
PY
kill "$RECV_PID"; wait "$RECV_PID" || fail "receiver exit $? on SIGTERM"
[ ! -e "$T/stale" ] || fail "socket left behind at exit"

# A regular file at the path is not replaced: EX_CANTCREAT.
echo keep >"$T/file"
rc=0
"$RECV" --listen="$T/file" 2>"$T/err" || rc=$?
[ "$rc" = 73 ] || fail "--listen on a regular file: exit $rc, want 73"
grep -q 'not a socket' "$T/err" || fail "message: $(cat "$T/err")"
[ "$(cat "$T/file")" = keep ] || fail "regular file was touched"

# A --summary file that cannot be written fails at start: EX_CANTCREAT.
rc=0
"$RECV" --input=/dev/null --summary="$T/no/such/dir/s" 2>"$T/err" || rc=$?
[ "$rc" = 73 ] || fail "--summary in a missing directory: exit $rc, want 73"
grep -q -- "--summary=$T/no/such/dir/s" "$T/err" || fail "message: $(cat "$T/err")"

# Missing input: EX_NOINPUT.
rc=0
"$RECV" --input="$T/missing" 2>"$T/err" || rc=$?
[ "$rc" = 66 ] || fail "--input of a missing file: exit $rc, want 66"
grep -q -- "--input=$T/missing" "$T/err" || fail "message: $(cat "$T/err")"
exit 0
