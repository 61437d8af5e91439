#!/bin/sh
# SPDX-License-Identifier: MIT
#
# lab1.sh: the check of lab 1 (docs/labs/lab1-hello-kvm.md). Runs the
# student's guest/labs/lab1_hello.c under `kvmini run --trace --boot-times`
# and reads what the monitor saw, exit by exit:
#   - "Hello, KVM!\n" was written to COM1's data port 0x3f8 one byte per
#     `out`, in order, and nothing else was (the guest library prints nothing
#     itself);
#   - a 4-byte write to the test device's SCRATCH port 0x508 is followed by a
#     4-byte read of it that returns the same value;
#   - marker 42 appears in the --boot-times report;
#   - the last exit is a write of 42 to the EXIT port 0x500, and kvmini
#     exited with status 42;
#   - the per-reason counts at the end add up to the trace lines.
#
# Usage: lab1.sh KVMINI ELF. Exit status 0 pass, 1 fail, 77 skip.
set -u
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
kvmini=$1
elf=$2

lib_require_kvm
lib_init lab1
dir=$tmp

timeout 30 "$kvmini" run --kernel "$elf" --trace --boot-times >"$dir/out" 2>"$dir/trace" \
	</dev/null
status=$?
echo "--- guest console:"
cat "$dir/out"
echo "--- kvmini's trace and report:"
cat "$dir/trace"
echo "---"

[ $status -eq 42 ] || check_fail "kvmini exited with status $status, expected 42"
grep -qx 'Hello, KVM!' "$dir/out" || check_fail "the console does not show the line 'Hello, KVM!'"

# The bytes of every 1-byte `out` to 0x3f8, as characters.
printed=$(sed -n 's/^trace: cpu0 io out port 0x3f8 size 1 data \(0x[0-9a-f]*\)$/\1/p' \
	"$dir/trace" | while read -r b; do printf "\\$(printf '%03o' "$b")"; done; echo x)
printed=${printed%x}
if [ "$printed" = "Hello, KVM!
" ]; then
	echo "lab1: COM1 received exactly 'Hello, KVM!\\n', one exit per byte"
else
	check_fail "the 1-byte writes to port 0x3f8 spell '$printed', not 'Hello, KVM!\\n'"
fi
if grep -q '^trace: cpu0 io out port 0x3f8 size [24]' "$dir/trace"; then
	check_fail "a wider-than-1-byte write to 0x3f8: the UART's data register takes bytes"
fi

# SCRATCH: a 4-byte out, then a 4-byte in of the same value.
w=$(sed -n 's/^trace: cpu0 io out port 0x508 size 4 data \(0x[0-9a-f]*\)$/\1/p' "$dir/trace" | head -n 1)
r=$(sed -n 's/^trace: cpu0 io in port 0x508 size 4 data \(0x[0-9a-f]*\)$/\1/p' "$dir/trace" | head -n 1)
if [ -n "$w" ] && [ "$w" = "$r" ]; then
	echo "lab1: SCRATCH round trip of $w"
else
	check_fail "no 4-byte write and read back of the SCRATCH register 0x508 (wrote '$w', read '$r')"
fi

grep -q '(marker 42)$' "$dir/trace" || check_fail "--boot-times shows no marker 42"

last=$(grep '^trace: ' "$dir/trace" | tail -n 1)
[ "$last" = "trace: cpu0 io out port 0x500 size 4 data 0x2a" ] ||
	check_fail "the last exit is '$last', not a 4-byte write of 42 (0x2a) to EXIT (0x500)"

# "kvmini: exits by reason: io=22 (total 22)" against the trace lines.
lines=$(grep -c '^trace: cpu0 io ' "$dir/trace")
total=$(sed -n 's/^kvmini: exits by reason: .*(total \([0-9]*\))$/\1/p' "$dir/trace")
[ "$total" = "$lines" ] || check_fail "the exit counts say $total exits, the trace has $lines I/O lines"

[ "$lib_failed" = 0 ] && echo "lab1: OK ($lines exits)"
lib_finish
