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

expect_failures=
if [ "${1:-}" = "--expect-failures" ]; then
	expect_failures=${2:?--expect-failures needs a number}
	shift 2
fi
if [ $# -lt 2 ]; then
	echo "usage: run-guest.sh [--expect-failures N] KVMINI ELF [kvmini run options...]" >&2
	exit 1
fi
kvmini=$1
elf=$2
shift 2

# Generous: the slowest guest takes well under a second on hardware KVM and
# a few seconds where KVM emulates guest kernel code.
TIMEOUT=${KVMINI_TEST_TIMEOUT:-60}

if [ ! -e /dev/kvm ]; then
	echo "SKIP: /dev/kvm does not exist (no KVM on this machine)"
	exit 77
fi
if ! (: <>/dev/kvm) 2>/dev/null; then
	echo "SKIP: cannot open /dev/kvm read-write (are you in the kvm group?)"
	exit 77
fi

log=$(mktemp "${TMPDIR:-/tmp}/run-guest.XXXXXX") || exit 1
trap 'rm -f "$log"' EXIT

echo "run-guest: $kvmini run --kernel $elf $*"
timeout --kill-after=5 "$TIMEOUT" "$kvmini" run --kernel "$elf" "$@" >"$log" 2>&1
status=$?
cat "$log"
echo "run-guest: kvmini exit status $status"

fail() {
	echo "run-guest: FAILED: $*"
	exit 1
}

case $status in
122) echo "run-guest: (122: kvmini was stopped by a signal)" ;;
123) echo "run-guest: (123: kvmini's own --timeout expired)" ;;
124) echo "run-guest: (124: timeout(1) after ${TIMEOUT} s, or a guest panic)" ;;
125) echo "run-guest: (125: guest crash: triple fault, emulation failure or unknown exit)" ;;
137) echo "run-guest: (137: killed by timeout(1) after ${TIMEOUT} s + 5 s)" ;;
esac

# The last SUMMARY line counts: "SUMMARY: N tests, M failures..."
summary=$(grep -E '^SUMMARY: [0-9]+ tests, [0-9]+ failures' "$log" | tail -n 1)
[ -n "$summary" ] || fail "no 'SUMMARY: N tests, M failures' line in the console output"
tests=$(echo "$summary" | sed -E 's/^SUMMARY: ([0-9]+) tests.*/\1/')
failures=$(echo "$summary" | sed -E 's/^SUMMARY: [0-9]+ tests, ([0-9]+) failures.*/\1/')

if [ -n "$expect_failures" ]; then
	[ "$status" -eq 1 ] || fail "expected exit status 1 from a failing guest, got $status"
	[ "$failures" -eq "$expect_failures" ] ||
		fail "expected $expect_failures failure(s), the summary says $failures"
	echo "run-guest: OK: the guest failed as expected ($summary)"
	exit 0
fi

[ "$failures" -eq 0 ] || fail "$failures check(s) failed"
[ "$status" -eq 0 ] || fail "kvmini exited with status $status"
if [ "$tests" -eq 0 ]; then
	if grep -q '^SKIP: ' "$log"; then
		echo "run-guest: every check was skipped"
		exit 77
	fi
	fail "the guest ran no checks"
fi
echo "run-guest: OK ($summary)"
exit 0
