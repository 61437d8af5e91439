#!/bin/sh
# SPDX-License-Identifier: MIT
#
# hang.sh: a tiny guest that executes `cli; hlt` without writing its status
# (guest/tests/hang.c) is a hung guest: with no irqchip nothing can wake it.
# kvmini must end the run at once with KVMINI_STATUS_GUEST_HUNG and say why,
# never exit 0 in silence.
#
# Usage: hang.sh RUN-GUEST KVMINI ELF (RUN-GUEST unused: the guest prints no
# SUMMARY). Exit status: 0 pass, 77 skip, 1 fail.
set -u
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
kvmini=$2
elf=$3
lib_init hang

lib_require_kvm # checks for a character device before opening: never creates /dev/kvm

timeout --kill-after=5 30 "$kvmini" run --kernel "$elf" >"$tmp/out" 2>"$tmp/err"
status=$?
cat "$tmp/out" "$tmp/err"
echo "hang: kvmini exit status $status"

[ "$status" -eq "$STATUS_GUEST_HUNG" ] ||
	check_fail "exit status $status, expected STATUS_GUEST_HUNG ($STATUS_GUEST_HUNG)"
grep -q "^kvmini: guest hung: vCPU 0 halted" "$tmp/err" ||
	check_fail "no 'kvmini: guest hung: vCPU 0 halted' message on stderr"
grep -qxF "hang: halting with interrupts off, without an exit status" "$tmp/out" ||
	check_fail "the guest's line is missing from stdout"
lib_finish
