#!/bin/sh
# --ready-fd=N is checked at start: a descriptor that is not open, is open
# for reading only, or is a standard stream is a usage error (exit 64, one
# line naming the option and the fd) before anything is armed or
# connected; an init waiting on the pipe hears EOF at once instead of
# waiting forever.  Needs no root (as root, it also shows that nothing was
# armed: no connection reached the sink's socket).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_prog "$AGENT"
require_cmd timeout

# A listening socket as the sink (never the default vsock): a connection
# to it would show that the agent got as far as starting its sink.
sock="$T/sink.sock"
"$PYTHON3" - "$sock" "$T/accepted" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(8)
open(sys.argv[2] + ".listening", "w").close()
while True:
    c, _ = s.accept()
    open(sys.argv[2], "a").write("connection\n")
    c.close()
PY
BG_PIDS="$BG_PIDS $!"
wait_until 10 test -e "$T/accepted.listening" || fail "the stand-in sink did not listen"

# An agent that ran instead of refusing would arm audit as root: share the
# audit lock like every agent start.
share_audit_state

# expect_usage WORD FDSETUP ARGS...: the agent run with FDSETUP (a shell
# redirection applied first) exits 64 at once with one line naming WORD.
expect_usage() {
	local word=$1 setup=$2 rc=0
	shift 2
	# timeout: an agent that ran instead of refusing must not hang the test.
	sh -c "$setup exec \"\$@\"" sh timeout 10 "$AGENT" --sink="unix:$sock" "$@" \
		>"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = 64 ] || fail "'$*' ($setup): exit status $rc, expected 64: $(head -c 600 "$T/err")"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "'$*': not one line: $(cat "$T/err")"
	grep -qF -- "--ready-fd" "$T/err" || fail "'$*': does not name --ready-fd: $(cat "$T/err")"
	grep -qF -- "$word" "$T/err" || fail "'$*': does not name '$word': $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "'$*': printed on stdout"
}

expect_usage "'9'" "exec 9>&-;" --ready-fd=9
expect_usage "not open" "exec 9>&-;" --ready-fd=9
expect_usage "'4'" "exec 4</dev/null;" --ready-fd=4
expect_usage "reading only" "exec 4</dev/null;" --ready-fd=4
expect_usage "'1'" "" --ready-fd=1
expect_usage "'0'" "" --ready-fd=0
expect_usage "'2'" "" --ready-fd=2
[ ! -e "$T/accepted" ] || fail "the agent connected to its sink before refusing --ready-fd"

# A descriptor open for writing is taken: every start_agent of the other
# tests passes one (agent-ready.sh checks what it then promises).
note "pass: closed, read-only and standard fds refused with 64, nothing connected"
