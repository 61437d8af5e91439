#!/bin/sh
# The one boundary that matters: a device model (devices/) never sees the
# monitor (vmm/). devices/ is compiled against include/ alone, so this checks
#   1. bad_device.c, which includes "kvm/vm.h", does NOT compile that way;
#   2. the same file DOES compile once vmm/ is on the include path (so step 1
#      fails for the right reason, and this test can fail);
#   3. no file under devices/ names a header outside include/.
# Usage: device-boundary.sh SOURCE_ROOT CC [CC-ARGS...]
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
root=$1
shift
lib_init device-boundary

if "$@" -D_GNU_SOURCE -fsyntax-only -I "$root/include" "$root/tests/layout/bad_device.c" \
	2>"$tmp/refused.log"; then
	fail "a device that includes kvm/vm.h compiled against include/ alone"
fi
grep -q 'kvm/vm.h' "$tmp/refused.log" || fail "unexpected compiler error: $(cat "$tmp/refused.log")"
echo "ok: a device model cannot include kvm/vm.h"

"$@" -D_GNU_SOURCE -fsyntax-only -I "$root/include" -I "$root/vmm" \
	"$root/tests/layout/bad_device.c" || fail "the control compile (with vmm/ on the path) failed"
echo "ok: the same file compiles with vmm/ on the path (the check is live)"

# Quoted includes in devices/ may only name include/kvmini/ or include/abi/.
bad=$(grep -rn '^#include "' "$root/devices" | grep -v '#include "kvmini/\|#include "abi/')
[ -z "$bad" ] || fail "devices/ includes a header outside include/: $bad"
echo "ok: every device source includes only kvmini/ and abi/ headers"
