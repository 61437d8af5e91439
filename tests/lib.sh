# SPDX-License-Identifier: MIT
# tests/lib.sh: what every shell test shares. Source it first:
#	. "$(dirname "$0")/../lib.sh"
#	lib_init NAME              # names messages, makes $tmp, cleans up at exit
#	lib_require_kvm            # skip (77) where /dev/kvm cannot be used
#	fail "why"                 # print "NAME: FAILED: why" and exit 1
#	check_fail "why"           # print it, remember it, go on; lib_finish exits 1
#	lib_finish                 # exit 0, or 1 if check_fail was called
#
# Exit statuses by name: the monitor's come from include/abi/kvmini_abi.h, the
# one table of them, so no test writes 122 where it means "stopped by a signal".
# Meson reads a test's own status: 0 pass, 1 fail, 77 skip.

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
	for p in $lib_pids; do
		kill -KILL "$p" 2>/dev/null
	done
	[ -z "$tmp" ] || rm -rf "$tmp"
}

# The test cannot run here: say why and exit 77 (Meson: SKIP, never a pass).
lib_skip() {
	echo "SKIP: $*"
	exit $EXIT_SKIP
}

lib_require_kvm() {
	(: <>/dev/kvm) 2>/dev/null || lib_skip "/dev/kvm is missing or cannot be opened read-write"
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
