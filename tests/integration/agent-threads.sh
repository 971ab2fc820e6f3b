#!/bin/sh
# A multi-threaded helper: the process itself is reported (spawned, then
# exited), its threads never: no event carries a thread's id or the name
# the threads gave themselves.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
require_root
require_prog "$AGENT"
require_prog "$RECV"
require_prog "$PROC_HELPER"

tag=$(rand_tag)
tname="th$tag"
start_recv "$T/sock" "$T/out.jsonl"
# The names are what this test checks, not the coalescing window: a wide
# window, so a loaded machine's slow fork-to-exec is not reported apart.
start_agent "$T/sock" --coalesce-ms=2000

"$PROC_HELPER" threads 100 "$tname" >"$T/ids" || fail "helper failed"
main=$(sed -n 's/^main //p' "$T/ids")
[ "$(grep -c '^thread ' "$T/ids")" -eq 100 ] || fail "helper did not start 100 threads"
grep '^thread ' "$T/ids" | cut -d' ' -f2 >"$T/tids"

has_exit() { grep -q "\"process.exited\",\"guest_pid\":$main," "$T/out.jsonl"; }
wait_until 30 has_exit || fail "helper $main never reported as exited"
# A later process of ours, so that anything about the threads that was
# going to be sent has been by the time it shows.
ln -s "$PROC_HELPER" "$T/mk$tag"
"$PROC_HELPER" spawn "$T/mk$tag" >"$T/marker" || fail "marker failed"
has_marker() { grep -q "\"process.exited\",\"guest_pid\":$(cut -d' ' -f1 "$T/marker")," "$T/out.jsonl"; }
wait_until 30 has_marker || fail "marker process never reported"

json_check "$T/out.jsonl"
"$PYTHON3" - "$T/tids" "$T/out.jsonl" "$main" "$tname" <<'PY' || fail "thread check failed"
import json, sys
tids = {int(l) for l in open(sys.argv[1]) if l.strip()}
main, tname = int(sys.argv[3]), sys.argv[4]
tids.discard(main)
mine = []
for line in open(sys.argv[2], encoding="utf-8"):
    o = json.loads(line)
    if o["guest_pid"] in tids:
        sys.exit("event for thread %d: %s" % (o["guest_pid"], line.strip()))
    if o["guest_comm"] == tname:
        sys.exit("event with the threads' name: %s" % line.strip())
    if o["guest_pid"] == main:
        mine.append(o["probe_source"])
if mine != ["process.spawned", "process.exited"]:
    sys.exit("helper events: %r" % mine)
PY
note "pass: 100 threads, no thread events"
