#!/bin/sh
# SPDX-License-Identifier: MIT
#
# lab5.sh: the check of lab 5 (docs/labs/lab5-linux-boot.md). Boots the
# minimal Linux guest (guest/linux/) once with the student's kernel command
# line, guest/labs/lab5.cmdline, under `kvmini run --boot-times`, and checks:
#   - the guest ran to the end: kvmini exited 0;
#   - the kernel kept quiet on the console: no "Linux version" banner;
#   - the command after " -- " ran: a line "lab5: kernel 6.<...>";
#   - it wrote marker 42 to the test device, after /init started (marker 2).
# Then it prints the boot phases.
#
# Usage: lab5.sh KVMINI CMDLINE-FILE
#   The Linux guest comes from $KVMINI_LINUX_DIR, or else the newest
#   guest/linux/build.sh output in ${KVMINI_CACHE:-/var/cache/kvmini} or
#   ~/.cache/kvmini.
# Exit status: 0 pass, 1 fail, 77 skip (no /dev/kvm, or no Linux guest built).
set -u
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
kvmini=$1
cmdline_file=$2

lib_require_kvm
linux=${KVMINI_LINUX_DIR:-}
if [ -z "$linux" ]; then
	# The newest complete build (build.sh writes manifest last).
	linux=$(ls -dt "${KVMINI_CACHE:-/var/cache/kvmini}"/linux-*/ "$HOME"/.cache/kvmini/linux-*/ \
		2>/dev/null | while read -r d; do
		[ -f "$d/manifest" ] && { echo "${d%/}"; break; }
	done)
fi
if [ -z "$linux" ] || [ ! -f "$linux/initramfs.cpio" ]; then
	lib_skip "no Linux guest built: run guest/linux/build.sh (see guest/linux/README.md)"
fi
kernel=$linux/vmlinux
[ -f "$kernel" ] || kernel=$linux/bzImage
lib_init lab5
[ -f "$cmdline_file" ] ||
	fail "$cmdline_file does not exist: write your kernel command line there"
cmdline=$(cat "$cmdline_file")
dir=$tmp

echo "lab5: $kvmini run --kernel $kernel --initrd $linux/initramfs.cpio --boot-times"
echo "lab5:     --cmdline '$cmdline'"
timeout --kill-after=10 290 "$kvmini" run --kernel "$kernel" --initrd "$linux/initramfs.cpio" \
	--cmdline "$cmdline" --boot-times --timeout 280 >"$dir/out" 2>"$dir/err" </dev/null
status=$?
tr -d '\r' <"$dir/out" >"$dir/console"
cat "$dir/console" "$dir/err"

[ $status -eq "$STATUS_OK" ] || check_fail "kvmini exited with status $status, expected 0"
if grep -q 'Linux version ' "$dir/console"; then
	check_fail "the kernel printed its banner: the console is not quiet"
fi
grep -Eq '^lab5: kernel 6\.[0-9]+' "$dir/console" ||
	check_fail "no line 'lab5: kernel 6.x...' from the command after ' -- '"

# "kvmini:  65106.273  Linux /init (marker 2)" -> milliseconds of marker N
mark() {
	sed -n "s/^kvmini: *\\([0-9.]*\\)  .*(marker $1)\$/\\1/p" "$dir/err" | head -n 1
}
run=$(sed -n 's/^kvmini: *\([0-9.]*\)  first KVM_RUN$/\1/p' "$dir/err")
init=$(mark 2)
student=$(mark 42)
if [ -z "$student" ]; then
	check_fail "--boot-times shows no marker 42"
elif [ -z "$init" ] || ! awk -v a="$init" -v b="$student" 'BEGIN { exit !(b > a) }'; then
	check_fail "marker 42 ($student ms) does not come after /init's marker 2 (${init:-none})"
else
	awk -v r="${run:-0}" -v i="$init" -v s="$student" 'BEGIN {
		printf "lab5: kernel boot (first KVM_RUN to /init): %9.1f ms\n", i - r
		printf "lab5: user space (/init to marker 42):      %9.1f ms\n", s - i
	}'
fi

[ "$lib_failed" = 0 ] && echo "lab5: OK"
lib_finish
