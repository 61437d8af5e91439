#!/bin/bash
# Install every Debian 12 package kvmini's build, tests, guest kernel and
# benchmarks use. Idempotent: does nothing (and needs no network) when all
# are present. Run as root.
set -euo pipefail

packages=(
	# build
	gcc make meson ninja-build pkg-config binutils clang-format
	libfdt-dev libelf-dev check libseccomp-dev
	# virtio-net user-mode networking (devices/backends/net_slirp.c); slirp.pc
	# requires glib-2.0, which libslirp-dev does not pull in
	libslirp-dev libglib2.0-dev
	# JSON: the control socket, snapshot manifests, OCI config.json
	libjson-c-dev
	# fuzzing (libFuzzer ships with clang's runtime)
	clang libclang-rt-14-dev
	# the minimal Linux guest (guest/linux/build.sh)
	linux-source-6.1 bc bison flex libssl-dev busybox-static e2fsprogs xz-utils lz4 patch
	# the guest's vsock netcat, kvmini-vsock: static, against musl (no AVX;
	# guest/linux/build-vsock.sh says why)
	musl-tools
	# benchmarks: peers to measure against; qemu-system-x86 also brings
	# qemu-system-common, whose /usr/lib/qemu/virtiofsd serves --share
	qemu-system-x86 runc crun python3
	# tests/oci/podman.sh and containerd.sh: the tools that drive kvmini-oci
	# as they drive runc (podman brings conmon; containerd its runc shim),
	# and tmux for `podman run -it`. Run as root, so no uidmap is needed.
	podman containerd tmux
	# tests/linux/net-test.sh: the host's side of the guest's network (a
	# network namespace, a TAP device, ping)
	iproute2 iputils-ping
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}" >&2
	echo "install-deps: run as root (or install them with apt-get)" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
