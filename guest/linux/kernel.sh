#!/usr/bin/env bash
# Build the kvmini guest's Linux kernel from Debian's linux-source-6.1.
#
# Usage: guest/linux/kernel.sh [--force] [--help]
#
# Produces, in a cache directory OUTSIDE the repository,
#   bzImage          LZ4-compressed kernel (Linux x86 boot protocol)
#   vmlinux          the same kernel as an ELF with a PVH entry note
#   System.map       symbol addresses (map an emulation-failure RIP to code)
#   config           the kernel .config that was built
#   kernelrelease    `uname -r` of the kernel
#   gen_init_cpio    the kernel's own cpio writer (build.sh uses it for the
#                    initramfs, so device nodes need no privileges)
#   manifest         inputs, outputs and build time
# and prints that directory as the LAST line of stdout.
#
# The directory is ${KVMINI_CACHE:-/var/cache/kvmini}/linux-kernel-<key>:
# <key> hashes only what changes the kernel (this script, lib.sh,
# kvmini.config, patches/, the Debian versions of linux-source-6.1, gcc and
# lz4). The guest's user space (init.sh, busybox) is build.sh's business, so
# editing /init never rebuilds the kernel. build.sh calls this script; run it
# alone only to rebuild the kernel.
#
# Environment: KVMINI_CACHE, KVMINI_JOBS (make -j, default nproc),
# KVMINI_KEEP_BUILD=1 (keep the kernel tree; path printed on stderr).
# When run as root it installs its build dependencies with apt-get.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self="$here/$(basename "${BASH_SOURCE[0]}")"
# shellcheck source=lib.sh
. "$here/lib.sh"
tag=guest-kernel
fragment="$here/kvmini.config"
patch_dir="$here/patches"
kernel_tarball=/usr/src/linux-source-6.1.tar.xz

# Debian packages the build needs (lz4: the KERNEL_LZ4 bzImage compressor).
build_packages=(bc bison flex libssl-dev libelf-dev linux-source-6.1
	xz-utils make gcc lz4 patch)

outputs=(bzImage vmlinux System.map config kernelrelease gen_init_cpio)

usage() {
	sed -n '2,/^set -euo/p' "$self" | sed '$d; s/^# \{0,1\}//'
}

key_inputs() {
	local p
	echo "linux-source-6.1 $(pkg_version linux-source-6.1)"
	echo "gcc $(gcc -dumpfullversion 2>/dev/null || echo missing)"
	echo "lz4 $(pkg_version lz4)"
	for p in "$self" "$here/lib.sh" "$fragment" "$patch_dir"/*.patch; do
		echo "$(file_hash "$p") ${p#"$here"/}"
	done
}

# Apply the patches in order; any one that does not apply stops the build.
apply_patches() {
	local src=$1 p
	for p in "$patch_dir"/*.patch; do
		log "applying $(basename "$p")"
		patch -d "$src" -p1 --forward --batch --quiet <"$p" >&2 ||
			die "patch $(basename "$p") does not apply to $(basename "$kernel_tarball") $(pkg_version linux-source-6.1)"
	done
}

# tinyconfig, then our fragment with allnoconfig semantics (merge_config -n):
# every symbol the fragment does not name stays at its "no" value.
configure_kernel() {
	local src=$1
	(
		cd "$src"
		make ARCH=x86_64 tinyconfig >&2
		ARCH=x86_64 scripts/kconfig/merge_config.sh -n .config "$fragment" >&2
	)
	verify_config "$src/.config"
}

# Every line of the fragment must hold in the final .config: CONFIG_X=v
# exactly, and "# CONFIG_X is not set" as not =y/=m. Lists all misses.
verify_config() {
	local config=$1 line sym bad=()
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*)
			grep -qxF -- "$line" "$config" ||
				bad+=("$line (got: $(grep -m1 "^${line%%=*}=" "$config" || echo "not set"))")
			;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			if grep -q "^$sym=" "$config"; then
				bad+=("$line (got: $(grep -m1 "^$sym=" "$config"))")
			fi
			;;
		esac
	done <"$fragment"
	if [ ${#bad[@]} -gt 0 ]; then
		printf '%s: config option did not stick: %s\n' "$tag" "${bad[@]}" >&2
		die "${#bad[@]} option(s) of $(basename "$fragment") are not in the final .config (missing dependency?)"
	fi
	log "all options of $(basename "$fragment") are set as requested"
}

build_kernel() {
	local src=$1
	# Fixed build identity so that `uname -a` does not name the build host.
	make -C "$src" ARCH=x86_64 -j"$jobs" \
		KBUILD_BUILD_USER=kvmini KBUILD_BUILD_HOST=kvmini \
		bzImage >&2
	# The PVH entry point is an ELF note of owner "Xen" and type 18
	# (XEN_ELFNOTE_PHYS32_ENTRY), which readelf does not name.
	readelf -n "$src/vmlinux" | grep -Eq '^[[:space:]]+Xen[[:space:]]+0x[0-9a-f]+[[:space:]]+.*\(0x00000012\)' ||
		die "vmlinux has no PVH entry note (Xen note type 0x12)"
}

build_into() {
	local stage=$1 src="$work/src"
	mkdir -p "$src"
	log "extracting $kernel_tarball"
	tar -xJf "$kernel_tarball" -C "$src" --strip-components=1
	apply_patches "$src"
	configure_kernel "$src"
	log "building the kernel with make -j$jobs (several minutes)"
	build_kernel "$src"
	cp "$src/arch/x86/boot/bzImage" "$stage/bzImage"
	cp "$src/vmlinux" "$stage/vmlinux"
	cp "$src/System.map" "$stage/System.map"
	cp "$src/.config" "$stage/config"
	cp "$src/usr/gen_init_cpio" "$stage/gen_init_cpio"
	make -s -C "$src" ARCH=x86_64 kernelrelease >"$stage/kernelrelease"
}

write_manifest() {
	local dir=$1 f
	{
		echo "# kvmini guest kernel, built by guest/linux/kernel.sh"
		echo "key: $key"
		echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) in ${build_seconds}s with make -j$jobs on $(nproc) CPUs"
		echo "kernel: $(cat "$dir/kernelrelease")"
		echo
		echo "inputs:"
		key_inputs | sed 's/^/  /'
		echo
		echo "outputs (size sha256):"
		for f in "${outputs[@]}"; do
			echo "  $f $(stat -c %s "$dir/$f") $(file_hash "$dir/$f")"
		done
	} >"$dir/manifest"
}

# Everything runs inside main(), which bash parses completely before running
# it: editing this file while a build runs cannot derail that build.
main() {
	force=0
	for arg in "$@"; do
		case "$arg" in
		--force) force=1 ;;
		-h | --help)
			usage
			exit 0
			;;
		*) die "unknown argument '$arg' (try --help)" ;;
		esac
	done
	jobs=${KVMINI_JOBS:-$(nproc)}
	build_cached linux-kernel
}

main "$@"
