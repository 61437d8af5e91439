#!/bin/bash
# Set up everything and boot the default guests (README, command 1).
#   scripts/demo.sh              boot the tiny test guest, then Linux: an
#                                interactive shell if stdin is a terminal
#                                (leave it with `poweroff` or Ctrl-D),
#                                else `uname -a`
#   scripts/demo.sh -- CMD...    boot Linux and run CMD in it
# Linux gets user-mode networking (--net user): the guest has 10.0.2.15,
# reaches the host's loopback as 10.0.2.2 (`wget http://10.0.2.2:8000/`)
# and the outside world through the host's NAT.
# The first run builds the Linux guest kernel (a few minutes); later runs
# reuse it from the cache (guest/linux/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

command=()
if [ "${1:-}" = "--" ]; then
	shift
	command=("$@")
elif [ $# -gt 0 ]; then
	echo "usage: scripts/demo.sh [-- COMMAND...]" >&2
	exit 2
fi

scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null

echo "== kvmini: this KVM host, as kvmini sees it (kvmini host-info)"
build/vmm/kvmini host-info

echo "== kvmini: the tiny test guest (build/guest/hello.elf)"
build/vmm/kvmini run --kernel build/guest/hello.elf

echo "== kvmini: building (or reusing) the minimal Linux guest"
linux=$(guest/linux/build.sh | tail -n 1)

cmdline="console=ttyS0"
if [ ${#command[@]} -gt 0 ]; then
	cmdline+=" -- ${command[*]}"
elif [ ! -t 0 ]; then
	cmdline+=" -- uname -a"
fi
echo "== kvmini: booting Linux ($linux/vmlinux, PVH entry, --net user) with: $cmdline"
exec build/vmm/kvmini run --kernel "$linux/vmlinux" --initrd "$linux/initramfs.cpio" \
	--mem 256M --net user --cmdline "$cmdline"
