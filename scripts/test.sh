#!/bin/bash
# Set up everything and run kvmini's whole test suite (README, command 2).
#   1. install the Debian packages (scripts/install-deps.sh)
#   2. build the minimal Linux guest, or reuse the cached one (guest/linux/build.sh)
#   3. build kvmini and run every Meson suite: unit, integration, linux,
#      hardening, labs, bench (fast mode), fuzz (short run)
#   4. build the unit tests with ASan+UBSan and run them
# Ends with one line "N passed, N failed, N skipped" over both runs.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

# The guest kernel build is the slow part (minutes); it is cached outside the
# repository, keyed by its inputs, so this is instant the second time.
KVMINI_LINUX_DIR=$(guest/linux/build.sh | tail -n 1)
export KVMINI_LINUX_DIR
echo "test: Linux guest artefacts in $KVMINI_LINUX_DIR"

setup() { # dir, options...
	local dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
}

status=0
setup build-test
ninja -C build-test
meson test -C build-test --print-errorlogs || status=1

setup build-asan -Dsanitize=true -Dguest=false
ninja -C build-asan
meson test -C build-asan --suite unit --print-errorlogs || status=1

# One closing line over both runs, from Meson's machine-readable logs.
python3 - build-test/meson-logs/testlog.json build-asan/meson-logs/testlog.json <<'PY'
import json, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    for line in open(path):
        result = json.loads(line)["result"]
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:
            failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
