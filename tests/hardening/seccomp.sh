#!/bin/sh
# SPDX-License-Identifier: MIT
#
# seccomp.sh: the monitor's system-call filter refuses what it must, allows
# what the monitor needs, reports a violation clearly and restores the
# terminal.
#
# Usage: seccomp.sh PROBE
#   PROBE is tests/hardening/seccomp_probe (see its source for the modes).
# No /dev/kvm needed. Exit status: 0 pass, 1 fail, 77 skip.
set -u
probe=$1
status_seccomp=121 # KVMINI_STATUS_SECCOMP, vmm/host/seccomp.h

dir=$(mktemp -d "${TMPDIR:-/tmp}/kvmini-seccomp.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
failed=0

fail() {
	echo "seccomp: FAILED: $*"
	failed=1
}

# 1. The allowed calls work under the filter.
"$probe" allowed >"$dir/allowed.out" 2>&1
status=$?
cat "$dir/allowed.out"
[ $status -eq 77 ] && exit 77 # no filter in this build; the probe said why
[ $status -eq 0 ] || fail "allowed calls: status $status"

# 1b. Console output's bad paths (stuck, closed, full reader; the drain at
#     exit) stay inside the filter.
"$probe" output >"$dir/output.out" 2>&1
status=$?
cat "$dir/output.out"
[ $status -eq 0 ] || fail "console output paths: status $status"

# 2. Each forbidden call kills the probe with the status and the message.
#    mode  expected name in the message
while read -r mode name; do
	"$probe" "$mode" >"$dir/$mode.out" 2>&1 </dev/null
	status=$?
	expected="kvmini: seccomp: forbidden system call [0-9]+ \\($name\\)"
	if [ $status -ne $status_seccomp ]; then
		cat "$dir/$mode.out"
		fail "$mode: exit status $status, expected $status_seccomp"
	elif ! grep -Eqx "$expected" "$dir/$mode.out"; then
		cat "$dir/$mode.out"
		fail "$mode: no line matching '$expected'"
	else
		echo "seccomp: $mode refused: $(grep -E "$expected" "$dir/$mode.out")"
	fi
done <<EOF
socket socket
execve execve
open openat
fork clone
exec-memory mmap
kvm-ioctl ioctl
kill kill
thread-socket socket
int80 of another architecture
EOF

# 3. A violation while the terminal is in raw mode puts the terminal back.
#    script(1) gives the probe a pseudo-terminal; stty -g prints its settings
#    before and after.
if command -v script >/dev/null 2>&1; then
	script -qec "stty -g; '$probe' terminal; echo \"probe-status=\$?\"; stty -g" \
		/dev/null </dev/null >"$dir/tty.out" 2>&1
	tr -d '\r' <"$dir/tty.out" >"$dir/tty.txt"
	before=$(sed -n 1p "$dir/tty.txt")
	after=$(grep -A1 '^probe-status=' "$dir/tty.txt" | sed -n 2p)
	if ! grep -qx "probe-status=$status_seccomp" "$dir/tty.txt"; then
		cat "$dir/tty.txt"
		fail "terminal: the probe did not die with status $status_seccomp"
	elif [ -z "$before" ] || [ "$before" != "$after" ]; then
		cat "$dir/tty.txt"
		fail "terminal: settings before ($before) and after ($after) differ"
	else
		echo "seccomp: the terminal is restored after a violation"
	fi
else
	echo "seccomp: (script(1) not found: terminal restore not checked)"
fi

[ $failed -eq 0 ] || exit 1
echo "seccomp: OK"
