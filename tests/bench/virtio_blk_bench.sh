#!/bin/sh
# SPDX-License-Identifier: MIT
#
# virtio_blk_bench.sh: virtio-blk throughput of kvmini, next to the host's
# own direct-I/O throughput on the same image file.
#
# Usage: tests/bench/virtio_blk_bench.sh [BUILD-DIR]   (default: build)
#   The guest program is BUILD-DIR/guest/virtio_bench.elf (see its comment
#   for the phases); the monitor times each phase with --boot-times.
#   The image (256 MiB) goes to $BENCH_DIR, or $TMPDIR, or /tmp.
#
# Read the numbers with care:
#   - kvmini's backend uses buffered pread/pwrite: guest reads of data it just
#     wrote come from the host's page cache. The host baseline uses O_DIRECT,
#     which measures the disk; a buffered dd line is printed for comparison.
#   - One request is in flight at a time; each costs the guest a notify, an
#     interrupt and a few register accesses. On hosts where KVM emulates the
#     guest kernel (see docs), that per-request cost dominates small requests.
set -eu
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

build=${1:-build}
kvmini=$build/vmm/kvmini
elf=$build/guest/virtio_bench.elf
for f in "$kvmini" "$elf"; do
	[ -e "$f" ] || fail "$f not found (build first: ninja -C $build)"
done
lib_require_kvm

[ -z "${BENCH_DIR:-}" ] || TMPDIR=$BENCH_DIR
lib_init virtio_blk_bench
dir=$tmp
img=$dir/disk.img
mib=256
# A fully allocated file, so that neither side reads holes.
dd if=/dev/zero of="$img" bs=1M count=$mib conv=fsync status=none

echo "virtio_blk_bench: kvmini guest ($mib MiB per sequential phase, one request in flight)"
"$kvmini" run --kernel "$elf" --disk "$img" --mem 64M --boot-times >"$dir/out" 2>&1 || {
	cat "$dir/out"
	fail "the benchmark guest failed"
}
# "kvmini:   3671.328  guest marker (marker 10)" -> "10 3671.328"
sed -n 's/^kvmini: *\([0-9.]*\)  .*(marker \([0-9]*\))$/\2 \1/p' "$dir/out" >"$dir/marks"
awk -v mib=$mib '
	{ t[$1] = $2 }
	function phase(name, a, b, bytes, requests,   ms) {
		ms = t[b] - t[a]
		if (ms <= 0) { printf "  %-28s  (no timing)\n", name; return }
		printf "  %-28s %9.1f MB/s %9.0f IOPS  (%d requests, %.0f ms)\n", name,
		       bytes / 1e6 / (ms / 1000), requests / (ms / 1000), requests, ms
	}
	END {
		b = mib * 1048576
		phase("seq write 64 KiB", 10, 11, b, b / 65536)
		phase("seq write 1 MiB", 11, 12, b, b / 1048576)
		phase("seq read 64 KiB", 12, 13, b, b / 65536)
		phase("seq read 1 MiB", 13, 14, b, b / 1048576)
		phase("random read 4 KiB", 14, 15, 4096 * 4096, 4096)
	}' "$dir/marks"

# dd prints "... copied, 0.9 s, 298 MB/s" on its last line.
dd_rate() {
	dd "$@" 2>&1 | tail -n 1 | sed 's/.*, //'
}
echo "virtio_blk_bench: host, same file"
echo "  seq write 64 KiB  O_DIRECT    $(dd_rate if=/dev/zero of="$img" bs=64K count=$((mib * 16)) oflag=direct conv=notrunc)"
echo "  seq write 1 MiB   O_DIRECT    $(dd_rate if=/dev/zero of="$img" bs=1M count=$mib oflag=direct conv=notrunc)"
echo "  seq read 64 KiB   O_DIRECT    $(dd_rate if="$img" of=/dev/null bs=64K iflag=direct)"
echo "  seq read 1 MiB    O_DIRECT    $(dd_rate if="$img" of=/dev/null bs=1M iflag=direct)"
echo "  seq read 1 MiB    page cache  $(dd_rate if="$img" of=/dev/null bs=1M)"
if command -v fio >/dev/null 2>&1; then
	fio --name=randread --filename="$img" --rw=randread --bs=4k --direct=1 --size=${mib}M \
		--ioengine=psync --runtime=5 --time_based --output-format=terse 2>/dev/null |
		awk -F';' '{ printf "  random read 4 KiB O_DIRECT    %s IOPS (fio, psync, 1 job)\n", $8 }'
else
	echo "  random read 4 KiB O_DIRECT    (fio not installed: apt-get install fio)"
fi
