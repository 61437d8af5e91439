#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Build one libFuzzer harness of tests/fuzz/ with clang's libFuzzer,
# AddressSanitizer and UBSan, and run it for a while.
#
# usage: tests/fuzz/run.sh [-o WORKDIR] [-t TARGET] [SECONDS] [-- LIBFUZZER-ARGS...]
#   WORKDIR   build output, growing corpus and crash artifacts
#             (default: $KVMINI_FUZZ_DIR or /tmp/kvmini-fuzz)
#   TARGET    virtio (default), vsock, elf, bzimage, multiboot, symbols, cli,
#             snapshot, control or oci: fuzz_TARGET.c
#   SECONDS   how long to fuzz (default 60); 0 builds only
# Exit status: 0 no crash, 1 a crash/leak/timeout (the input is saved as
# WORKDIR/crash-* and printed), 77 clang or libFuzzer missing (Meson: skip).
set -eu
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

lib_name=fuzz
here=$lib_root/tests/fuzz
root=$lib_root
work=${KVMINI_FUZZ_DIR:-${TMPDIR:-/tmp}/kvmini-fuzz}
seconds=60
target=virtio

while [ $# -gt 0 ]; do
	case $1 in
	-o) work=$2; shift 2 ;;
	-t) target=$2; shift 2 ;;
	--) shift; break ;;
	*) seconds=$1; shift ;;
	esac
done

cc=${CLANG:-clang}
if ! command -v "$cc" >/dev/null 2>&1; then
	lib_skip "$cc not found (Debian: apt-get install clang libclang-rt-14-dev)"
fi

# Each target: its harness, the code under test, and what that code needs.
libs=
case $target in
virtio)
	srcs="$root/devices/backends/chardev.c
$root/devices/backends/disk_raw.c
$root/devices/core/device.c
$root/devices/core/device_state.c
$root/devices/virtio/virtqueue.c
$root/devices/virtio/virtio_mmio.c
$root/devices/virtio/virtio_mmio_queue.c
$root/devices/virtio/virtio_mmio_state.c
$root/devices/virtio/virtio_blk.c
$root/devices/virtio/virtio_console.c
$root/devices/virtio/virtio_rng.c
$root/devices/virtio/virtio_net.c
$root/devices/virtio/virtio_net_rx.c
$root/devices/virtio/virtio_net_tx.c
$root/devices/backends/net_socket.c
$root/devices/core/guest_mem.c
$root/devices/core/log.c" ;;
elf)
	srcs="$root/vmm/boot/elf.c $root/devices/core/guest_mem.c"
	libs=-lelf ;;
vsock)
	srcs="$root/devices/backends/vsock_unix.c
$root/devices/core/device.c
$root/devices/core/device_state.c
$root/devices/virtio/virtqueue.c
$root/devices/virtio/virtio_mmio.c
$root/devices/virtio/virtio_mmio_queue.c
$root/devices/virtio/virtio_mmio_state.c
$root/devices/virtio/virtio_vsock.c
$root/devices/virtio/virtio_vsock_conn.c
$root/devices/virtio/virtio_vsock_rx.c
$root/devices/virtio/virtio_vsock_state.c
$root/devices/virtio/virtio_vsock_tx.c
$root/devices/core/guest_mem.c
$root/devices/core/log.c" ;;
bzimage) srcs="$root/vmm/boot/bzimage.c" ;;
multiboot) srcs="$root/vmm/boot/multiboot.c $root/devices/core/guest_mem.c" ;;
symbols) srcs="$root/vmm/host/symbols.c" ;;
cli)
	srcs="$root/vmm/cli.c $root/vmm/cli_devices.c $root/vmm/cli_options.c $root/vmm/cli_usage.c $root/vmm/host/control_client.c $root/vmm/host/control_proto.c"
	libs=-ljson-c ;;
control)
	srcs="$root/vmm/host/control_proto.c"
	libs=-ljson-c ;;
snapshot)
	srcs="$root/vmm/host/snapshot_manifest.c
$root/vmm/host/snapshot_manifest_read.c
$root/vmm/host/snapshot_files.c
$root/vmm/kvm/vcpu_state.c
$root/vmm/kvm/vm_state.c
$root/devices/core/device_state.c
$root/devices/core/log.c"
	libs="-ljson-c -lz" ;;
oci)
	srcs="$root/vmm/oci/oci_config.c
$root/vmm/oci/oci_process.c
$root/vmm/oci/oci_linux.c
$root/vmm/oci/oci_mounts.c
$root/vmm/oci/oci_files.c
$root/vmm/oci/oci_vm.c"
	libs=-ljson-c ;;
*)
	echo "fuzz: unknown target '$target' (virtio, vsock, elf, bzimage, multiboot, symbols, cli, snapshot, control, oci)" >&2
	exit 1 ;;
esac
# One work directory per target: corpora of different harnesses do not mix.
[ "$target" = virtio ] || work=$work/$target
mkdir -p "$work/corpus"
bin=$work/fuzz_$target
srcs="$here/fuzz_$target.c
$srcs"

# shellcheck disable=SC2086 # srcs is a newline-separated list of paths without spaces
if ! "$cc" -std=gnu11 -g -O1 -D_GNU_SOURCE -Wall -Wextra -Werror \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer -DKVMINI_VERSION='"fuzz"' -I"$root/include" -I"$root/vmm" \
	$srcs $libs -o "$bin" 2>"$work/build.log"; then
	if grep -q "libclang_rt.fuzzer\|cannot find.*fuzzer" "$work/build.log"; then
		lib_skip "libFuzzer runtime missing (Debian: apt-get install libclang-rt-14-dev)"
	fi
	cat "$work/build.log" >&2
	fail "build failed"
fi
[ "$seconds" -eq 0 ] && { echo "built $bin"; exit 0; }

# New inputs go to the first corpus directory; the checked-in seeds are read only.
seeds=
[ -d "$here/corpus/$target" ] && seeds=$here/corpus/$target
echo "fuzz: running $bin for ${seconds}s (corpus $work/corpus)"
# libFuzzer's own default error exit code is 77, which Meson reads as "skipped".
# shellcheck disable=SC2086
"$bin" -max_total_time="$seconds" -error_exitcode=1 -timeout=10 -timeout_exitcode=1 \
	-print_final_stats=1 -artifact_prefix="$work/" "$@" "$work/corpus" $seeds
