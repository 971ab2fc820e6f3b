#!/bin/sh
# Install the Debian 12 packages this project builds, tests and benchmarks
# with.  Run as root.
set -e
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
	build-essential autoconf automake libtool pkg-config autoconf-archive \
	libmnl-dev libcmocka-dev libseccomp-dev linux-libc-dev \
	valgrind python3 jq clang libclang-rt-14-dev \
	util-linux procps iproute2 strace \
	libcbor-dev python3-cbor2 forkstat
