#!/bin/sh
# SPDX-License-Identifier: MIT
#
# seccomp.sh: the monitor's system-call filter refuses what it must, allows
# what the monitor needs, reports a violation clearly and restores the
# terminal.
#
# Usage: seccomp.sh PROBE SNAPSHOT-PROBE
#   PROBE is tests/hardening/seccomp_probe, SNAPSHOT-PROBE
#   tests/hardening/seccomp_snapshot_probe (see their sources for the modes).
# No /dev/kvm needed. Exit status: 0 pass, 1 fail, 77 skip.
# The int80 probe alone is skipped, with the reason, on a host whose kernel
# takes no 32-bit system calls (no IA-32 emulation): there int $0x80 faults
# before any filter could see it. Every other probe still runs.
set -u
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
probe=$1
snapshot_probe=$2
lib_init seccomp
dir=$tmp

# 1. The allowed calls work under the filter.
"$probe" allowed >"$dir/allowed.out" 2>&1
status=$?
cat "$dir/allowed.out"
# No filter in this build: the probe printed the SKIP line with the reason.
[ $status -eq $EXIT_SKIP ] && exit $EXIT_SKIP
[ $status -eq 0 ] || check_fail "allowed calls: status $status"

# 1b. Console output's bad paths (stuck, closed, full reader; the drain at
#     exit) stay inside the filter.
"$probe" output >"$dir/output.out" 2>&1
status=$?
cat "$dir/output.out"
[ $status -eq 0 ] || check_fail "console output paths: status $status"

# 1c. virtio-net's socket backend through the event loop, and (with
#     libslirp) --net user's DHCP exchange, each under its filter.
"$probe" net >"$dir/net.out" 2>&1
status=$?
cat "$dir/net.out"
[ $status -eq 0 ] || check_fail "net (socket backend): status $status"
"$probe" net-user >"$dir/net-user.out" 2>&1
status=$?
cat "$dir/net-user.out"
if [ $status -eq $EXIT_SKIP ]; then
	echo "seccomp: SKIP: net-user probe: $(grep -m1 SKIP "$dir/net-user.out")"
elif [ $status -ne 0 ]; then
	check_fail "net-user (slirp DHCP): status $status"
fi

# probe_all_worked MODE WHAT: run the probe in MODE with its sockets in our
# $dir; it must exit 0 and report that every call worked.
probe_all_worked() {
	TMPDIR=$dir "$probe" "$1" >"$dir/$1.out" 2>&1
	status=$?
	cat "$dir/$1.out"
	[ $status -eq 0 ] || check_fail "$1 ($2): status $status"
	grep -q "$1: every call worked" "$dir/$1.out" ||
		check_fail "$1: the probe did not report every call working"
}

# 1d. virtio-vsock on its Unix-socket backend under a --vsock VM's filter:
#     a host CONNECT, a guest connect, bytes both ways, a shutdown, and the
#     teardown that removes the socket file.
probe_all_worked vsock "Unix-socket backend"

# 1e. The control socket under the filter --control selects: accept4, a
#     request read and answered, the stop, the socket file removed.
probe_all_worked control "control socket"

# 1f. --share: virtio-fs on a real virtiofsd under the base filter: the
#     rings handed over and taken back, a killed virtiofsd noticed and
#     reaped, the other stopped at teardown. Skipped without virtiofsd/root.
TMPDIR=$dir "$probe" share >"$dir/share.out" 2>&1
status=$?
cat "$dir/share.out"
if [ $status -eq $EXIT_SKIP ]; then
	echo "seccomp: SKIP: share probe: $(grep -m1 SKIP "$dir/share.out")"
elif [ $status -ne 0 ] || ! grep -q 'share: every call worked' "$dir/share.out"; then
	check_fail "share (virtio-fs, virtiofsd): status $status"
fi

# 1g. The snapshot writer under the program of a VM that may snapshot
#     (--snapshot-on; a control socket): the snapshot is written twice and
#     restore's checks accept it. Under every VM's program the same writer
#     dies of the filter: the program choice is what lets it through.
for mode in snapshot snapshot-control snapshot-base; do
	"$snapshot_probe" $mode "$dir/$mode" >"$dir/$mode.out" 2>&1
	status=$?
	cat "$dir/$mode.out"
	[ $status -eq 0 ] || check_fail "$mode: status $status"
done
grep -Eqx 'kvmini: seccomp: forbidden system call [0-9]+ \(mkdir\)' "$dir/snapshot-base.out" ||
	check_fail "snapshot-base: the base program did not name mkdir"

# How this host treats int $0x80 with no filter at all: getpid answers
# (IA-32 emulation on: the filter must refuse the call), or a
# general-protection fault kills the probe with SIGSEGV (128 + 11 in the
# shell), and the filter can never see the call.
"$probe" int80-unfiltered >"$dir/int80-unfiltered.out" 2>&1
status=$?
int80_skip=
if [ $status -eq $((128 + 11)) ]; then
	int80_skip="int \$0x80 raises a general-protection fault (SIGSEGV) on this host even without a filter: no IA-32 emulation, the filter never sees the call"
elif [ $status -ne 0 ]; then
	cat "$dir/int80-unfiltered.out"
	check_fail "int80-unfiltered: status $status, expected 0 (getpid answered) or $((128 + 11)) (SIGSEGV)"
fi

# 2. Each forbidden call kills the probe with the status and the message.
#    mode  expected name in the message
while read -r mode name; do
	if [ "$mode" = int80 ] && [ -n "$int80_skip" ]; then
		echo "seccomp: SKIP: $mode probe: $int80_skip"
		continue
	fi
	"$probe" "$mode" >"$dir/$mode.out" 2>&1 </dev/null
	status=$?
	expected="kvmini: seccomp: forbidden system call [0-9]+ \\($name\\)"
	if [ $status -ne "$STATUS_SECCOMP" ]; then
		cat "$dir/$mode.out"
		check_fail "$mode: exit status $status, expected $STATUS_SECCOMP"
	elif ! grep -Eqx "$expected" "$dir/$mode.out"; then
		cat "$dir/$mode.out"
		check_fail "$mode: no line matching '$expected'"
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
user-open openat
user-execve execve
user-fork clone
snap-open openat
snap-execve execve
snap-fork clone
EOF

# 2b. What the snapshot program still refuses: an existing file opened for
#     writing (and not truncated), any file opened for reading, an unnamed
#     file; and the calls every program refuses.
echo "not to be overwritten" >"$dir/victim"
for mode in overwrite read tmpfile; do
	target=$dir/victim
	[ $mode = tmpfile ] && target=$dir
	"$snapshot_probe" $mode "$target" >"$dir/$mode.out" 2>&1 </dev/null
	status=$?
	if [ $status -ne "$STATUS_SECCOMP" ] ||
		! grep -Eqx 'kvmini: seccomp: forbidden system call [0-9]+ \(openat\)' "$dir/$mode.out"; then
		cat "$dir/$mode.out"
		check_fail "snapshot program, $mode: status $status, expected $STATUS_SECCOMP and openat named"
	else
		echo "seccomp: snapshot program refused $mode"
	fi
done
[ "$(cat "$dir/victim")" = "not to be overwritten" ] || check_fail "overwrite: the file changed"

# 3. A violation while the terminal is in raw mode puts the terminal back.
#    script(1) gives the probe a pseudo-terminal; stty -g prints its settings
#    before and after.
if command -v script >/dev/null 2>&1; then
	script -qec "stty -g; '$probe' terminal; echo \"probe-status=\$?\"; stty -g" \
		/dev/null </dev/null >"$dir/tty.out" 2>&1
	tr -d '\r' <"$dir/tty.out" >"$dir/tty.txt"
	before=$(sed -n 1p "$dir/tty.txt")
	after=$(grep -A1 '^probe-status=' "$dir/tty.txt" | sed -n 2p)
	if ! grep -qx "probe-status=$STATUS_SECCOMP" "$dir/tty.txt"; then
		cat "$dir/tty.txt"
		check_fail "terminal: the probe did not die with status $STATUS_SECCOMP"
	elif [ -z "$before" ] || [ "$before" != "$after" ]; then
		cat "$dir/tty.txt"
		check_fail "terminal: settings before ($before) and after ($after) differ"
	else
		echo "seccomp: the terminal is restored after a violation"
	fi
else
	echo "seccomp: (script(1) not found: terminal restore not checked)"
fi

[ "$lib_failed" = 0 ] && echo "seccomp: OK"
lib_finish
