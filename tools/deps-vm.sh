#!/bin/sh
# Install what `make check-vm` needs on top of tools/deps.sh: qemu (only
# the x86 system emulator, software emulation is enough) and a guest
# kernel with its modules (Debian's generic one).  Run as root.
set -e
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends \
	qemu-system-x86 linux-image-amd64 cpio xz-utils zstd
