#!/bin/sh
# SPDX-License-Identifier: MIT
#
# seccomp-guests.sh: the system-call filter is on by default, in every thread
# of the monitor, and real guests pass under it: the allow list is complete
# for the paths they take (port I/O and MMIO exits, the int3 injection,
# virtio-rng, virtio-blk reads, writes and flushes, virtio-console input).
#
# Usage: seccomp-guests.sh KVMINI SPIN-ELF HELLO EXCEPTIONS VIRTIO-RNG VIRTIO-BLK
#                          VIRTIO-CONSOLE
# Exit status: 0 pass, 1 fail, 77 skip (no usable /dev/kvm).
set -u
kvmini=$1
spin=$2
hello=$3
exceptions=$4
rng=$5
blk=$6
console=$7
run_guest=$(dirname "$0")/../integration/run-guest.sh
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

lib_require_kvm
lib_init seccomp-guests
dir=$tmp

# The "Seccomp:" mode of every thread of process $1 (2 = filter), one per line.
thread_modes() {
	for status in /proc/"$1"/task/*/status; do
		sed -n 's/^Seccomp:[[:space:]]*//p' "$status"
	done
}

# Start the spinning guest with options "$@", wait until it runs, and print
# "<number of threads> <their distinct Seccomp modes>". Besides the I/O thread
# and the vCPU thread, KVM may add a kernel worker (kvm-nx-lpage-recovery)
# to the process; it inherits the filter as well.
spin_modes() {
	rm -f "$dir/spin.out" # not the last run's "spinning"
	"$kvmini" run --kernel "$spin" "$@" >"$dir/spin.out" 2>&1 </dev/null &
	pid=$!
	lib_pids=$pid
	i=0
	while ! grep -qs '^spin: spinning' "$dir/spin.out" && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	thread_modes "$pid" >"$dir/modes"
	echo "$(wc -l <"$dir/modes") $(sort -u "$dir/modes" | tr '\n' ' ')"
	kill -TERM "$pid"
	wait "$pid"
	lib_pids=
}

# 1. Default: every thread (I/O thread, vCPU thread) is filtered (mode 2).
modes=$(spin_modes -v)
if grep -q 'seccomp: no system-call filter in a sanitizer build' "$dir/spin.out"; then
	lib_skip "no system-call filter in a sanitizer build (vmm/host/seccomp.c says why)"
fi
case "$modes" in
[2-9]" 2 ") echo "seccomp-guests: by default every thread runs under a filter (threads, mode: $modes)" ;;
*) check_fail "default run: '$modes' (threads, distinct Seccomp modes), expected 2 or more threads, all mode 2" ;;
esac
modes=$(spin_modes --seccomp off)
case "$modes" in
[2-9]" 0 ") echo "seccomp-guests: --seccomp off leaves every thread unfiltered (threads, mode: $modes)" ;;
*) check_fail "--seccomp off: '$modes' (threads, distinct Seccomp modes), expected all mode 0" ;;
esac

# 2. Real guests pass with the filter on.
guest() {
	name=$1
	shift
	if sh "$run_guest" "$kvmini" "$@" --seccomp on >"$dir/$name.out" 2>&1; then
		echo "seccomp-guests: $name passes under the filter"
	else
		cat "$dir/$name.out"
		check_fail "$name under the filter"
	fi
	if grep -q 'seccomp: forbidden' "$dir/$name.out"; then
		grep 'seccomp: forbidden' "$dir/$name.out"
		check_fail "$name made a forbidden system call"
	fi
}
guest hello "$hello"
guest exceptions "$exceptions"
guest virtio_rng "$rng" --rng
truncate -s 4M "$dir/rw.img" && yes kvmini-ro | head -c 65536 >"$dir/ro.img"
guest virtio_blk "$blk" --disk "$dir/rw.img" --disk "$dir/ro.img,ro" --cmdline blk-sectors=8192
printf 'ping-seccomp\n' >"$dir/input"
guest virtio_console "$console" --console stdio --cmdline console-input=ping-seccomp <"$dir/input"

[ "$lib_failed" = 0 ] && echo "seccomp-guests: OK"
lib_finish
