#!/bin/sh
# SPDX-License-Identifier: MIT
# Hostile snapshot directories: `kvmini restore DIR` must refuse each with
# status 1 and one message naming the file and the reason, before it opens
# /dev/kvm (so this runs, and means something, on a machine without KVM).
# A valid snapshot made by make_snapshot (no KVM needed) is broken one way
# per case.
#	bad-snapshot.sh KVMINI MAKE_SNAPSHOT
. "$(dirname "$0")/../lib.sh"
lib_init bad-snapshot

kvmini=$1
make_snapshot=$2
[ -x "$kvmini" ] && [ -x "$make_snapshot" ] || fail "usage: bad-snapshot.sh KVMINI MAKE_SNAPSHOT"

disk=$tmp/disk.img
truncate -s 1M "$disk"
good=$tmp/good
"$make_snapshot" "$good" --disk "$disk" --cpus 2 --mem 16 --irqchip || fail "make_snapshot failed"

# The memory file is sparse: 16 MiB with two pages of data take a few KiB.
used_kib=$(du -k "$good/memory.bin" | cut -f1)
[ "$(stat -c %s "$good/memory.bin")" = $((16 << 20)) ] || check_fail "memory.bin is not 16 MiB long"
[ "$used_kib" -lt 256 ] || check_fail "memory.bin is not sparse: $used_kib KiB on disk"

n=0
# fresh: a copy of the good snapshot to break.
fresh() {
	n=$((n + 1))
	case_dir=$tmp/case$n
	cp -a "$good" "$case_dir"
}

# expect_refusal WHAT FILE REASON [restore options...]: restore $case_dir must
# exit 1 with a message naming FILE and REASON, and without reaching /dev/kvm.
expect_refusal() {
	what=$1 file=$2 reason=$3
	shift 3
	timeout 20 "$kvmini" restore "$case_dir" "$@" >"$tmp/out" 2>"$tmp/err"
	status=$?
	if [ "$status" != "$STATUS_SETUP_ERROR" ]; then
		check_fail "$what: status $status, expected $STATUS_SETUP_ERROR ($(cat "$tmp/err"))"
	elif ! grep -q "cannot restore snapshot" "$tmp/err" || ! grep -qF -- "$file" "$tmp/err" ||
		! grep -qi -- "$reason" "$tmp/err"; then
		check_fail "$what: the message does not name '$file' and '$reason': $(cat "$tmp/err")"
	elif grep -q "/dev/kvm" "$tmp/err"; then
		check_fail "$what: refused only after trying KVM: $(cat "$tmp/err")"
	else
		echo "ok: $what: $(head -n 1 "$tmp/err")"
	fi
}

# edit_manifest PYTHON-STATEMENT: change the manifest as JSON (m is the object).
edit_manifest() {
	python3 - "$case_dir/manifest.json" "$1" <<'PY'
import json, sys
path, stmt = sys.argv[1], sys.argv[2]
m = json.load(open(path))
exec(stmt)
open(path, "w").write(json.dumps(m))
PY
}

# flip_byte FILE OFFSET: set one byte to 0xff (none of the bytes chosen is 0xff).
flip_byte() {
	printf '\377' | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# The good one passes every check: what stops it here is KVM (or, on a
# machine with KVM, the zeroed fake vCPU state, within --timeout).
case_dir=$good
timeout 30 "$kvmini" restore "$good" --timeout 2 >"$tmp/out" 2>"$tmp/err"
if grep -q "cannot restore snapshot" "$tmp/err"; then
	check_fail "a valid snapshot was refused: $(cat "$tmp/err")"
elif [ ! -e /dev/kvm ] && ! grep -q "/dev/kvm" "$tmp/err"; then
	check_fail "a valid snapshot without KVM: expected the /dev/kvm message: $(cat "$tmp/err")"
else
	echo "ok: a valid snapshot passes every check"
fi

fresh; edit_manifest 'm["format_version"] = 2'
expect_refusal "another format version" manifest.json "format version 2"
fresh; edit_manifest 'm["host_kind"] = "some-other-host"'
expect_refusal "another host kind" manifest.json "some-other-host"
fresh; edit_manifest 'm["format"] = "qemu"'
expect_refusal "another format" manifest.json "format 'qemu'"
fresh; edit_manifest 'm["surprise"] = 1'
expect_refusal "an unknown field" manifest.json "unknown field 'surprise'"
fresh; edit_manifest 'm["vcpus"] = 3'
expect_refusal "a vCPU without a file" manifest.json "does not list"
fresh; edit_manifest 'm["memory"]["size"] = -4096'
expect_refusal "a negative memory size" manifest.json "out of range"
fresh; edit_manifest 'm["files"][0]["name"] = "../../etc/passwd"'
expect_refusal "a path as a file name" manifest.json "not a plain name"
fresh; edit_manifest 'm["files"][1]["crc32"] ^= 1'
expect_refusal "a checksum that differs" vcpu-0.state "checksum differs"

fresh; rm "$case_dir/manifest.json"
expect_refusal "no manifest" manifest.json "No such file"
fresh; printf '{"format": "kvmini-snapshot", ' >"$case_dir/manifest.json"
expect_refusal "a cut manifest" manifest.json "not JSON"
fresh; echo "this is not json" >"$case_dir/manifest.json"
expect_refusal "a manifest that is not JSON" manifest.json "not JSON"
fresh; head -c 100000 /dev/zero | tr '\0' '[' >"$case_dir/manifest.json"
expect_refusal "a deeply nested manifest" manifest.json "not JSON"
fresh; head -c $((2 << 20)) /dev/zero | tr '\0' ' ' >"$case_dir/manifest.json"
expect_refusal "a huge manifest" manifest.json "too large"

fresh; truncate -s 100 "$case_dir/vcpu-0.state"
expect_refusal "a truncated vCPU file" vcpu-0.state "truncated"
fresh; flip_byte "$case_dir/vm.state" 40
expect_refusal "a flipped byte in vm.state" vm.state "checksum"
fresh; flip_byte "$case_dir/vcpu-1.state" 0
expect_refusal "a flipped byte in a header" vcpu-1.state "checksum"
# The manifest's checksum made to match: the file's own header still catches it.
fresh; flip_byte "$case_dir/vm.state" 40
edit_manifest 'import zlib
for f in m["files"]:
    if f["name"] == "vm.state":
        f["crc32"] = zlib.crc32(open(sys.argv[1].replace("manifest.json", "vm.state"), "rb").read())'
expect_refusal "a payload that does not match its header" vm.state "payload checksum mismatch"
fresh; rm "$case_dir/devices.state"
expect_refusal "a missing state file" devices.state "No such file"
fresh; cp "$case_dir/vm.state" "$case_dir/devices.state"
expect_refusal "a state file in another's place" devices.state "bytes, the manifest says"

fresh; truncate -s -4096 "$case_dir/memory.bin"
expect_refusal "a short memory file" memory.bin "truncated"
fresh; rm "$case_dir/memory.bin"; mkfifo "$case_dir/memory.bin"
expect_refusal "a FIFO for memory" memory.bin "not a regular file"

fresh; mv "$case_dir/manifest.json" "$tmp/elsewhere.json"; ln -s "$tmp/elsewhere.json" "$case_dir/manifest.json"
expect_refusal "a symlinked manifest" manifest.json "symbolic link"
fresh; mv "$case_dir/vcpu-0.state" "$tmp/v0"; ln -s "$tmp/v0" "$case_dir/vcpu-0.state"
expect_refusal "a symlinked state file" vcpu-0.state "symbolic link"
fresh; rm "$case_dir/memory.bin"; ln -s /dev/zero "$case_dir/memory.bin"
expect_refusal "memory.bin linked to /dev/zero" memory.bin "symbolic link"

fresh; truncate -s 2M "$disk"
expect_refusal "a disk whose size changed" "$disk" "it was 1048576"
truncate -s 1M "$disk"
fresh; truncate -s 512K "$tmp/small.img"
expect_refusal "a --disk of another size" "$tmp/small.img" "it was 1048576" --disk "$tmp/small.img"
fresh; expect_refusal "more --disk than disks" "--disk" "2 --disk given" --disk "$disk" --disk "$disk"
fresh; rm "$disk"
expect_refusal "a disk that is gone" "$disk" "No such file"
truncate -s 1M "$disk"

# Not a snapshot directory at all.
case_dir=$tmp/not-a-dir
echo x >"$case_dir"
timeout 10 "$kvmini" restore "$case_dir" >/dev/null 2>"$tmp/err"
status=$?
{ [ "$status" = "$STATUS_SETUP_ERROR" ] && grep -q "Not a directory" "$tmp/err"; } ||
	check_fail "a file as DIR: status $status, $(cat "$tmp/err")"

# Someone else's snapshot kind, made by the tool with another host name.
"$make_snapshot" "$tmp/other" --host other-kind || fail "make_snapshot --host failed"
case_dir=$tmp/other
expect_refusal "a snapshot from another host kind" manifest.json "other-kind"

lib_finish
