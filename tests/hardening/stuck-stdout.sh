#!/bin/sh
# SPDX-License-Identifier: MIT
#
# stuck-stdout.sh: a reader of kvmini's stdout that never reads must not stand
# between the monitor and a stop. kvmini's stdout is a FIFO that is already
# full and that nobody reads (a paused terminal, a stuck log pipe); the spin
# guest prints on the UART. SIGTERM must still end the run with
# KVMINI_STATUS_SIGNAL, and --timeout with KVMINI_STATUS_TIMEOUT, within a
# few seconds (the console output's last flush waits 200 ms at most).
# Before console output went through a non-blocking buffer
# (devices/backends/chardev.c), the UART's write() blocked and only SIGKILL
# ended the process.
#
# Usage: stuck-stdout.sh KVMINI SPIN-ELF
# Exit status: 0 pass, 1 fail, 77 skip (no usable /dev/kvm).
set -u
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
kvmini=$1
spin=$2
lib_init stuck-stdout

lib_require_kvm # checks for a character device before opening: never creates /dev/kvm

mkfifo "$tmp/fifo" || fail "mkfifo"
# Hold the FIFO open read-write: it has a "reader" (so opening it for
# writing does not wait) that never reads. Then fill it to the brim.
exec 4<>"$tmp/fifo"
dd if=/dev/zero of="$tmp/fifo" bs=4096 count=64 oflag=nonblock 2>/dev/null

# run NAME EXPECTED-STATUS EXPECTED-MESSAGE [kvmini options]: one run on the
# stuck FIFO; SIGTERM after 2 s unless the options end it themselves.
run() {
	name=$1
	expected=$2
	message=$3
	shift 3
	t0=$(date +%s%3N)
	"$kvmini" run --kernel "$spin" "$@" >"$tmp/fifo" 2>"$tmp/$name.err" </dev/null &
	pid=$!
	lib_pids="$lib_pids $pid"
	sleep 2
	[ "$name" = sigterm ] && kill -TERM "$pid" 2>/dev/null
	# Wait up to 10 s for it to end; a monitor stuck in write() never would.
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		wait "$pid"
		cat "$tmp/$name.err"
		check_fail "$name: kvmini still ran 10 s after the stop (only SIGKILL ended it)"
		return
	fi
	wait "$pid"
	status=$?
	ms=$(($(date +%s%3N) - t0))
	cat "$tmp/$name.err"
	if [ "$status" -ne "$expected" ]; then
		check_fail "$name: exit status $status, expected $expected"
	elif ! grep -qxF "$message" "$tmp/$name.err"; then
		check_fail "$name: no '$message' on stderr"
	else
		echo "stuck-stdout: $name ended the run after $ms ms with status $status"
	fi
}

run sigterm "$STATUS_SIGNAL" "kvmini: stopped by SIGTERM"
run timeout "$STATUS_TIMEOUT" "kvmini: stopped by the --timeout watchdog" --timeout 3
exec 4<&-
lib_finish
