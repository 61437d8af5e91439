#!/bin/sh
# SPDX-License-Identifier: MIT
#
# timeout.sh: --timeout SECONDS ends a guest that never stops by itself with
# KVMINI_STATUS_TIMEOUT (123), on time, and says so; a guest that ends
# earlier is not affected.
#
# Usage: timeout.sh KVMINI SPIN-ELF
# Exit status: 0 pass, 1 fail, 77 skip (no usable /dev/kvm).
set -u
kvmini=$1
spin=$2
status_timeout=123

# A character device first: "<>" on a missing /dev/kvm would create a file.
if [ ! -c /dev/kvm ] || ! (: <>/dev/kvm) 2>/dev/null; then
	echo "SKIP: /dev/kvm is missing or cannot be opened read-write"
	exit 77
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/kvmini-timeout.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
failed=0
fail() {
	echo "timeout: FAILED: $*"
	failed=1
}

# The outer timeout(1) only guards against a watchdog that never fires.
t0=$(date +%s%3N)
timeout --kill-after=5 30 "$kvmini" run --kernel "$spin" --timeout 2 >"$dir/out" 2>"$dir/err" \
	</dev/null
status=$?
ms=$(($(date +%s%3N) - t0))
cat "$dir/out" "$dir/err"
if [ $status -ne $status_timeout ]; then
	fail "exit status $status, expected $status_timeout"
elif ! grep -qx 'kvmini: stopped by the --timeout watchdog' "$dir/err"; then
	fail "no 'stopped by the --timeout watchdog' message"
elif ! grep -q '^spin: spinning' "$dir/out"; then
	fail "the guest never ran"
elif [ $ms -lt 2000 ] || [ $ms -gt 6000 ]; then
	fail "--timeout 2 stopped the guest after $ms ms"
else
	echo "timeout: --timeout 2 stopped the spinning guest after $ms ms, status $status"
fi

[ $failed -eq 0 ] || exit 1
echo "timeout: OK"
