#!/bin/sh
# SPDX-License-Identifier: MIT
#
# virtio-hostile.sh: run the virtio_hostile guest (deliberately broken rings
# and requests) with a scratch disk and an rng. The monitor must survive every
# case; the guest checks each device reaction itself.
#
# Usage: virtio-hostile.sh RUN-GUEST KVMINI ELF
# Exit status: run-guest.sh's (0 pass, 77 skip, 1 fail).
set -u
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
lib_init virtio-hostile
truncate -s 1M "$tmp/disk.img" || fail "cannot make the disk image"
sh "$1" "$2" "$3" --disk "$tmp/disk.img" --rng </dev/null
