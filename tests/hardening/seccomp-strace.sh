#!/bin/sh
# SPDX-License-Identifier: MIT
#
# seccomp-strace.sh: list the system calls (and ioctl requests) the monitor
# makes at run time, i.e. from its first thread creation on, the survey the
# allow list in vmm/host/seccomp_policy.c comes from. A developer tool, not a test: run
# it after changing what the monitor does while a guest runs, and compare.
#
# Usage: tests/hardening/seccomp-strace.sh [BUILD-DIR] [-- KVMINI-RUN-OPTIONS...]
#   Without options it runs the tiny guests that cover the run-time paths
#   (console, exceptions with int3 injection, virtio-rng, virtio-blk,
#   virtio-console on a file and on a pipe, a SIGINT stop, a --timeout stop).
#   With "-- OPTIONS" it surveys that one run instead, e.g. a Linux boot:
#     seccomp-strace.sh build -- --kernel bzImage --initrd initramfs.cpio \
#         --cmdline "console=ttyS0 -- true"
# Needs strace. The monitor runs with --seccomp off, so that a call missing
# from the list shows up here instead of killing the run.
set -eu
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
build=${1:-build}
[ $# -gt 0 ] && shift
kvmini=$build/vmm/kvmini
command -v strace >/dev/null || fail "strace is not installed"
lib_init seccomp-strace
dir=$tmp
n=0

# survey [kvmini run options]: one traced run; its calls go to $dir/N.raw.
survey() {
	n=$((n + 1))
	strace -f -qq -o "$dir/$n.raw" "$kvmini" run --seccomp off "$@" >"$dir/$n.out" 2>&1 || true
}

if [ "${1:-}" = "--" ]; then
	shift
	survey "$@" </dev/null
else
	g=$build/guest
	for elf in hello pio_mmio exceptions memory cmdline guestlib; do
		survey --kernel "$g/$elf.elf" </dev/null
	done
	survey --kernel "$g/virtio_rng.elf" --rng </dev/null
	truncate -s 4M "$dir/rw.img"
	yes kvmini-ro | head -c 65536 >"$dir/ro.img"
	survey --kernel "$g/virtio_blk.elf" --disk "$dir/rw.img" --disk "$dir/ro.img,ro" \
		--cmdline blk-sectors=8192 </dev/null
	survey --kernel "$g/virtio_console.elf" --console "file:$dir/console.txt" </dev/null
	echo ping | survey --kernel "$g/virtio_console.elf" --console stdio \
		--cmdline console-input=ping
	spin=$build/tests/hardening/spin.elf
	survey --kernel "$spin" --timeout 1 </dev/null
	# A stop by SIGTERM: the signal goes to the traced monitor, strace's child.
	n=$((n + 1))
	strace -f -qq -o "$dir/$n.raw" "$kvmini" run --seccomp off --kernel "$spin" \
		--disk "$dir/rw.img" </dev/null >"$dir/$n.out" 2>&1 &
	tracer=$!
	sleep 2
	kill -TERM "$(pgrep -P "$tracer")"
	wait "$tracer" || true
fi

# From the first clone on (vcpus_start), every call of every thread.
for raw in "$dir"/*.raw; do
	awk '/clone3?\(/ { on = 1 }
	     on {
		sub(/^[0-9]+ +/, "")
		if ($0 ~ /^<\.\.\. /) { name = $2 }
		else if ($0 ~ /^(\+\+\+|---)/) next
		else { name = $0; sub(/\(.*/, "", name) }
		if (name == "ioctl" && match($0, /^ioctl\([0-9]+, [A-Z0-9_]+/)) {
			req = substr($0, RSTART, RLENGTH); sub(/.*, /, "", req)
			name = "ioctl " req
		}
		print name
	     }' "$raw"
done | sort | uniq -c | sort -rn
