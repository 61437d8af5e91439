#!/bin/sh
# SPDX-License-Identifier: MIT
#
# virtio-hostile.sh: run the virtio_hostile guest (deliberately broken rings
# and requests) with a scratch disk and an rng. The monitor must survive every
# case; the guest checks each device reaction itself.
#
# Usage: virtio-hostile.sh RUN-GUEST KVMINI ELF
set -u
dir=$(mktemp -d "${TMPDIR:-/tmp}/kvmini-hostile.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
truncate -s 1M "$dir/disk.img" || exit 1
sh "$1" "$2" "$3" --disk "$dir/disk.img" --rng </dev/null
