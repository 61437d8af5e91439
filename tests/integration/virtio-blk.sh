#!/bin/sh
# SPDX-License-Identifier: MIT
#
# virtio-blk.sh: run the virtio_blk guest on two fresh disk images, then check
# on the host that the sectors the guest wrote (and flushed) are in the file.
#
# Usage: virtio-blk.sh RUN-GUEST KVMINI ELF
# Exit status as run-guest.sh's: 0 pass, 77 skip, 1 fail.
set -u
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
run_guest=$1
kvmini=$2
elf=$3

lib_init virtio-blk
dir=$tmp

sectors=8192 # 4 MiB
truncate -s $((sectors * 512)) "$dir/rw.img" || fail "cannot make the disk image"
yes kvmini-ro | head -c 65536 >"$dir/ro.img" || fail "cannot make the read-only image"

sh "$run_guest" "$kvmini" "$elf" --disk "$dir/rw.img" --disk "$dir/ro.img,ro" \
	--cmdline "blk-sectors=$sectors" </dev/null
status=$?
[ $status -eq $EXIT_PASS ] || exit $status # run-guest.sh's verdict: skip or fail

# The guest wrote these last, then FLUSHed (guest/tests/virtio_blk.c, write_markers).
for s in 2 $((sectors / 2 + 1)) $((sectors - 1)); do
	line=$(printf 'kvmini-blk sector %010d ok' "$s")
	expected=$(i=0; while [ $i -lt 16 ]; do echo "$line"; i=$((i + 1)); done)
	actual=$(dd if="$dir/rw.img" bs=512 skip="$s" count=1 2>/dev/null)
	if [ "$actual" != "$expected" ]; then
		dd if="$dir/rw.img" bs=512 skip="$s" count=1 2>/dev/null | od -c | head -5
		fail "sector $s of the image does not hold the guest's marker"
	fi
	echo "virtio-blk: host sees the guest's marker in sector $s"
done
if [ "$(cksum <"$dir/ro.img")" != "$(yes kvmini-ro | head -c 65536 | cksum)" ]; then
	fail "the read-only image was modified"
fi
echo "virtio-blk: the read-only image is unchanged"
echo "virtio-blk: OK"
lib_finish
