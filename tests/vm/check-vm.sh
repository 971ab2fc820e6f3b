#!/bin/bash
# check-vm.sh - the end-to-end check in a booted guest kernel (make check-vm).
#
#   check-vm.sh [--virtio] boot a guest whose init (tests/vm/init.c) starts the
#                          agent, waits for its readiness, runs the workload
#                          (tests/vm/workload.c) behind cellos-workload-exec,
#                          stops the agent and powers off; the frames reach
#                          cellos-telemetry-recv on the host through a
#                          virtio-serial port; then assert on the console log
#                          and the decoded stream (check-vm-stream.py)
#   check-vm.sh --channel  only the plumbing: the guest writes a known pattern
#                          to the virtio port, compared byte for byte on the host
#   check-vm.sh --serial   (with or without --channel) the same over the
#                          guest's second serial port (ttyS1, an emulated
#                          16550 UART) instead: the agent's chardev: sink on
#                          a tty, which it must set to raw mode
#   check-vm.sh --vsock    the production channel: the agent's vsock:1:9001
#                          sink to cellos-telemetry-recv --listen=vsock:9001,
#                          both in the guest over its vsock loopback
#                          transport (vsock_loopback.ko; this machine's own
#                          vsock is never touched), through a receiver
#                          started after the agent, a SIGKILL and restart of
#                          the receiver and a SIGSTOP long enough to use up
#                          the vsock credit (tests/vm/init-vsock.c); the
#                          receivers' JSON lines come to the host over the
#                          virtio-serial port
#
# The guest is Debian's packaged kernel (linux-image-amd64) under
# qemu-system-x86_64 with software emulation (-accel tcg: KVM is not
# needed), booted from an initramfs built here from the kernel's own
# modules and the freshly built binaries (with the shared libraries and
# the dynamic loader ldd names).  Root is not needed.
#
# Environment: VM_KERNEL (a vmlinuz; default the newest /boot/vmlinuz-*
# with its modules installed), QEMU (default qemu-system-x86_64),
# VM_TIMEOUT (seconds for the whole boot, default 180, 360 with --vsock,
# which waits twice for the vsock credit to run out), VM_KEEP=DIR
# (copy the console log, the stream and the initramfs there).
# Exit 77 (skip) when qemu or a kernel is missing.

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"

MODE=agent
CHANNEL=virtio
for arg in "$@"; do
	case "$arg" in
	--channel) MODE=channel ;;
	--virtio) CHANNEL=virtio ;;
	--serial) CHANNEL=serial ;;
	--vsock) CHANNEL=vsock ;;
	*) echo "usage: $0 [--channel] [--virtio|--serial|--vsock]" >&2; exit 64 ;;
	esac
done

QEMU=${QEMU:-qemu-system-x86_64}
if [ "$CHANNEL" = vsock ]; then
	VM_TIMEOUT=${VM_TIMEOUT:-360}
else
	VM_TIMEOUT=${VM_TIMEOUT:-180}
fi
# Modules the guest needs for virtio-serial over PCI (plus, from
# modules.dep, what they depend on).  Built-in ones are skipped.
VM_MODULES="virtio_pci virtio_console"
# And for --vsock, the vsock core and its loopback transport (CID 1).
VM_VSOCK_MODULES="vsock vmw_vsock_virtio_transport_common vsock_loopback"
PORT_NAME=cellos.telemetry
VM_INIT="$top_builddir/tests/vm/vm-init"
VM_WORKLOAD="$top_builddir/tests/vm/vm-workload"
# The names the workload binary is installed under (see workload.c).
WL_NAMES="wl-alpha wl-beta wl-gamma wl-delta wl-forker wl-thread wl-steady wl-chain wl-omega wl-connect"

require_cmd "$QEMU"
require_cmd cpio
require_cmd "$PYTHON3"

# --- the guest kernel -------------------------------------------------

pick_kernel() {
	local k ver
	if [ -n "${VM_KERNEL:-}" ]; then
		echo "$VM_KERNEL"
		return
	fi
	for k in $(ls /boot/vmlinuz-* 2>/dev/null | sort -V -r); do
		ver=${k#/boot/vmlinuz-}
		if [ -r "$k" ] && [ -f "/lib/modules/$ver/modules.dep" ]; then
			echo "$k"
			return
		fi
	done
}

KERNEL=$(pick_kernel)
[ -n "$KERNEL" ] && [ -r "$KERNEL" ] ||
	skip "no guest kernel: install linux-image-amd64 or set VM_KERNEL"
KVER=${KERNEL##*/vmlinuz-}
MODDIR=/lib/modules/$KVER
[ -f "$MODDIR/modules.dep" ] || skip "no $MODDIR/modules.dep for $KERNEL"

# A kernel with a PVH entry (CONFIG_PVH) boots uncompressed: under TCG
# that saves the emulated xz decompression of the bzImage, several seconds
# (more on a busy host).  The vmlinux is unpacked here with python's lzma
# or zlib (natively, a second) and cached in the build tree; any trouble,
# and the bzImage boots as it is.
boot_image() {
	local cache="$top_builddir/tests/vm/vmlinux-$KVER"
	if ! grep -qx 'CONFIG_PVH=y' "/boot/config-$KVER" 2>/dev/null; then
		echo "$KERNEL"
		return
	fi
	if [ ! -s "$cache" ] || [ "$cache" -ot "$KERNEL" ]; then
		"$PYTHON3" - "$KERNEL" "$cache.tmp" <<'PY' && mv "$cache.tmp" "$cache" || rm -f "$cache.tmp"
import lzma, sys, zlib
data = open(sys.argv[1], "rb").read()
for magic, make in ((b"\xfd7zXZ\x00", lambda: lzma.LZMADecompressor(lzma.FORMAT_XZ)),
                    (b"\x1f\x8b\x08", lambda: zlib.decompressobj(16 + zlib.MAX_WBITS))):
    at = data.find(magic)
    while at >= 0:
        try:
            out = make().decompress(data[at:])
        except (lzma.LZMAError, zlib.error):
            out = b""
        if out[:4] == b"\x7fELF":
            open(sys.argv[2], "wb").write(out)
            sys.exit(0)
        at = data.find(magic, at + 1)
sys.exit(1)
PY
	fi
	if [ -s "$cache" ]; then
		echo "$cache"
	else
		echo "$KERNEL"
	fi
}

# --- the initramfs ----------------------------------------------------

ROOT="$T/root"
mkdir -p "$ROOT"/bin "$ROOT"/dev "$ROOT"/proc "$ROOT"/sys "$ROOT"/tmp \
	"$ROOT"/lib/vm-modules "$ROOT"/lib/x86_64-linux-gnu "$ROOT"/lib64

# modules.dep's line for module NAME (dashes and underscores are one).
moddep_line() {
	awk -v n="$1" '{
		b = $1; sub(/:$/, "", b); sub(/.*\//, "", b)
		sub(/\.ko(\.(xz|zst|gz))?$/, "", b); gsub(/-/, "_", b)
		if (b == n) { print; exit }
	}' "$MODDIR/modules.dep"
}

is_builtin() {
	grep -qE "/$1\.ko\$" "$MODDIR/modules.builtin" 2>/dev/null ||
		grep -qE "/${1//_/-}\.ko\$" "$MODDIR/modules.builtin" 2>/dev/null
}

# Copies module file REL (relative to $MODDIR) into the initramfs as
# NN-name.ko, decompressed: init loads them in name order, so NN is the
# load order.
MOD_SEQ=0
MOD_DONE=" "
add_module_file() {
	local rel=$1 base dst
	case "$MOD_DONE" in *" $rel "*) return 0 ;; esac
	MOD_DONE="$MOD_DONE$rel "
	MOD_SEQ=$((MOD_SEQ + 1))
	base=${rel##*/}
	base=${base%.xz}; base=${base%.zst}; base=${base%.gz}
	dst=$(printf '%s/lib/vm-modules/%02d-%s' "$ROOT" "$MOD_SEQ" "$base")
	case "$rel" in
	*.ko) cp "$MODDIR/$rel" "$dst" ;;
	*.ko.xz) xz -dc "$MODDIR/$rel" >"$dst" ;;
	*.ko.zst) zstd -qdc "$MODDIR/$rel" >"$dst" ;;
	*.ko.gz) gzip -dc "$MODDIR/$rel" >"$dst" ;;
	*) fail "unknown module file type: $rel" ;;
	esac || fail "cannot copy module $rel"
}

# A module and, first, what it depends on.  modules.dep lists the whole
# transitive closure, each module after the ones that need it, so the
# list read backwards is a load order (modprobe does the same).
add_module() {
	local name=${1//-/_} line deps i
	line=$(moddep_line "$name")
	if [ -z "$line" ]; then
		is_builtin "$name" && return 0
		fail "kernel $KVER has no module $name (and it is not built in)"
	fi
	read -r -a deps <<<"${line#*:}"
	for ((i = ${#deps[@]} - 1; i >= 0; i--)); do
		add_module_file "${deps[i]}"
	done
	add_module_file "${line%%:*}"
}

# The ELF file a program in the build tree really is (libtool may have
# left a wrapper script in its place).
real_binary() {
	if [ "$(head -c 4 "$1" | tail -c 3)" = ELF ]; then
		echo "$1"
	else
		"$top_builddir/libtool" --mode=execute echo "$1"
	fi
}

# Copies program SRC to the initramfs as DST with every shared library ldd
# names: the dynamic loader at the path the program asks for, the others
# where the loader looks by default.
add_program() {
	local src=$1 dst=$2 elf lib
	elf=$(real_binary "$src") || fail "cannot resolve $src"
	cp "$elf" "$ROOT$dst" || fail "cannot copy $elf"
	# Through libtool so that libraries of the build tree are found.
	"$top_builddir/libtool" --mode=execute ldd "$src" >"$T/ldd.out" 2>&1 || true
	if grep -q 'not found' "$T/ldd.out"; then
		cat "$T/ldd.out" >&2
		fail "$src: a shared library is missing"
	fi
	for lib in $(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }' "$T/ldd.out"); do
		case "$lib" in
		*/ld-linux*)
			mkdir -p "$ROOT$(dirname "$lib")"
			cp -L "$lib" "$ROOT$lib" ;;
		*)
			cp -L "$lib" "$ROOT/lib/x86_64-linux-gnu/${lib##*/}" ;;
		esac || fail "cannot copy $lib"
	done
}

build_initramfs() {
	local m name
	for m in $VM_MODULES; do
		add_module "$m"
	done
	if [ "$CHANNEL" = vsock ]; then
		for m in $VM_VSOCK_MODULES; do
			add_module "$m"
		done
	fi
	cp "$VM_INIT" "$ROOT/init" || fail "cannot copy $VM_INIT"
	if [ "$MODE" = agent ]; then
		add_program "$AGENT" /bin/cellos-telemetry
		add_program "$WEXEC" /bin/cellos-workload-exec
		[ "$CHANNEL" = vsock ] && add_program "$RECV" /bin/cellos-telemetry-recv
		cp "$VM_WORKLOAD" "$ROOT/bin/vm-workload" || fail "cannot copy $VM_WORKLOAD"
		for name in $WL_NAMES; do
			ln -s vm-workload "$ROOT/bin/$name"
		done
	fi
	# The kernel's built-in initramfs already has /dev/console (init's
	# stdio); making our own needs root, so it is only a fallback.
	mknod -m 600 "$ROOT/dev/console" c 5 1 2>/dev/null ||
		note "cannot mknod /dev/console (not root): using the kernel's"
	(cd "$ROOT" && find . -print0 | LC_ALL=C sort -z |
		cpio --null --quiet -o -H newc -R 0:0) >"$T/initrd.cpio" ||
		fail "cpio failed"
	note "initramfs: $(du -k "$T/initrd.cpio" | cut -f1) KiB, modules: $(ls "$ROOT/lib/vm-modules" | tr '\n' ' ')"
}

# --- the VM -----------------------------------------------------------

# qboot starts the kernel about a second sooner than SeaBIOS under TCG.
qemu_firmware() {
	local d
	for d in /usr/share/qemu /usr/share/seabios; do
		if [ -r "$d/qboot.rom" ]; then
			echo "-bios $d/qboot.rom"
			return
		fi
	done
}

boot_vm() {
	local sock=$1 append="console=ttyS0 panic=-1 quiet --" rc
	local -a chan
	[ "$MODE" = channel ] && append="$append channel"
	if [ "$CHANNEL" = serial ]; then
		append="$append serial"
		chan=(-serial chardev:telemetry)
	else
		[ "$CHANNEL" = vsock ] && append="$append vsock"
		chan=(-device virtio-serial-pci
			-device virtserialport,chardev=telemetry,name=$PORT_NAME)
	fi
	local image
	image=$(boot_image)
	note "booting $image under $QEMU (tcg)"
	local start=$(date +%s%N)
	# -no-reboot with panic=-1: if init dies, qemu exits instead of looping.
	# $(qemu_firmware) is unquoted on purpose: zero or two words.
	# shellcheck disable=SC2046
	timeout -k 5 "$VM_TIMEOUT" "$QEMU" -accel tcg -nodefaults -nographic \
		-no-reboot -m 256 -smp 1 $(qemu_firmware) \
		-serial stdio -monitor none \
		-kernel "$image" -initrd "$T/initrd.cpio" -append "$append" \
		-chardev socket,path="$sock",id=telemetry "${chan[@]}" \
		</dev/null >"$T/console.log" 2>&1
	rc=$?
	VM_MS=$(( ($(date +%s%N) - start) / 1000000 ))
	note "qemu exited with status $rc after $VM_MS ms"
	[ "$rc" = 124 ] && fail_vm "the VM did not power off within $VM_TIMEOUT s"
	[ "$rc" = 0 ] || fail_vm "qemu failed (status $rc)"
	grep -q '^vm-init: done, powering off' "$T/console.log" ||
		fail_vm "the guest init did not finish cleanly"
}

keep_artifacts() {
	[ -n "${VM_KEEP:-}" ] || return 0
	mkdir -p "$VM_KEEP" && cp "$T"/console.log "$T"/initrd.cpio "$T"/stream.* "$T"/recv.err "$VM_KEEP"/ 2>/dev/null
	true
}

fail_vm() {
	echo "--- guest console ---" >&2
	tr -d '\r' <"$T/console.log" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' >&2
	echo "---" >&2
	keep_artifacts
	fail "$*"
}

# --- the checks -------------------------------------------------------

# A minimal host listener at $1: one connection, everything it sends to
# file $2.  Sets BG_PID.
capture_listener() {
	bg "$PYTHON3" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
with open(sys.argv[2], "wb") as f:
    while True:
        b = c.recv(65536)
        if not b:
            break
        f.write(b)
' "$1" "$2"
	wait_until 10 socket_listening "$1" || fail "listener did not start"
}

channel_check() {
	local sock="$T/vm.sock" i
	capture_listener "$sock" "$T/stream.bin"
	local listener=$BG_PID
	boot_vm "$sock"
	wait "$listener" || fail "listener failed"
	for ((i = 0; i < 64; i++)); do
		echo "cellos vm channel line $i"
	done >"$T/expected.bin"
	cmp "$T/expected.bin" "$T/stream.bin" || fail_vm "the bytes that reached the host differ from what the guest wrote"
	note "channel: $(wc -c <"$T/stream.bin") bytes from the guest arrived intact"
}

agent_check() {
	local sock="$T/vm.sock"
	# The guest needs seconds to boot: no agent_silenced line for that.
	bg "$RECV" --listen="$sock" --output="$T/stream.jsonl" --silence-window=0 \
		2>"$T/recv.err"
	RECV_PID=$BG_PID
	wait_until 10 socket_listening "$sock" || fail "receiver did not listen on $sock"
	# qemu connects once, at start: the receiver must be listening then.
	boot_vm "$sock"
	# qemu has exited, so its connection is closed: stop the receiver only
	# once it has read the stream to its end.
	wait_until 10 grep -q 'connection [0-9]* closed' "$T/recv.err" ||
		fail_vm "the receiver did not see the connection close"
	kill "$RECV_PID" && wait "$RECV_PID"
	cat "$T/recv.err"
	"$PYTHON3" "$top_srcdir/tests/vm/check-vm-stream.py" \
		"$T/console.log" "$T/stream.jsonl" ||
		fail_vm "the stream does not match what the guest did"
}

# The guest runs agent and receivers; the port brings their JSON lines.
vsock_check() {
	local sock="$T/vm.sock"
	capture_listener "$sock" "$T/stream.jsonl"
	local listener=$BG_PID
	boot_vm "$sock"
	wait "$listener" || fail "listener failed"
	"$PYTHON3" "$top_srcdir/tests/vm/check-vm-stream.py" --vsock \
		"$T/console.log" "$T/stream.jsonl" ||
		fail_vm "the stream does not match what the guest did"
}

if [ "$MODE" = agent ]; then
	require_prog "$AGENT"
	require_prog "$RECV"
	require_prog "$WEXEC"
fi
require_prog "$VM_INIT"
require_prog "$VM_WORKLOAD"
build_initramfs
if [ "$MODE" = channel ]; then
	channel_check
elif [ "$CHANNEL" = vsock ]; then
	vsock_check
else
	agent_check
fi
keep_artifacts
note "check-vm ($MODE over $CHANNEL): PASS in ${VM_MS} ms of VM time"
