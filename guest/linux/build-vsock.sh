#!/bin/sh
# SPDX-License-Identifier: MIT
# Build a program of our own for the minimal Linux guest: static, against
# musl, with no AVX instruction in it. SOURCE defaults to kvmini-vsock.c
# beside this script (the guest's vsock netcat, which it was written for);
# build.sh builds each of its guest_programs with it.
#
# Usage: guest/linux/build-vsock.sh OUTPUT [SOURCE]
#
# Why musl and not glibc: on hosts that emulate guest kernel mode the guest
# kernel runs with `noxsave` and cannot save AVX state, while user mode still
# runs with AVX enabled, so AVX registers leak between processes. glibc's
# string functions choose AVX variants by CPUID at start-up (IFUNC) unless
# GLIBC_TUNABLES switches them off; musl has no IFUNCs and no AVX code.
# -mno-avx keeps the compiler's own code off AVX too (the x86-64 baseline
# has none anyway), and the result is checked: no %ymm/%zmm register may
# appear in its disassembly.
#
# musl-gcc (Debian's musl-tools) sees only musl's headers; <linux/*.h> and
# <asm/*.h> come from the kernel's UAPI headers (linux-libc-dev), searched
# last (-idirafter) so that they never shadow a musl header.
#
# Used by build.sh (the guest image) and by tests/integration/vsock-relay.py
# (which runs the result on the host). Exit status 0, or 1 with a message.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build-vsock.sh OUTPUT [SOURCE]}
src=${2:-$here/kvmini-vsock.c}
command -v musl-gcc >/dev/null 2>&1 || {
	echo "build-vsock.sh: musl-gcc is missing (apt-get install musl-tools)" >&2
	exit 1
}
uapi=/usr/include
arch_uapi=/usr/include/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
if [ ! -f "$uapi/linux/vm_sockets.h" ] || [ ! -d "$arch_uapi/asm" ]; then
	echo "build-vsock.sh: the kernel's UAPI headers are missing (apt-get install linux-libc-dev)" >&2
	exit 1
fi
inc=$(mktemp -d "${TMPDIR:-/tmp}/kvmini-vsock-inc.XXXXXX")
trap 'rm -rf "$inc"' EXIT
ln -s "$uapi/linux" "$inc/linux"
ln -s "$uapi/asm-generic" "$inc/asm-generic"
ln -s "$arch_uapi/asm" "$inc/asm"

musl-gcc -static -s -std=gnu11 -O2 -Wall -Wextra -Werror -mno-avx -idirafter "$inc" \
	-o "$out" "$src"
if objdump -d "$out" | grep -Eq '%[yz]mm[0-9]'; then
	echo "build-vsock.sh: $out uses AVX registers; the guest cannot run it safely" >&2
	rm -f "$out"
	exit 1
fi
