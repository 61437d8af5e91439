#!/bin/sh
# SPDX-License-Identifier: MIT
#
# run-guest.sh: boot one tiny-guest test program under kvmini and judge it.
#
# Usage: run-guest.sh [--expect-failures N] KVMINI ELF [kvmini run options...]
#
# The guest prints PASS:/FAIL:/SKIP: lines and then
#	SUMMARY: <tests> tests, <failures> failures[, <skipped> skipped]
# and stops the VM through the test device; kvmini exits with the guest's
# status (guest/README.md).
#
# Verdict (exit status of this script, as Meson reads it):
#   0   the guest passed: kvmini exited 0, the SUMMARY line says 0 failures,
#       and at least one test ran;
#       with --expect-failures N: kvmini exited 1 and the SUMMARY line says
#       exactly N failures (used to prove that failures are detected);
#   77  skipped: /dev/kvm is missing or cannot be opened, or the guest
#       skipped every test;
#   1   anything else. The reason is printed.
set -u
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

expect_failures=
if [ "${1:-}" = "--expect-failures" ]; then
	expect_failures=${2:?--expect-failures needs a number}
	shift 2
fi
if [ $# -lt 2 ]; then
	echo "usage: run-guest.sh [--expect-failures N] KVMINI ELF [kvmini run options...]" >&2
	exit $EXIT_FAIL
fi
kvmini=$1
elf=$2
shift 2

# Generous: the slowest guest takes well under a second on hardware KVM and
# a few seconds where KVM emulates guest kernel code.
TIMEOUT=${KVMINI_TEST_TIMEOUT:-60}

lib_require_kvm
lib_init run-guest
log=$tmp/log

echo "run-guest: $kvmini run --kernel $elf $*"
timeout --kill-after=5 "$TIMEOUT" "$kvmini" run --kernel "$elf" "$@" >"$log" 2>&1
status=$?
cat "$log"
echo "run-guest: kvmini exit status $status"

# What a status means. timeout(1) itself exits 124 when its time is up, and
# 128 + 9 after its KILL; a monitor status may share a number with those.
timeout_expired=124
timeout_killed=$((128 + 9))
why=
[ "$status" -ne "$STATUS_SIGNAL" ] || why="$why; kvmini was stopped by a signal"
[ "$status" -ne "$STATUS_TIMEOUT" ] || why="$why; kvmini's own --timeout expired"
[ "$status" -ne "$STATUS_PANIC" ] || why="$why; the guest kernel panicked"
[ "$status" -ne "$STATUS_GUEST_CRASH" ] ||
	why="$why; guest crash: triple fault, emulation failure or unknown exit"
[ "$status" -ne $timeout_expired ] || why="$why; timeout(1) after ${TIMEOUT} s"
[ "$status" -ne $timeout_killed ] || why="$why; killed by timeout(1) after ${TIMEOUT} s + 5 s"
[ -z "$why" ] || echo "run-guest: ($status: ${why#; })"

# The last SUMMARY line counts: "SUMMARY: N tests, M failures..."
summary=$(grep -E '^SUMMARY: [0-9]+ tests, [0-9]+ failures' "$log" | tail -n 1)
[ -n "$summary" ] || fail "no 'SUMMARY: N tests, M failures' line in the console output"
tests=$(echo "$summary" | sed -E 's/^SUMMARY: ([0-9]+) tests.*/\1/')
failures=$(echo "$summary" | sed -E 's/^SUMMARY: [0-9]+ tests, ([0-9]+) failures.*/\1/')

if [ -n "$expect_failures" ]; then
	# 1 is the guest's own status here: guest/lib/report.c ends a run with
	# a failed check that way (not the monitor's STATUS_SETUP_ERROR).
	[ "$status" -eq 1 ] || fail "expected exit status 1 from a failing guest, got $status"
	[ "$failures" -eq "$expect_failures" ] ||
		fail "expected $expect_failures failure(s), the summary says $failures"
	echo "run-guest: OK: the guest failed as expected ($summary)"
	lib_finish
fi

[ "$failures" -eq 0 ] || fail "$failures check(s) failed"
[ "$status" -eq "$STATUS_OK" ] || fail "kvmini exited with status $status"
if [ "$tests" -eq 0 ]; then
	if grep -q '^SKIP: ' "$log"; then
		lib_skip "the guest skipped every check"
	fi
	fail "the guest ran no checks"
fi
echo "run-guest: OK ($summary)"
lib_finish
