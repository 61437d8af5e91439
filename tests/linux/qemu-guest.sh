#!/bin/bash
# SPDX-License-Identifier: MIT
#
# qemu-guest.sh: the minimal Linux guest's own behaviour, booted by QEMU's
# software emulation (tests/qemu-vmm.sh) on hosts without KVM. It checks the
# guest image (guest/linux: kernel configuration, /init, busybox), not
# kvmini, whose side of each feature has its own tests (unit tests, and
# tests with KVM). Its network is tested by net-test.sh, under kvmini and
# under QEMU.
#
# Usage: qemu-guest.sh CASE SOURCE-ROOT
#   tty    (/init's kvmini.tty=) with kvmini.tty=none the interactive shell
#          sends no ESC[6n cursor probe (nobody would answer it); with
#          kvmini.tty=101x33, `stty size` in that shell prints "33 101".
#   disk   (/init's exit path) a read-write boot from the ext4 root disk
#          writes a file and ends: the file system is left clean (e2fsck -fn
#          passes, no journal to replay), and a read-only boot reads the file.
#   ready  (/init's kvmini.ready mode, which snapshot templates use) the
#          guest prints KVMINI-READY, reads one command line from the
#          console, runs it without echoing it, and ends with its status.
#   vsock-tool  (guest/linux/kvmini-vsock.c as the image holds it: static
#          musl) the guest's vsock netcat runs in the guest: two copies relay
#          `seq` output both ways over a Unix socket (its --unix test hook;
#          QEMU's vsock needs /dev/vhost-vsock, which this host lacks), and a
#          vsock connect without a vsock device fails with a clear message
#          and status 1 (the kernel has AF_VSOCK). The transfer over real
#          vsock is tests/linux/linux-test.sh's `vsock` case (needs KVM).
#
# The guest comes from $KVMINI_LINUX_DIR or guest/linux/build.sh.
# Exit status 0 pass, 1 fail, 77 skip.
set -u
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
case_name=${1:?usage: qemu-guest.sh CASE SOURCE-ROOT}
: "${2:?usage: qemu-guest.sh CASE SOURCE-ROOT}" # the source root: lib.sh finds it itself
lib_init "qemu-guest[$case_name]"
say() { echo "qemu-guest[$case_name]: $*"; }

command -v qemu-system-x86_64 >/dev/null ||
	lib_skip "no qemu-system-x86_64 (apt-get install qemu-system-x86)"
lib_linux_guest vmlinux initramfs.cpio rootfs.ext4

# boot_typed CMDLINE PATTERN INPUT: boot with CMDLINE, wait for a console
# line matching PATTERN (grep), type INPUT; sets $status, output in $tmp/out.
boot_typed() {
	rm -f "$tmp/in"
	mkfifo "$tmp/in"
	"$lib_root/tests/qemu-vmm.sh" run --timeout 300 --mem 128M \
		--kernel "$linux/vmlinux" --initrd "$linux/initramfs.cpio" \
		--cmdline "$1" <"$tmp/in" >"$tmp/log" 2>&1 &
	vmm=$!
	lib_pids="$vmm"
	exec 3>"$tmp/in"
	for _ in $(seq 600); do
		grep -q "$2" "$tmp/log" && break
		kill -0 "$vmm" 2>/dev/null || break
		sleep 0.5
	done
	printf '%s\n' "$3" >&3
	# Keep the console's input open until the guest ends: QEMU drops input
	# it has not passed to the UART yet when its stdin ends.
	wait "$vmm"
	status=$?
	exec 3>&-
	tr -d '\r' <"$tmp/log" >"$tmp/out"
	cat "$tmp/out"
}

# The snapshot template's mode: READY, then one command from the console.
case_ready() {
	# shellcheck disable=SC2016 # the guest's shell expands it
	boot_typed "console=ttyS0 kvmini.ready" "^KVMINI-READY" 'echo restored-$((20 + 22)); exit 3'
	[ "$status" -eq 3 ] || check_fail "the guest ended with status $status, want 3 (the typed exit 3)"
	grep -qx "restored-42" "$tmp/out" || check_fail "the typed command did not run"
	! grep -q 'restored-\$' "$tmp/out" || check_fail "the typed command was echoed into the output"
}

# kvmini.tty= (kvmini adds it: vmm/host/stdin_console.c): no cursor probe
# into a pipe, and the terminal's size for the interactive shell.
case_tty() {
	# shellcheck disable=SC2016 # the guest's shell expands it
	boot_typed "console=ttyS0 kvmini.tty=none" "kvmini# " 'echo piped-$((6 * 7)); exit 4'
	[ "$status" -eq 4 ] || check_fail "none: status $status, want 4 (the typed exit 4)"
	grep -q "piped-42" "$tmp/out" || check_fail "none: the typed command did not run"
	! grep -q "$(printf '\033')\[6n" "$tmp/out" ||
		check_fail "none: an ESC[6n cursor probe reached the output"
	boot_typed "console=ttyS0 kvmini.tty=101x33" "kvmini# " 'stty size; exit 5'
	[ "$status" -eq 5 ] || check_fail "101x33: status $status, want 5 (the typed exit 5)"
	grep -qx "33 101" "$tmp/out" || check_fail "101x33: stty size in the guest did not say '33 101'"
}

# boot [qemu-vmm.sh run options...]: boot with nothing on the console's
# input; sets $status, keeps the console output (LF line ends) in $tmp/out
# and shows it.
boot() {
	"$lib_root/tests/qemu-vmm.sh" run --timeout 300 --mem 128M "$@" </dev/null >"$tmp/log" 2>&1
	status=$?
	tr -d '\r' <"$tmp/log" >"$tmp/out"
	cat "$tmp/out"
}

# A read-write boot must leave ext4 clean for the next, read-only, boot.
case_disk() {
	local word="kept-$$-$RANDOM"
	cp "$linux/rootfs.ext4" "$tmp/root.ext4"
	boot --kernel "$linux/vmlinux" --disk "$tmp/root.ext4" \
		--cmdline "console=ttyS0 root=/dev/vda rw rootfstype=ext4 -- echo $word > /kept.txt"
	[ "$status" -eq 0 ] || check_fail "rw boot: status $status, want 0"
	e2fsck -fn "$tmp/root.ext4" >"$tmp/fsck" 2>&1 ||
		check_fail "e2fsck -fn after the rw boot: $(cat "$tmp/fsck")"
	! dumpe2fs -h "$tmp/root.ext4" 2>/dev/null | grep -q needs_recovery ||
		check_fail "the rw boot left a journal to replay (needs_recovery)"
	dumpe2fs -h "$tmp/root.ext4" 2>/dev/null | grep -Eq '^Filesystem state: +clean$' ||
		check_fail "the rw boot did not leave the file system clean"
	boot --kernel "$linux/vmlinux" --disk "$tmp/root.ext4,ro" \
		--cmdline "console=ttyS0 root=/dev/vda ro rootfstype=ext4 -- cat /kept.txt"
	[ "$status" -eq 0 ] || check_fail "ro boot: status $status, want 0"
	grep -qx "$word" "$tmp/out" || check_fail "the ro boot did not read the file the rw boot wrote"
}

case_vsock_tool() {
	# sleep 1 after the socket file appears: it exists from bind(), a
	# moment before listen().
	# shellcheck disable=SC2016 # the guest's shell expands it
	boot --kernel "$linux/vmlinux" --initrd "$linux/initramfs.cpio" \
		--cmdline 'console=ttyS0 -- "seq 1 200000 | kvmini-vsock listen --unix /tmp/s | sha256sum >/tmp/l & while [ ! -S /tmp/s ]; do sleep 1; done; sleep 1; echo CONNECTOR-GOT $(seq 7 300000 | kvmini-vsock connect --unix /tmp/s | sha256sum); wait; echo LISTENER-GOT $(cat /tmp/l); kvmini-vsock connect 2 5000; echo VSOCK-STATUS $?"'
	[ "$status" -eq 0 ] || check_fail "the guest ended with status $status, want 0"
	grep -q "kvmini-vsock: not found" "$tmp/out" &&
		check_fail "the guest image has no /bin/kvmini-vsock (guest/linux/build.sh installs it)"
	grep -qx "CONNECTOR-GOT $(seq 1 200000 | sha256sum | cut -d" " -f1) -" "$tmp/out" ||
		check_fail "kvmini-vsock connect did not write what the listener's stdin held"
	grep -qx "LISTENER-GOT $(seq 7 300000 | sha256sum | cut -d" " -f1) -" "$tmp/out" ||
		check_fail "kvmini-vsock listen did not write what the connector's stdin held"
	grep -q "^kvmini-vsock: cannot connect to vsock CID 2 port 5000: " "$tmp/out" ||
		check_fail "a vsock connect without a vsock device gave no clear message"
	! grep -q "no AF_VSOCK" "$tmp/out" || check_fail "the guest kernel has no AF_VSOCK"
	grep -qx "VSOCK-STATUS 1" "$tmp/out" ||
		check_fail "a vsock connect without a vsock device did not end with status 1"
}

case $case_name in
vsock-tool) case_vsock_tool ;;
ready) case_ready ;;
disk) case_disk ;;
tty) case_tty ;;
*) fail "unknown case '$case_name'" ;;
esac
[ "$lib_failed" = 0 ] && say "OK"
lib_finish
