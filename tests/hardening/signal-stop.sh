#!/bin/sh
# SPDX-License-Identifier: MIT
#
# signal-stop.sh: SIGINT and SIGTERM stop a busy guest cleanly: the monitor
# exits promptly with KVMINI_STATUS_SIGNAL, says which signal stopped
# it, and a disk write the guest completed before the signal is in the image.
# (Ctrl-C on a terminal, and the terminal's settings afterwards: ctrl-c.py.)
#
# Usage: signal-stop.sh KVMINI SPIN-ELF
# Exit status: 0 pass, 1 fail, 77 skip (no usable /dev/kvm).
set -u
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
kvmini=$1
spin=$2

lib_require_kvm
lib_init signal-stop
dir=$tmp

# Milliseconds on a monotonic-enough clock.
now_ms() {
	date +%s%3N
}

# run_and_signal SIGNAL [kvmini options...]: start the spinning guest, wait
# until it spins, send SIGNAL, and check how the monitor ended.
run_and_signal() {
	sig=$1
	shift
	# A non-interactive shell starts background jobs with SIGINT ignored,
	# which the monitor would inherit (and so never see SIGINT): undo that.
	rm -f "$dir/out" # not the last run's "spinning"
	env --default-signal=INT "$kvmini" run --kernel "$spin" "$@" >"$dir/out" 2>"$dir/err" \
		</dev/null &
	pid=$!
	lib_pids=$pid
	i=0
	while ! grep -qs '^spin: spinning' "$dir/out" && [ $i -lt 400 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	grep -q '^spin: spinning' "$dir/out" || {
		cat "$dir/out" "$dir/err"
		check_fail "$sig: the guest never started spinning"
		return
	}
	sleep 0.2 # well inside the loop now
	t0=$(now_ms)
	kill -"$sig" "$pid"
	wait "$pid"
	status=$?
	lib_pids=
	ms=$(($(now_ms) - t0))
	cat "$dir/out" "$dir/err"
	if [ $status -ne "$STATUS_SIGNAL" ]; then
		check_fail "$sig: exit status $status, expected $STATUS_SIGNAL"
	elif ! grep -qx "kvmini: stopped by SIG$sig" "$dir/err"; then
		check_fail "$sig: no 'kvmini: stopped by SIG$sig' message"
	elif [ $ms -gt 3000 ]; then
		check_fail "$sig: the monitor took $ms ms to stop"
	else
		echo "signal-stop: $sig stopped the spinning guest in $ms ms, status $status"
	fi
}

run_and_signal INT
run_and_signal TERM

# A write completed before SIGTERM is in the image (the guest never flushes;
# the monitor flushes every disk on its way out).
truncate -s 1M "$dir/disk.img"
run_and_signal TERM --disk "$dir/disk.img"
grep -q '^PASS: marker written' "$dir/out" || check_fail "the guest did not write its marker"
i=0
expected=$(while [ $i -lt 128 ]; do printf 'kvmini-spin marker %012d\n' $i; i=$((i + 1)); done)
actual=$(head -c 4096 "$dir/disk.img")
if [ "$actual" = "$expected" ]; then
	echo "signal-stop: the guest's 4 KiB write is in the image after SIGTERM"
else
	check_fail "the image does not hold the guest's marker after SIGTERM"
	head -c 256 "$dir/disk.img" | od -c | head -5
fi

[ "$lib_failed" = 0 ] && echo "signal-stop: OK"
lib_finish
