#!/bin/sh
# The installed header cellos_wire.h defines only names under its own
# prefixes (WIRE_ and CELLOS_WIRE_): a program that includes it beside
# the kernel's or libc's headers (<linux/vm_sockets.h> defines
# VMADDR_CID_HOST) must never see one of its names redefined or shadowed.
# Needs nothing but the source tree.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
H="$top_srcdir/src/wire/cellos_wire.h"
[ -r "$H" ] || fail "no $H"

# Every macro the header defines, continuation lines or not.
sed -n 's/^[[:space:]]*#[[:space:]]*define[[:space:]]\{1,\}\([A-Za-z_][A-Za-z0-9_]*\).*/\1/p' "$H" >"$T/names"
[ "$(wc -l <"$T/names")" -ge 10 ] || fail "found only $(wc -l <"$T/names") #defines in $H: the pattern is broken"
grep -vE '^(CELLOS_WIRE_|WIRE_)' "$T/names" >"$T/bad" || true
[ ! -s "$T/bad" ] || fail "$H defines names outside WIRE_ and CELLOS_WIRE_: $(tr '\n' ' ' <"$T/bad")"

# Its types and functions: wire_ or cellos_wire_ (the library exports only
# wire_*, see src/wire/Makemodule.am).
sed -n 's/^\(typedef \)\{0,1\}\(enum\|struct\|union\) \([A-Za-z_][A-Za-z0-9_]*\).*/\3/p' "$H" >"$T/tags"
grep -vE '^(cellos_wire_|wire_)' "$T/tags" >"$T/bad" || true
[ ! -s "$T/bad" ] || fail "$H declares tags outside wire_: $(tr '\n' ' ' <"$T/bad")"
note "$(wc -l <"$T/names") macros, $(wc -l <"$T/tags") tags, all prefixed"
