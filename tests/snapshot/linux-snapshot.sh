#!/bin/bash
# SPDX-License-Identifier: MIT
# Snapshot of the minimal Linux guest at READY, restored as clones (needs
# KVM and the Linux guest of guest/linux/):
#  1. boot with a disk and --snapshot-on ready DIR --exit-after-snapshot;
#  2. three restores, each with its own copy of the disk and `-- CMD`:
#     each prints what its command printed and exits with its status;
#  3. what the host wrote to the disk before the snapshot is visible after
#     the restore; what a clone writes lands in its own copy only;
#  4. two clones at once.
# Guest contract (guest/linux/, the lead's): /init writes READY to the test
# device, reads one line from its console, runs it with sh -c and writes its
# status to the test device.
#	linux-snapshot.sh KVMINI SOURCE-ROOT
set -u
. "$(dirname "$0")/../lib.sh"
lib_init linux-snapshot

kvmini=${1:?usage: linux-snapshot.sh KVMINI SOURCE-ROOT}
: "${2:?usage: linux-snapshot.sh KVMINI SOURCE-ROOT}" # the source root: lib.sh finds it itself
TIMEOUT=${KVMINI_LINUX_TIMEOUT:-330}
lib_require_kvm

lib_linux_guest vmlinux initramfs.cpio

disk=$tmp/disk.img
truncate -s 8M "$disk"
printf 'host-wrote-this' | dd of="$disk" conv=notrunc status=none
snap=$tmp/snap

timeout --kill-after=10 $((TIMEOUT + 30)) "$kvmini" run --kernel "$linux/vmlinux" \
	--initrd "$linux/initramfs.cpio" --disk "$disk" --timeout "$TIMEOUT" \
	--snapshot-on ready "$snap" --exit-after-snapshot </dev/null >"$tmp/boot" 2>&1
status=$?
[ "$status" = "$STATUS_OK" ] || fail "the snapshot run ended with $status: $(tail -20 "$tmp/boot")"
[ -f "$snap/manifest.json" ] || fail "no snapshot after READY"
echo "ok: snapshot at READY"

# clone N CMD: restore with a copy of the disk; output $tmp/clone-N, status $status.
clone() {
	local n=$1
	shift
	cp --sparse=always "$disk" "$tmp/disk-$n.img"
	timeout --kill-after=10 120 "$kvmini" restore "$snap" --disk "$tmp/disk-$n.img" \
		--timeout 100 -- "$@" </dev/null >"$tmp/clone-$n" 2>&1
	status=$?
	sed -i 's/\r$//' "$tmp/clone-$n"
}

for n in 3 5 7; do
	clone "$n" "echo clone-$n-says-hi; exit $n"
	[ "$status" = "$n" ] || check_fail "clone $n ended with $status: $(tail -5 "$tmp/clone-$n")"
	grep -qx "clone-$n-says-hi" "$tmp/clone-$n" || check_fail "clone $n did not run its command"
	echo "ok: clone $n ran its command and exited with $n"
done

clone 11 "head -c 15 /dev/vda; echo; echo clone-data | dd of=/dev/vda bs=512 seek=8 conv=notrunc; sync"
grep -qx "host-wrote-this" "$tmp/clone-11" || check_fail "the disk's data is not visible after restore"
dd if="$tmp/disk-11.img" bs=512 skip=8 count=1 status=none | grep -q clone-data ||
	check_fail "clone 11's write is not in its disk copy"
! dd if="$disk" bs=512 skip=8 count=1 status=none | grep -q clone-data ||
	check_fail "clone 11's write reached the snapshot's disk"
echo "ok: disks: data from before the snapshot is there, a clone writes its own copy"

(clone 21 "exit 21"; echo "$status" >"$tmp/s21") &
p1=$!
(clone 22 "exit 22"; echo "$status" >"$tmp/s22") &
p2=$!
lib_pids="$p1 $p2"
wait "$p1" "$p2"
[ "$(cat "$tmp/s21")" = 21 ] && [ "$(cat "$tmp/s22")" = 22 ] ||
	check_fail "concurrent clones ended with $(cat "$tmp/s21") and $(cat "$tmp/s22")"
echo "ok: two clones at once"

lib_finish
