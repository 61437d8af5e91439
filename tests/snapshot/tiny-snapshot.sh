#!/bin/sh
# SPDX-License-Identifier: MIT
# Snapshot and restore of the tiny guest, mid-computation (needs KVM):
#  1. guest/tests/snapshot_compute.c runs uninterrupted: its result R;
#  2. the same run with --snapshot-on ready DIR prints R too (the snapshot
#     paused and resumed it) and leaves a complete snapshot, memory sparse;
#  3. `kvmini restore DIR` prints R without the line from before READY:
#     it started mid-loop, from the snapshot;
#  4. two restores of DIR at once both print R (memory is MAP_PRIVATE);
#  5. --exit-after-snapshot ends the run with 0 once the snapshot is written.
#	tiny-snapshot.sh KVMINI SNAPSHOT_COMPUTE_ELF
. "$(dirname "$0")/../lib.sh"
lib_init tiny-snapshot

kvmini=$1
elf=$2
[ -x "$kvmini" ] && [ -f "$elf" ] || fail "usage: tiny-snapshot.sh KVMINI ELF"
lib_require_kvm

# run NAME ARGS...: kvmini with a time limit; output in $tmp/NAME, status in $status.
run() {
	name=$1
	shift
	timeout --kill-after=5 120 "$kvmini" "$@" </dev/null >"$tmp/$name" 2>&1
	status=$?
	sed -i 's/\r$//' "$tmp/$name"
}

result_of() {
	sed -n 's/^snapshot_compute: result \([0-9a-f]*\)$/\1/p' "$tmp/$1"
}

run plain run --kernel "$elf" --timeout 100
[ "$status" = "$STATUS_OK" ] || fail "the plain run ended with $status: $(cat "$tmp/plain")"
want=$(result_of plain)
[ -n "$want" ] || fail "the plain run printed no result: $(cat "$tmp/plain")"
echo "ok: uninterrupted result $want"

snap=$tmp/snap
run snapped run --kernel "$elf" --timeout 100 --snapshot-on ready "$snap"
[ "$status" = "$STATUS_OK" ] || fail "the snapshotting run ended with $status: $(cat "$tmp/snapped")"
[ "$(result_of snapped)" = "$want" ] || check_fail "the snapshotting run's result differs"
for f in manifest.json memory.bin vcpu-0.state vm.state devices.state; do
	[ -f "$snap/$f" ] || fail "the snapshot has no $f"
done
mem_kib=$(du -k "$snap/memory.bin" | cut -f1)
[ "$mem_kib" -lt $((64 * 1024)) ] || check_fail "memory.bin of a 128 MiB guest takes $mem_kib KiB: not sparse"
echo "ok: snapshot written, memory.bin uses $mem_kib KiB"

run restored restore "$snap" --timeout 100
[ "$status" = "$STATUS_OK" ] || fail "the restore ended with $status: $(cat "$tmp/restored")"
[ "$(result_of restored)" = "$want" ] || check_fail "the restored result differs: $(cat "$tmp/restored")"
! grep -q "before READY" "$tmp/restored" || check_fail "the restored guest started from the beginning"
echo "ok: the restored run finished the computation with the same result"

# Two clones at once.
timeout 120 "$kvmini" restore "$snap" --timeout 100 </dev/null >"$tmp/c1" 2>&1 &
p1=$!
timeout 120 "$kvmini" restore "$snap" --timeout 100 </dev/null >"$tmp/c2" 2>&1 &
p2=$!
lib_pids="$p1 $p2"
wait "$p1"
s1=$?
wait "$p2"
s2=$?
sed -i 's/\r$//' "$tmp/c1" "$tmp/c2"
[ "$s1" = 0 ] && [ "$s2" = 0 ] || check_fail "concurrent clones ended with $s1 and $s2"
[ "$(result_of c1)" = "$want" ] && [ "$(result_of c2)" = "$want" ] ||
	check_fail "a concurrent clone's result differs"
echo "ok: two concurrent clones"

run exited run --kernel "$elf" --timeout 100 --snapshot-on ready "$tmp/snap2" --exit-after-snapshot
[ "$status" = "$STATUS_OK" ] && [ -f "$tmp/snap2/manifest.json" ] ||
	check_fail "--exit-after-snapshot: status $status, $(cat "$tmp/exited")"
echo "ok: --exit-after-snapshot"

lib_finish
