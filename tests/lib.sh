# SPDX-License-Identifier: MIT
# shellcheck shell=sh
# tests/lib.sh: what every shell test shares. Source it first:
#	. "$(dirname "$0")/../lib.sh"
#	lib_init NAME              # names messages, makes $tmp, cleans up at exit
#	lib_require_kvm            # skip (77) where /dev/kvm cannot be used
#	lib_skip "why"             # print "SKIP: why" and exit 77 (1 if a
#	                           # check_fail came first: a failure stays one)
#	fail "why"                 # print "NAME: FAILED: why" and exit 1
#	check_fail "why"           # print it, remember it, go on; lib_finish exits 1
#	lib_finish                 # exit 0, or 1 if check_fail was called
#	lib_pids="$pid"            # processes lib_init's cleanup kills at exit
#	lib_wait_line FILE REGEX [SECONDS]
#	                           # wait (default 30 s) until a line of FILE matches
#	                           # the grep regex; non-zero if none did in time
#	lib_host_info KVMINI KEY   # one field of `KVMINI host-info` (JSON), printed
#	                           # plainly: a string as is, true/false, a list as
#	                           # words, null as nothing (uses python3)
#	lib_linux_guest FILE...    # set $linux to the minimal Linux guest's
#	                           # directory, which must hold each FILE
#
# Exit statuses by name: the monitor's come from include/abi/kvmini_abi.h, the
# one table of them, so no test writes 122 where it means "stopped by a signal":
# STATUS_OK, STATUS_SETUP_ERROR, STATUS_GUEST_CRASH, STATUS_PANIC,
# STATUS_TIMEOUT, STATUS_SIGNAL, STATUS_SECCOMP (whatever the header defines).
# Meson reads a test's own status: EXIT_PASS 0, EXIT_FAIL 1, EXIT_SKIP 77.
# Works in sh (dash) and bash, with or without set -u.

EXIT_PASS=0
EXIT_FAIL=1
EXIT_SKIP=77

# Every test script lives in tests/SUITE/, so the source root is two up.
lib_root=$(cd "$(dirname "$0")/../.." && pwd)
lib_abi=$lib_root/include/abi/kvmini_abi.h

# STATUS_OK, STATUS_SETUP_ERROR, STATUS_SIGNAL, ... from the ABI header.
lib_load_statuses() {
	[ -f "$lib_abi" ] || {
		echo "lib.sh: cannot find $lib_abi" >&2
		exit $EXIT_FAIL
	}
	eval "$(sed -n 's/^#define KVMINI_\(STATUS_[A-Z_]*\)[ 	]*\([0-9][0-9]*\).*/\1=\2/p' "$lib_abi")"
	[ -n "${STATUS_SETUP_ERROR:-}" ] || {
		echo "lib.sh: no KVMINI_STATUS_* numbers found in $lib_abi" >&2
		exit $EXIT_FAIL
	}
}
lib_load_statuses

lib_name=$(basename "$0" .sh)
tmp=
lib_failed=0
lib_pids=

# Make $tmp, and remove it (and kill every pid in $lib_pids) on any exit.
lib_init() {
	lib_name=${1:-$lib_name}
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/kvmini-$lib_name.XXXXXX") || exit $EXIT_FAIL
	trap 'lib_cleanup' EXIT
	trap 'exit $EXIT_FAIL' INT TERM HUP
}

lib_cleanup() {
	for lib_p in $lib_pids; do
		kill -KILL "$lib_p" 2>/dev/null
	done
	[ -z "$tmp" ] || rm -rf "$tmp"
}

# The test cannot run here: say why and exit 77 (Meson: SKIP, never a pass).
# A check that already failed is not hidden by a later skip.
lib_skip() {
	echo "SKIP: $*"
	[ "$lib_failed" = 0 ] || exit $EXIT_FAIL
	exit $EXIT_SKIP
}

# Skip unless /dev/kvm is a character device we can open read-write. The
# -c test comes first: a shell's "<>/dev/kvm" opens with O_CREAT, and would
# leave a regular file /dev/kvm behind on a machine without KVM (which then
# fools every later check that only asks whether the file exists).
lib_require_kvm() {
	lib_p=$(lib_kvm_problem)
	[ -z "$lib_p" ] || lib_skip "$lib_p"
}

# Print why /dev/kvm cannot be used (nothing when it can), checked as above.
lib_kvm_problem() {
	if [ ! -e /dev/kvm ]; then
		echo "/dev/kvm does not exist (no KVM on this machine)"
	elif [ ! -c /dev/kvm ]; then
		echo "/dev/kvm is not a character device (a stray file? delete it; no KVM here)"
	elif ! (: <>/dev/kvm) 2>/dev/null; then
		echo "cannot open /dev/kvm read-write (are you in the kvm group?)"
	fi
}

fail() {
	echo "$lib_name: FAILED: $*"
	exit $EXIT_FAIL
}

check_fail() {
	echo "$lib_name: FAILED: $*"
	lib_failed=1
}

lib_finish() {
	[ "$lib_failed" = 0 ] || exit $EXIT_FAIL
	exit $EXIT_PASS
}

# lib_wait_line FILE REGEX [SECONDS]: poll every 50 ms, for a background
# process's output (a guest's line, a server's "ready").
lib_wait_line() {
	lib_w_left=$((${3:-30} * 20))
	while ! grep -qs -- "$2" "$1"; do
		[ "$lib_w_left" -gt 0 ] || return 1
		sleep 0.05
		lib_w_left=$((lib_w_left - 1))
	done
}

# lib_host_info KVMINI KEY: the host's quirks come from the monitor
# (vmm/kvm/host_quirks.c), never from a copy in a script. Returns non-zero,
# with the reason on stderr, if the monitor cannot say or has no such key:
#	x=$(lib_host_info "$kvmini" linux_cmdline) || fail "kvmini host-info failed"
lib_host_info() {
	"$1" host-info | python3 -c '
import json, sys
value = json.load(sys.stdin)[sys.argv[1]]
if isinstance(value, bool):
    print("true" if value else "false")
elif isinstance(value, list):
    print(" ".join(str(v) for v in value))
elif value is not None:
    print(value)
' "$2"
}

# lib_linux_guest FILE...: set $linux to the directory of the minimal Linux
# guest (guest/linux/) holding each FILE (vmlinux, bzImage, initramfs.cpio,
# rootfs.ext4, System.map...). scripts/test.sh sets $KVMINI_LINUX_DIR, and a
# FILE missing there is a failure; otherwise guest/linux/build.sh prints its
# cache directory last, building the guest first if it is not cached yet
# (minutes), and a guest it cannot give is a skip.
lib_linux_guest() {
	if [ -n "${KVMINI_LINUX_DIR:-}" ]; then
		linux=$KVMINI_LINUX_DIR
		for lib_f in "$@"; do
			[ -s "$linux/$lib_f" ] || fail "KVMINI_LINUX_DIR=$linux has no $lib_f"
		done
		return 0
	fi
	echo "$lib_name: KVMINI_LINUX_DIR is not set: asking guest/linux/build.sh"
	linux=$("$lib_root/guest/linux/build.sh" | tail -n 1) ||
		lib_skip "the Linux guest is not built and guest/linux/build.sh failed"
	for lib_f in "$@"; do
		[ -s "$linux/$lib_f" ] || lib_skip "guest/linux/build.sh gave '$linux', which has no $lib_f"
	done
}
