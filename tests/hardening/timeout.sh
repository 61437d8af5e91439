#!/bin/sh
# SPDX-License-Identifier: MIT
#
# timeout.sh: --timeout SECONDS ends a guest that never stops by itself with
# KVMINI_STATUS_TIMEOUT, on time, and says so; a guest that ends
# earlier is not affected.
#
# Usage: timeout.sh KVMINI SPIN-ELF
# Exit status: 0 pass, 1 fail, 77 skip (no usable /dev/kvm).
set -u
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
kvmini=$1
spin=$2

lib_require_kvm
lib_init timeout
dir=$tmp

# The outer timeout(1) only guards against a watchdog that never fires.
t0=$(date +%s%3N)
timeout --kill-after=5 30 "$kvmini" run --kernel "$spin" --timeout 2 >"$dir/out" 2>"$dir/err" \
	</dev/null
status=$?
ms=$(($(date +%s%3N) - t0))
cat "$dir/out" "$dir/err"
if [ $status -ne "$STATUS_TIMEOUT" ]; then
	fail "exit status $status, expected $STATUS_TIMEOUT"
elif ! grep -qx 'kvmini: stopped by the --timeout watchdog' "$dir/err"; then
	fail "no 'stopped by the --timeout watchdog' message"
elif ! grep -q '^spin: spinning' "$dir/out"; then
	fail "the guest never ran"
elif [ $ms -lt 2000 ] || [ $ms -gt 6000 ]; then
	fail "--timeout 2 stopped the guest after $ms ms"
else
	echo "timeout: --timeout 2 stopped the spinning guest after $ms ms, status $status"
fi

echo "timeout: OK"
lib_finish
