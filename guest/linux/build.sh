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
#                    + our own programs (guest_programs: /bin/kvmini-vsock,
#                    /bin/kvmini-exec)
#   rootfs.ext4      64 MiB ext4 root disk: busybox + /sbin/init (init.sh)
#                    + the same programs
#   manifest         what was built, from which inputs, and how long it took
# and prints that directory as the LAST line of stdout, so that callers can do
#   dir=$(guest/linux/build.sh | tail -n 1)
# All build chatter goes to stderr.
#
# Two caches, so that editing /init does not rebuild the kernel:
#   linux-kernel-<key>  the kernel, built by kernel.sh (see there)
#   linux-<key>         the directory above: the kernel's files (hard links)
#                       plus the user space built here; <key> hashes the
#                       kernel directory's name, this script, lib.sh, init.sh,
#                       each guest program's .c, build-vsock.sh, the versions of
#                       busybox-static, e2fsprogs, musl-tools and
#                       linux-libc-dev, and the compiler's version.
# Both live under ${KVMINI_CACHE:-/var/cache/kvmini}. If a directory already
# exists complete, it is only printed. A build happens in a temporary
# directory that is renamed into place at the very end, so an interrupted
# build never leaves a directory that looks complete.
#
# Environment:
#   KVMINI_CACHE       cache root (default /var/cache/kvmini; a non-root user
#                      who cannot write there gets ~/.cache/kvmini)
#   KVMINI_JOBS        make -j value for the kernel (default: nproc)
#   KVMINI_KEEP_BUILD  1 = keep the build trees (paths printed on stderr)
#
# When run as root it installs its build dependencies with apt-get.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self="$here/$(basename "${BASH_SOURCE[0]}")"
# shellcheck source=lib.sh
. "$here/lib.sh"
tag=guest-linux
init_script="$here/init.sh"
# Programs of our own, each guest/linux/NAME.c built by build-vsock.sh
# (static, musl, no AVX: it says why) and installed as /bin/NAME in both
# images. kvmini-vsock: a netcat for AF_VSOCK (busybox's nc has none);
# kvmini-exec: the OCI agent's process starter (vmm/oci/agent.sh).
guest_programs=(kvmini-vsock kvmini-exec)
static_build="$here/build-vsock.sh"
rootfs_size_mib=64

# musl-tools: the guest programs are linked against musl (build-vsock.sh).
build_packages=(busybox-static e2fsprogs musl-tools)

# Files every output directory must hold; manifest is written last.
kernel_outputs=(bzImage vmlinux System.map config kernelrelease)
outputs=("${kernel_outputs[@]}" initramfs.cpio rootfs.ext4)

# The kernel command line this guest needs on every host, for the manifest.
# What a particular KVM host needs besides is not a build input (the kernel
# is the same everywhere, and building needs no /dev/kvm): the monitor knows
# it (vmm/kvm/host_quirks.c) and prints it with `kvmini host-info`.
cmdline_base="console=ttyS0 reboot=t"

usage() {
	sed -n '2,/^set -euo/p' "$self" | sed '$d; s/^# \{0,1\}//'
}

key_inputs() {
	local p n
	echo "kernel $(basename "$kernel_dir")"
	echo "busybox-static $(pkg_version busybox-static)"
	echo "e2fsprogs $(pkg_version e2fsprogs)"
	echo "musl-tools $(pkg_version musl-tools)"
	echo "linux-libc-dev $(pkg_version linux-libc-dev)"
	echo "compiler $(musl-gcc -dumpfullversion 2>/dev/null || echo missing)"
	echo "rootfs-size ${rootfs_size_mib}MiB"
	for p in "$self" "$here/lib.sh" "$init_script" "$static_build"; do
		echo "$(file_hash "$p") ${p#"$here"/}"
	done
	for n in "${guest_programs[@]}"; do
		echo "$(file_hash "$here/$n.c") $n.c"
	done
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
	local d applet n
	for d in /bin /sbin /usr /usr/bin /usr/sbin /dev /etc /proc /sys /root /mnt /run; do
		echo "dir $d 0755 0 0"
	done
	echo "dir /tmp 1777 0 0"
	echo "file /bin/busybox /bin/busybox 0755 0 0"
	for n in "${guest_programs[@]}"; do
		echo "file /bin/$n $work/$n 0755 0 0"
	done
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
	local out=$1
	{
		tree_spec few
		# Device nodes needed before init.sh mounts devtmpfs: the
		# kernel opens /dev/console for init's stdio, and the first
		# thing init.sh does is write the boot marker to /dev/port.
		echo "nod /dev/console 0600 0 0 c 5 1"
		echo "nod /dev/null 0666 0 0 c 1 3"
		echo "nod /dev/port 0640 0 0 c 1 4"
	} >"$work/initramfs.list"
	"$kernel_dir/gen_init_cpio" "$work/initramfs.list" >"$out"
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

# The kernel's files are hard links into the kernel cache (same file
# system), copies where links are impossible.
build_into() {
	local stage=$1 f n
	for f in "${kernel_outputs[@]}"; do
		ln "$kernel_dir/$f" "$stage/$f" 2>/dev/null || cp "$kernel_dir/$f" "$stage/$f"
	done
	log "building ${guest_programs[*]}, initramfs.cpio and rootfs.ext4"
	for n in "${guest_programs[@]}"; do
		"$static_build" "$work/$n" "$here/$n.c" || die "build-vsock.sh could not build $n"
	done
	make_etc_files
	make_initramfs "$stage/initramfs.cpio"
	make_rootfs "$stage/rootfs.ext4"
}

write_manifest() {
	local dir=$1 f
	{
		echo "# kvmini minimal Linux guest, built by guest/linux/build.sh"
		echo "key: $key"
		echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) in ${build_seconds}s (user space; the kernel: $kernel_dir/manifest)"
		echo "kernel: $(cat "$dir/kernelrelease")"
		echo
		echo "inputs:"
		key_inputs | sed 's/^/  /'
		echo
		echo "outputs (size sha256):"
		for f in "${outputs[@]}"; do
			echo "  $f $(stat -c %s "$dir/$f") $(file_hash "$dir/$f")"
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
	local kernel_args=()
	force=0
	for arg in "$@"; do
		case "$arg" in
		--force)
			force=1
			kernel_args+=(--force)
			;;
		-h | --help)
			usage
			exit 0
			;;
		*) die "unknown argument '$arg' (try --help)" ;;
		esac
	done
	kernel_dir=$("$here/kernel.sh" "${kernel_args[@]}" | tail -n 1) ||
		die "the kernel build failed (guest/linux/kernel.sh)"
	is_complete "$kernel_dir" "${kernel_outputs[@]}" gen_init_cpio ||
		die "guest/linux/kernel.sh gave '$kernel_dir', which is not a complete kernel directory"
	build_cached linux
}

main "$@"
