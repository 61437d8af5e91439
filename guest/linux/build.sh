#!/usr/bin/env bash
# Build the kvmini minimal Linux guest from Debian's own packages.
#
# Usage: guest/linux/build.sh [--force] [--help]
#
# Produces, in a cache directory OUTSIDE the repository,
#   bzImage          LZ4-compressed kernel (Linux x86 boot protocol)
#   vmlinux          the same kernel as an ELF with a PVH entry note
#   System.map       symbol addresses (map an emulation-failure RIP to code)
#   config           the kernel .config that was built
#   initramfs.cpio   uncompressed newc cpio: busybox + /init (init.sh)
#   rootfs.ext4      64 MiB ext4 root disk: busybox + /sbin/init (init.sh)
#   manifest         what was built, from which inputs, and how long it took
# and prints that directory as the LAST line of stdout, so that callers can do
#   dir=$(guest/linux/build.sh | tail -n 1)
# All build chatter goes to stderr.
#
# The directory is ${KVMINI_CACHE:-/var/cache/kvmini}/linux-<key>, where <key>
# is a hash of every input (see compute_key). If it already exists the script
# only prints it. A build happens in a temporary directory that is renamed
# into place at the very end, so an interrupted build never leaves a
# directory that looks complete.
#
# Environment:
#   KVMINI_CACHE       cache root (default /var/cache/kvmini; a non-root user
#                      who cannot write there gets ~/.cache/kvmini)
#   KVMINI_JOBS        make -j value (default: nproc)
#   KVMINI_KEEP_BUILD  1 = keep the kernel build tree (path printed on stderr)
#
# When run as root it installs its build dependencies with apt-get.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self="$here/$(basename "${BASH_SOURCE[0]}")"
fragment="$here/kvmini.config"
init_script="$here/init.sh"
patch_dir="$here/patches"
kernel_tarball=/usr/src/linux-source-6.1.tar.xz
rootfs_size_mib=64

# Debian packages the build needs (lz4: the KERNEL_LZ4 bzImage compressor).
build_packages=(bc bison flex libssl-dev libelf-dev linux-source-6.1
	busybox-static e2fsprogs xz-utils make gcc lz4 patch)

# Files every output directory must hold; manifest is written last.
outputs=(bzImage vmlinux System.map config initramfs.cpio rootfs.ext4)

# The kernel command line this guest needs on every host, for the manifest.
# What a particular KVM host needs besides is not a build input (the kernel
# is the same everywhere, and building needs no /dev/kvm): the monitor knows
# it (vmm/kvm/host_quirks.c) and prints it with `kvmini host-info`.
cmdline_base="console=ttyS0 reboot=t"

log() { printf 'guest-linux: %s\n' "$*" >&2; }
die() {
	printf 'guest-linux: error: %s\n' "$*" >&2
	exit 1
}

usage() {
	sed -n '2,/^set -euo/p' "$self" | sed '$d; s/^# \{0,1\}//'
}

# Version of an installed Debian package, or "missing".
pkg_version() {
	dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null |
		awk '$3 == "installed" { print $4; found = 1 } END { if (!found) print "missing" }'
}

# Install what is missing (as root), or say exactly what is missing.
ensure_packages() {
	local missing=() p
	for p in "${build_packages[@]}"; do
		[ "$(pkg_version "$p")" != missing ] || missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	if [ "$(id -u)" -ne 0 ]; then
		die "missing packages: ${missing[*]} (run as root, or: apt-get install ${missing[*]})"
	fi
	log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y --no-install-recommends "${missing[@]}" >&2 ||
		{ apt-get update >&2 && apt-get install -y --no-install-recommends "${missing[@]}" >&2; } ||
		die "apt-get install ${missing[*]} failed"
}

# The cache key: a short hash over everything that changes the outputs.
# Printed in full into the manifest as well.
key_inputs() {
	local p
	echo "linux-source-6.1 $(pkg_version linux-source-6.1)"
	echo "busybox-static $(pkg_version busybox-static)"
	echo "e2fsprogs $(pkg_version e2fsprogs)"
	echo "gcc $(gcc -dumpfullversion 2>/dev/null || echo missing)"
	echo "lz4 $(pkg_version lz4)"
	echo "rootfs-size ${rootfs_size_mib}MiB"
	for p in "$self" "$fragment" "$init_script" "$patch_dir"/*.patch; do
		echo "$(sha256sum <"$p" | cut -c1-16) ${p#"$here"/}"
	done
}

compute_key() {
	key_inputs | sha256sum | cut -c1-12
}

# Is $1 a finished output directory?
is_complete() {
	local f
	[ -f "$1/manifest" ] || return 1
	for f in "${outputs[@]}"; do
		[ -s "$1/$f" ] || return 1
	done
}

choose_cache_root() {
	cache_root=${KVMINI_CACHE:-/var/cache/kvmini}
	if [ -z "${KVMINI_CACHE:-}" ] && [ "$(id -u)" -ne 0 ] &&
		! { mkdir -p "$cache_root" 2>/dev/null && [ -w "$cache_root" ]; }; then
		cache_root=${XDG_CACHE_HOME:-$HOME/.cache}/kvmini
	fi
}

# ---- kernel ----------------------------------------------------------------

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
		printf 'guest-linux: config option did not stick: %s\n' "${bad[@]}" >&2
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

# ---- user space ------------------------------------------------------------

# The file tree both the initramfs and the root disk hold, as lines of the
# kernel's usr/gen_init_cpio format ("dir", "file", "slink", "nod"), so that
# ownership is root and device nodes need no privileges.
# $1 = all: a /bin symlink for every busybox applet (root disk).
# $1 = few: only the ones init.sh runs before /proc is mounted, plus /bin/sh
#     (initramfs). Creating ~270 symlinks while unpacking the initramfs took
#     18 s when the kernel is emulated; busybox sh runs any applet by name
#     without a symlink (FEATURE_SH_STANDALONE), and so do env, xargs and
#     friends (FEATURE_PREFER_APPLETS). `busybox --install -s` adds the rest.
tree_spec() {
	local d applet
	for d in /bin /sbin /usr /usr/bin /usr/sbin /dev /etc /proc /sys /root /mnt /run; do
		echo "dir $d 0755 0 0"
	done
	echo "dir /tmp 1777 0 0"
	echo "file /bin/busybox /bin/busybox 0755 0 0"
	if [ "$1" = all ]; then
		busybox --list-full
	else
		printf '%s\n' bin/sh bin/dd bin/mount bin/stty bin/sync \
			sbin/reboot usr/bin/setsid bin/cttyhack
	fi | while read -r applet; do
		case "$applet" in
		bin/busybox | sbin/init) ;;
		*/*) echo "slink /$applet /bin/busybox 0777 0 0" ;;
		esac
	done
	echo "file /init $init_script 0755 0 0"
	# A kernel that mounts a real root runs /sbin/init: the same script.
	echo "slink /sbin/init /init 0777 0 0"
	echo "file /etc/passwd $work/passwd 0644 0 0"
	echo "file /etc/group $work/group 0644 0 0"
	echo "file /etc/fstab $work/fstab 0644 0 0"
}

make_etc_files() {
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$work/passwd"
	printf 'root:x:0:\n' >"$work/group"
	# init.sh mounts these with one `mount -a`.
	printf '%s\n' 'proc /proc proc defaults 0 0' \
		'sysfs /sys sysfs defaults 0 0' \
		'devtmpfs /dev devtmpfs defaults 0 0' >"$work/fstab"
}

# Uncompressed newc cpio (gunzip is slow when the kernel is emulated).
make_initramfs() {
	local src=$1 out=$2
	{
		tree_spec few
		# Device nodes needed before init.sh mounts devtmpfs: the
		# kernel opens /dev/console for init's stdio, and the first
		# thing init.sh does is write the boot marker to /dev/port.
		echo "nod /dev/console 0600 0 0 c 5 1"
		echo "nod /dev/null 0666 0 0 c 1 3"
		echo "nod /dev/port 0640 0 0 c 1 4"
	} >"$work/initramfs.list"
	"$src/usr/gen_init_cpio" "$work/initramfs.list" >"$out"
}

# ext4 image from a staging tree. The kernel mounts it as root (root=/dev/vda)
# and runs /sbin/init; /dev is populated by CONFIG_DEVTMPFS_MOUNT.
make_rootfs() {
	local out=$1 stage="$work/rootfs" type path a b _ uuid
	rm -rf "$stage"
	mkdir -p "$stage"
	tree_spec all | while read -r type path a b _; do
		case "$type" in
		dir)
			mkdir -p "$stage$path"
			chmod "$a" "$stage$path"
			;;
		file)
			cp "$a" "$stage$path"
			chmod "$b" "$stage$path"
			;;
		slink) ln -s "$a" "$stage$path" ;;
		esac
	done
	# Deterministic UUID and directory hash seed (derived from the key).
	uuid=$(printf '%s' "$key" | sha256sum |
		sed -E 's/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/\1-\2-\3-\4-\5/')
	rm -f "$out"
	# No lazy init: otherwise the guest kernel would zero inode tables and
	# the journal in the background after the first mount.
	mke2fs -q -t ext4 -F -L kvmini-root -U "$uuid" \
		-E "lazy_itable_init=0,lazy_journal_init=0,root_owner=0:0,hash_seed=$uuid" \
		-d "$stage" "$out" "${rootfs_size_mib}M" >&2
	# Files copied by a non-root user carry that user's ids: make them root's.
	if [ "$(id -u)" -ne 0 ]; then
		(cd "$stage" && find . -mindepth 1 -printf '/%P\n') |
			awk '{ print "sif " $0 " uid 0"; print "sif " $0 " gid 0" }' >"$work/chown.debugfs"
		debugfs -w -f "$work/chown.debugfs" "$out" >/dev/null 2>&1 ||
			die "debugfs could not set file owners in $out"
	fi
	e2fsck -fn "$out" >&2 || die "e2fsck found problems in $out"
}

write_manifest() {
	local dir=$1 f
	{
		echo "# kvmini minimal Linux guest, built by guest/linux/build.sh"
		echo "key: $key"
		echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) in ${build_seconds}s with make -j$jobs on $(nproc) CPUs"
		echo "kernel: $(cat "$dir/kernelrelease")"
		echo
		echo "inputs:"
		key_inputs | sed 's/^/  /'
		echo
		echo "outputs (size sha256):"
		for f in "${outputs[@]}"; do
			echo "  $f $(stat -c %s "$dir/$f") $(sha256sum <"$dir/$f" | cut -c1-16)"
		done
		echo
		echo "kernel command line, every host: $cmdline_base"
		echo "  initramfs boot: add nothing (rdinit=/init is the default)"
		echo "  disk boot: root=/dev/vda rw rootfstype=ext4 and a virtio-mmio blk device"
		echo "  run a command: append ' -- COMMAND' as the very last thing"
		echo "kernel command line additions a KVM host needs: 'kvmini host-info' prints them"
		echo "  (linux_cmdline); kvmini adds them itself"
	} >"$dir/manifest"
}

# ---- main ------------------------------------------------------------------

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

	choose_cache_root
	key=$(compute_key)
	out="$cache_root/linux-$key"

	if [ "$force" -eq 0 ] && is_complete "$out"; then
		echo "$out"
		exit 0
	fi

	ensure_packages
	# Installing packages may have changed versions that are part of the key.
	key=$(compute_key)
	out="$cache_root/linux-$key"
	jobs=${KVMINI_JOBS:-$(nproc)}

	mkdir -p "$cache_root" || die "cannot create cache root $cache_root (set KVMINI_CACHE)"
	# One builder per key at a time; a second one waits, then finds it done.
	exec 9>"$cache_root/.linux-$key.lock"
	flock 9
	if [ "$force" -eq 0 ] && is_complete "$out"; then
		echo "$out"
		exit 0
	fi

	# Leftovers of killed builds of this key: nobody else holds its lock.
	rm -rf "$cache_root/.linux-$key.build."*

	# Build and stage next to the final directory (same file system: the final
	# rename is atomic).
	work=$(mktemp -d "$cache_root/.linux-$key.build.XXXXXX")
	cleanup() {
		if [ "${KVMINI_KEEP_BUILD:-0}" = 1 ]; then
			log "build tree kept in $work"
		else
			rm -rf "$work"
		fi
	}
	trap cleanup EXIT

	start=$(date +%s)
	src="$work/src"
	stage="$work/out"
	mkdir -p "$src" "$stage"

	log "cache key $key; building in $work with make -j$jobs"
	log "extracting $kernel_tarball"
	tar -xJf "$kernel_tarball" -C "$src" --strip-components=1
	apply_patches "$src"
	configure_kernel "$src"
	log "building the kernel (several minutes)"
	build_kernel "$src"

	cp "$src/arch/x86/boot/bzImage" "$stage/bzImage"
	cp "$src/vmlinux" "$stage/vmlinux"
	cp "$src/System.map" "$stage/System.map"
	cp "$src/.config" "$stage/config"
	make -s -C "$src" ARCH=x86_64 kernelrelease >"$stage/kernelrelease"

	log "building initramfs.cpio and rootfs.ext4"
	make_etc_files
	make_initramfs "$src" "$stage/initramfs.cpio"
	make_rootfs "$stage/rootfs.ext4"

	build_seconds=$(($(date +%s) - start))
	write_manifest "$stage"

	rm -rf "$out"
	mv -T "$stage" "$out"
	log "done in ${build_seconds}s"
	echo "$out"
}

main "$@"
