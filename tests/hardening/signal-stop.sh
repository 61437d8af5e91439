#!/bin/sh
# SPDX-License-Identifier: MIT
#
# signal-stop.sh: SIGINT and SIGTERM stop a busy guest cleanly: the monitor
# exits promptly with KVMINI_STATUS_SIGNAL (122), says which signal stopped
# it, and a disk write the guest completed before the signal is in the image.
# (Ctrl-C on a terminal, and the terminal's settings afterwards: ctrl-c.py.)
#
# Usage: signal-stop.sh KVMINI SPIN-ELF
# Exit status: 0 pass, 1 fail, 77 skip (no usable /dev/kvm).
set -u
kvmini=$1
spin=$2
status_signal=122

# A character device first: "<>" on a missing /dev/kvm would create a file.
if [ ! -c /dev/kvm ] || ! (: <>/dev/kvm) 2>/dev/null; then
	echo "SKIP: /dev/kvm is missing or cannot be opened read-write"
	exit 77
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/kvmini-signal.XXXXXX") || exit 1
pid=
trap '[ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
failed=0
fail() {
	echo "signal-stop: FAILED: $*"
	failed=1
}

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
	i=0
	while ! grep -qs '^spin: spinning' "$dir/out" && [ $i -lt 400 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	grep -q '^spin: spinning' "$dir/out" || {
		cat "$dir/out" "$dir/err"
		fail "$sig: the guest never started spinning"
		return
	}
	sleep 0.2 # well inside the loop now
	t0=$(now_ms)
	kill -"$sig" "$pid"
	wait "$pid"
	status=$?
	pid=
	ms=$(($(now_ms) - t0))
	cat "$dir/out" "$dir/err"
	if [ $status -ne $status_signal ]; then
		fail "$sig: exit status $status, expected $status_signal"
	elif ! grep -qx "kvmini: stopped by SIG$sig" "$dir/err"; then
		fail "$sig: no 'kvmini: stopped by SIG$sig' message"
	elif [ $ms -gt 3000 ]; then
		fail "$sig: the monitor took $ms ms to stop"
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
grep -q '^PASS: marker written' "$dir/out" || fail "the guest did not write its marker"
i=0
expected=$(while [ $i -lt 128 ]; do printf 'kvmini-spin marker %012d\n' $i; i=$((i + 1)); done)
actual=$(head -c 4096 "$dir/disk.img")
if [ "$actual" = "$expected" ]; then
	echo "signal-stop: the guest's 4 KiB write is in the image after SIGTERM"
else
	fail "the image does not hold the guest's marker after SIGTERM"
	head -c 256 "$dir/disk.img" | od -c | head -5
fi

[ $failed -eq 0 ] || exit 1
echo "signal-stop: OK"
