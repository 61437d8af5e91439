#!/bin/bash
# SPDX-License-Identifier: MIT
#
# linux-test.sh: boot the minimal Linux guest (guest/linux/) under kvmini
# and check what it did, one scenario per run.
#
# Usage: linux-test.sh CASE KVMINI SOURCE-ROOT
# KVMINI is the monitor, or tests/qemu-vmm.sh for a case that checks only the
# guest (Meson runs `virtiofs` so as linux-qemu-virtiofs, without KVM).
#   bzimage     bzImage + initramfs: `uname -a` runs, /init's marker shows up
#               in --boot-times, /init ends the run through the test device
#   pvh-smp     vmlinux (PVH entry) + initramfs, 2 vCPUs: the guest counts
#               2 CPUs, writes to hvc0 (virtio-console into a file), then
#               reboots (the kernel's own reboot: `busybox reboot -f`, not
#               /init's `reboot`, which ends the run through the test
#               device): the reboot ends the run with status 0
#   root-disk   vmlinux, root file system on virtio-blk: the guest writes a
#               file and syncs, then powers off (`busybox poweroff -f`: the
#               kernel halts, having no ACPI): the halt ends the run with
#               status 0, and the host reads the file from the image
#   panic       init exits (rdinit=/bin/busybox: busybox without an applet
#               name exits at once): the kernel panics, the run ends with
#               KVMINI_STATUS_PANIC
#   bad-inputs  not a kernel, truncated bzImage, initrd larger than RAM,
#               command line too long, missing initrd, too little RAM:
#               each refused at setup with KVMINI_STATUS_SETUP_ERROR and a
#               clear message
#   virtiofs    two --share directories (virtio-fs over virtiofsd; needs root
#               and virtiofsd, and a guest kernel with CONFIG_VIRTIO_FS):
#               the guest mounts them with `mount -t virtiofs TAG DIR`,
#               reads a file the host wrote, writes one the host then reads,
#               is refused a write on the ro share, and cannot follow a
#               symlink out of the share
#   vsock       --vsock 3,PATH and the guest's vsock netcat, /bin/kvmini-vsock
#               (guest/linux/kvmini-vsock.c), 64 MiB each way on two
#               connections: the guest connects to host port A (kvmini
#               connects it to the Unix socket PATH_A, where vsock-peer.py
#               listens), then listens on port B, which the host reaches
#               through PATH with "CONNECT B\n". On each, both sides send
#               at once: the host random bytes, the guest `seq` output (made
#               in user space: /dev/urandom is kernel work, slow where guest
#               kernel mode is emulated, and nothing is stored in the guest's
#               RAM). Each side's SHA-256 of what it received must match the
#               other's of what it sent
#   durability  the root disk (ext4, rw) under a write loop that syncs
#               each 256 KiB file before it says so; the VMM is killed
#               (SIGKILL), then in a second boot stopped (SIGTERM): each
#               time the last synced file is intact on the host, and after
#               the journal's replay (e2fsck -E journal_only) e2fsck -fn
#               finds nothing to fix (issue 10)
#   crash-dump  (hosts that emulate guest kernel mode only, as
#               `kvmini host-info` says) booting without kvmini's host
#               workarounds dies on an instruction the emulator lacks; the
#               dump names the guest function
# Exit statuses by name come from tests/lib.sh (include/abi/kvmini_abi.h).
#
# The guest artefacts come from $KVMINI_LINUX_DIR (scripts/test.sh sets it),
# else from guest/linux/build.sh (lib_linux_guest in tests/lib.sh).
#
# Exit status, as Meson reads it: 0 pass, 77 skip (with the reason), 1 fail.
set -u
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

case_name=${1:?usage: linux-test.sh CASE KVMINI SOURCE-ROOT}
kvmini=${2:?usage: linux-test.sh CASE KVMINI SOURCE-ROOT}
: "${3:?usage: linux-test.sh CASE KVMINI SOURCE-ROOT}" # the source root: lib.sh finds it itself

# A Linux boot takes tens of seconds where KVM emulates guest kernel code
# (more when other work shares the host); under a second on hardware KVM.
TIMEOUT=${KVMINI_LINUX_TIMEOUT:-330}

say() { echo "linux-test[$case_name]: $*"; }

# KVMINI may be tests/qemu-vmm.sh, QEMU's emulation standing in for kvmini
# (the cases that check only the guest, such as virtiofs): no KVM needed.
# bad-inputs checks what kvmini refuses before it opens /dev/kvm without it,
# and skips the rest.
have_kvm=1
if [ "$(basename "$kvmini")" = qemu-vmm.sh ]; then
	command -v qemu-system-x86_64 >/dev/null ||
		lib_skip "no qemu-system-x86_64 (apt-get install qemu-system-x86)"
elif [ "$case_name" = bad-inputs ] && [ -n "$(lib_kvm_problem)" ]; then
	have_kvm=0
else
	lib_require_kvm
fi
lib_init "linux-test[$case_name]"

# ---- the guest artefacts -----------------------------------------------------

lib_linux_guest bzImage vmlinux System.map initramfs.cpio rootfs.ext4
say "Linux guest from $linux"

log=$tmp/log

# run [kvmini run options...]: boot, keep console and monitor output in $log
# (and show it), set $status. Stdin is closed: nothing types at the guest.
run() {
	local shown="" a
	for a in "$@"; do # long arguments (a huge --cmdline) are shortened for the log
		[ ${#a} -le 120 ] || a="${a:0:60}...(${#a} characters)"
		shown="$shown $a"
	done
	say "kvmini run$shown"
	local start=$SECONDS
	timeout --kill-after=10 "$((TIMEOUT + 30))" "$kvmini" run --timeout "$TIMEOUT" "$@" \
		</dev/null >"$log" 2>&1
	status=$?
	# The serial console ends lines with CR LF: keep plain lines for grep.
	sed -i 's/\r$//' "$log"
	cat "$log"
	say "kvmini exit status $status after $((SECONDS - start)) s"
}

expect_status() {
	[ "$status" -eq "$1" ] || fail "expected exit status $1 ($2), got $status"
}

# expect_line REGEX WHY: some output line matches the extended regex.
expect_line() {
	grep -Eq -- "$1" "$log" || fail "no output line matching '$1' ($2)"
	say "ok: $2"
}

expect_no_line() {
	! grep -Eq -- "$1" "$log" || fail "unexpected output line matching '$1' ($2)"
	say "ok: $2"
}

release=$(cat "$linux/kernelrelease" 2>/dev/null || echo "[0-9][^ ]*")

# ---- the cases -------------------------------------------------------------

case_bzimage() {
	run --kernel "$linux/bzImage" --initrd "$linux/initramfs.cpio" --boot-times \
		--cmdline "-- uname -a"
	expect_status "$STATUS_OK" "/init wrote 0 to the test device"
	expect_line "^Linux [^ ]+ $release " "uname -a printed the guest kernel's release"
	expect_line "^KVMINI-EXIT: 0" "/init reached its end and reported status 0"
	expect_line "^kvmini: +[0-9.]+  Linux /init \(marker 2\)$" \
		"--boot-times shows the /init marker"
	expect_line "Command line: .*console=ttyS0 .*-- uname -a" \
		"kvmini added console=ttyS0 before the user's ' -- '"
}

case_pvh_smp() {
	local word="kvmini-hvc-$$-$RANDOM"
	run --kernel "$linux/vmlinux" --initrd "$linux/initramfs.cpio" --cpus 2 \
		--console "file:$tmp/hvc.txt" \
		--cmdline "-- echo cpus=\$(nproc); uname -a; echo $word > /dev/hvc0; busybox reboot -f"
	expect_status "$STATUS_OK" "a guest reboot ends the run with 0"
	expect_line "smp: Brought up 1 node, 2 CPUs" "the kernel started both vCPUs"
	expect_line "^cpus=2$" "nproc in the guest counts 2 CPUs"
	expect_line "^Linux [^ ]+ $release " "the PVH-booted kernel runs user space"
	expect_line "reboot: Restarting system" "the guest rebooted"
	expect_no_line "^KVMINI-EXIT:" "the run ended by the reboot, not through /init's exit"
	# hvc0 is a terminal: its output has CR LF line ends.
	tr -d '\r' <"$tmp/hvc.txt" 2>/dev/null | grep -qxF "$word" ||
		fail "'$word' written to /dev/hvc0 is not in the console file"
	say "ok: what the guest wrote to /dev/hvc0 is in the --console file"
}

case_root_disk() {
	local word="kvmini-disk-$$-$RANDOM"
	cp "$linux/rootfs.ext4" "$tmp/root.img" || fail "cannot copy rootfs.ext4"
	run --kernel "$linux/vmlinux" --disk "$tmp/root.img" \
		--cmdline "root=/dev/vda rw rootfstype=ext4 -- echo $word > /kvmini-test.txt; sync; busybox poweroff -f"
	expect_status "$STATUS_OK" "a guest poweroff ends the run with 0"
	expect_line "VFS: Mounted root \(ext4 filesystem\)" "root is the ext4 image on virtio-blk"
	expect_line "reboot: (System halted|Power down)" "the guest powered off"
	expect_no_line "^KVMINI-EXIT:" "the run ended by the poweroff, not through /init's exit"
	command -v debugfs >/dev/null || PATH=$PATH:/sbin:/usr/sbin
	local got
	got=$(debugfs -R "cat /kvmini-test.txt" "$tmp/root.img" 2>/dev/null)
	[ "$got" = "$word" ] || fail "the image holds '$got' in /kvmini-test.txt, not '$word'"
	say "ok: the host reads back from the image what the guest wrote"
}

case_panic() {
	run --kernel "$linux/vmlinux" --initrd "$linux/initramfs.cpio" --cmdline "rdinit=/bin/busybox"
	expect_status "$STATUS_PANIC" "a guest kernel panic ends the run with KVMINI_STATUS_PANIC"
	expect_line "Kernel panic - not syncing: Attempted to kill init" "the kernel panicked"
}

# refuse WHY PATTERN [kvmini run options...]: setup fails with
# KVMINI_STATUS_SETUP_ERROR and a message.
refuse() {
	local why=$1 pattern=$2
	shift 2
	run "$@"
	[ "$status" -eq "$STATUS_SETUP_ERROR" ] ||
		fail "$why: expected exit status $STATUS_SETUP_ERROR, got $status"
	grep -Eq -- "$pattern" "$log" || fail "$why: no message matching '$pattern'"
	say "ok: $why"
}

case_bad_inputs() {
	echo "this is not a kernel" >"$tmp/not-a-kernel"
	refuse "a text file is not a kernel" "cannot load kernel .*not an ELF" \
		--kernel "$tmp/not-a-kernel"

	head -c 1000000 "$linux/bzImage" >"$tmp/truncated"
	refuse "a truncated bzImage" "cannot boot kernel .*truncated" --kernel "$tmp/truncated"

	truncate -s 200M "$tmp/huge.cpio"
	refuse "an initrd larger than guest RAM" "initrd .*does not fit in guest RAM" \
		--kernel "$linux/bzImage" --mem 128M --initrd "$tmp/huge.cpio"
	refuse "the same with a vmlinux" "initrd .*does not fit in guest RAM" \
		--kernel "$linux/vmlinux" --mem 128M --initrd "$tmp/huge.cpio"

	refuse "a missing initrd" "cannot open initrd .*No such file" \
		--kernel "$linux/bzImage" --initrd "$tmp/no-such-file"

	refuse "too little RAM for the kernel" "needs [0-9]+ MiB of guest RAM" \
		--kernel "$linux/bzImage" --mem 16M

	# The command line's length is checked once the board has added its
	# devices, which needs the VM.
	[ "$have_kvm" = 1 ] ||
		lib_skip "the inputs refused before KVM were refused; the command-line checks need /dev/kvm: $(lib_kvm_problem)"

	local long
	long=$(printf 'x%.0s' $(seq 1 3000))
	refuse "a command line longer than the kernel's cmdline_size" \
		"command line is [0-9]+ bytes, but this kernel takes at most 2047" \
		--kernel "$linux/bzImage" --cmdline "a=$long"
	refuse "the same with a vmlinux (x86 COMMAND_LINE_SIZE)" "takes at most 2047" \
		--kernel "$linux/vmlinux" --cmdline "a=$long"
}

case_virtiofs() {
	local word1="kvmini-fs-host-$$-$RANDOM" word2="kvmini-fs-guest-$$-$RANDOM"
	[ "$(id -u)" -eq 0 ] || lib_skip "--share needs root (virtiofsd's namespace sandbox)"
	[ -x "${KVMINI_VIRTIOFSD:-/usr/lib/qemu/virtiofsd}" ] ||
		lib_skip "virtiofsd is missing (Debian: qemu-system-common)"
	mkdir -p "$tmp/share" "$tmp/ro" "$tmp/outside"
	echo "$word1" >"$tmp/share/from-host.txt"
	echo "SECRET-OUTSIDE" >"$tmp/outside/secret"
	ln -s ../outside/secret "$tmp/share/up"
	# The command is one double-quoted word: the kernel panics beyond ~30
	# init arguments ("Too many boot init vars"; guest/linux/init.sh).
	run --kernel "$linux/bzImage" --initrd "$linux/initramfs.cpio" \
		--share "$tmp/share,hostshare" --share "$tmp/ro,roshare,ro" \
		--cmdline "-- \"mkdir -p /mnt /ro; mount -t virtiofs hostshare /mnt && cat /mnt/from-host.txt; echo $word2 > /mnt/from-guest.txt; mount -t virtiofs roshare /ro; echo x > /ro/nope || echo RO-WRITE-REFUSED; cat /mnt/up || echo ESCAPE-REFUSED; umount /mnt; umount /ro\""
	expect_status "$STATUS_OK" "/init wrote 0 to the test device"
	expect_no_line "unknown filesystem type 'virtiofs'" \
		"the guest kernel has virtio-fs (CONFIG_VIRTIO_FS)"
	expect_line "^$word1\$" "the guest read the file the host wrote"
	[ "$(cat "$tmp/share/from-guest.txt" 2>/dev/null)" = "$word2" ] ||
		fail "the host does not see the guest's file with '$word2'"
	say "ok: the host reads the file the guest wrote"
	expect_line "^RO-WRITE-REFUSED\$" "a write on the ro share failed"
	[ ! -e "$tmp/ro/nope" ] || fail "the guest created a file on the ro share"
	expect_line "^ESCAPE-REFUSED\$" "a symlink out of the share does not reach the host file"
	expect_no_line "SECRET-OUTSIDE" "nothing outside the share was read"
}

# check_vsock_peer X WHAT FIRST LAST: connection X of case_vsock. The host
# end (vsock-peer.py) wrote "SENT sha bytes" and "RECV sha bytes" (or
# "ERROR why") to $tmp/peer-X; it must have received `seq FIRST LAST`, and
# the guest's console line VSOCK-X must name the SHA-256 of what it sent.
vsock_bytes=67108864 # 64 MiB each way
check_vsock_peer() {
	local out="$tmp/peer-$1" got want sent
	[ -s "$out" ] || fail "$2: the host end did not finish"
	! grep '^ERROR' "$out" || fail "$2: the host end failed"
	want="$(seq "$3" "$4" | sha256sum | cut -d' ' -f1) $((($4 - $3 + 1) * 9))"
	got=$(sed -n 's/^RECV //p' "$out")
	[ "$got" = "$want" ] || fail "$2: the host received '$got', want '$want'"
	say "ok: $2: the host received the guest's 64 MiB intact"
	sent=$(sed -n 's/^SENT //p' "$out")
	[ "${sent#* }" = "$vsock_bytes" ] || fail "$2: the host sent '$sent', not 64 MiB"
	expect_line "^VSOCK-$1 ${sent%% *} -\$" "$2: the guest received the host's 64 MiB intact"
}

case_vsock() {
	local lines=7456541 # 8-digit lines: 67108869 bytes, just over 64 MiB
	local vpath="$tmp/vsock" port_a=$((1024 + RANDOM)) port_b=$((40000 + RANDOM % 20000))
	local sa=$((10000000 + RANDOM * 60)) sb=$((10000000 + RANDOM * 60))
	local ea=$((sa + lines - 1)) eb=$((sb + lines - 1)) peer="$lib_root/tests/linux/vsock-peer.py"
	local pid_a pid_b
	# 256 MiB through the guest kernel: seconds on hardware KVM, minutes
	# where guest kernel mode is emulated (not measured there yet).
	[ -n "${KVMINI_LINUX_TIMEOUT:-}" ] || TIMEOUT=600
	export VSOCK_PEER_TIMEOUT=$((TIMEOUT + 30))
	python3 "$peer" serve "${vpath}_$port_a" "$vsock_bytes" "$tmp/peer-A" &
	pid_a=$!
	# Starts once the guest has printed VSOCK-A, so it is listening soon.
	python3 "$peer" connect "$vpath" "$port_b" "$vsock_bytes" "$tmp/peer-B" "$log" VSOCK-A &
	pid_b=$!
	lib_pids="$pid_a $pid_b"
	for _ in $(seq 300); do
		[ -S "${vpath}_$port_a" ] && break
		sleep 0.1
	done
	[ -S "${vpath}_$port_a" ] || fail "vsock-peer.py did not listen on ${vpath}_$port_a"
	# One double-quoted word: the kernel panics beyond ~30 init arguments.
	# pipefail: a failing kvmini-vsock fails the pipeline, not just sha256sum.
	run --kernel "$linux/vmlinux" --initrd "$linux/initramfs.cpio" --mem 256M \
		--vsock "3,$vpath" \
		--cmdline "-- \"set -o pipefail; a=\$(seq $sa $ea | kvmini-vsock connect 2 $port_a | sha256sum) || exit 3; echo VSOCK-A \$a; b=\$(seq $sb $eb | kvmini-vsock listen $port_b | sha256sum) || exit 4; echo VSOCK-B \$b\""
	expect_no_line "kvmini-vsock: not found" \
		"the guest image has /bin/kvmini-vsock (else: rebuild it with guest/linux/build.sh)"
	expect_status "$STATUS_OK" "both transfers ended and /init wrote 0 to the test device"
	# The host ends are done once the guest is; give them a moment, no more.
	for _ in $(seq 40); do
		kill -0 "$pid_a" 2>/dev/null || kill -0 "$pid_b" 2>/dev/null || break
		sleep 0.5
	done
	kill "$pid_a" "$pid_b" 2>/dev/null
	check_vsock_peer A "guest connect to host port $port_a" "$sa" "$ea"
	check_vsock_peer B "host CONNECT to guest port $port_b" "$sb" "$eb"
}

# The VMM killed (SIGKILL) or stopped (SIGTERM) in the middle of an ext4
# write loop on the root disk: every file whose write the guest had synced
# is intact, and once the journal is replayed the file system is clean.
case_durability() {
	local sig
	command -v e2fsck >/dev/null || PATH=$PATH:/sbin:/usr/sbin
	for sig in KILL TERM; do
		cp "$linux/rootfs.ext4" "$tmp/dur.img" || fail "cannot copy rootfs.ext4"
		# Each round writes 256 KiB of one known line to /dN, syncs it,
		# and only then says SYNCED N: a file named there must survive.
		say "$(basename "$kvmini") run, then SIG$sig during the guest's writes"
		TMPDIR=$tmp setsid "$kvmini" run --timeout "$TIMEOUT" --kernel "$linux/vmlinux" --disk "$tmp/dur.img" \
			--cmdline "root=/dev/vda rw rootfstype=ext4 -- \"i=0; while :; do i=\$((i + 1)); yes round-\$i | head -c 262144 > /d\$((i % 4)); sync -f /d\$((i % 4)) && echo SYNCED \$i; done\"" \
			</dev/null >"$log" 2>&1 &
		local vmm=$!
		lib_pids=$vmm
		lib_wait_line "$log" "^SYNCED 6" "$TIMEOUT" || {
			cat "$log"
			fail "SIG$sig: the guest did not get through 6 synced writes"
		}
		kill -"$sig" -- -"$vmm" # the whole process group: a stand-in's QEMU too
		wait "$vmm"
		say "SIG$sig: exit status $?"
		sed -i 's/\r$//' "$log"
		local last
		last=$(sed -n 's/^SYNCED \([0-9]*\)$/\1/p' "$log" | tail -n 1)
		# Replay the journal only (what a mount would do), then check all.
		e2fsck -fy -E journal_only "$tmp/dur.img" >"$tmp/fsck" 2>&1
		e2fsck -fn "$tmp/dur.img" >>"$tmp/fsck" 2>&1 ||
			fail "SIG$sig: e2fsck -fn after the journal's replay: $(cat "$tmp/fsck")"
		say "ok: SIG$sig: the file system is clean once its journal is replayed"
		local want got
		want=$(yes "round-$last" | head -c 262144 | sha256sum)
		got=$(debugfs -R "cat /d$((last % 4))" "$tmp/dur.img" 2>/dev/null | sha256sum)
		[ "$got" = "$want" ] ||
			fail "SIG$sig: /d$((last % 4)), synced in round $last, is not what the guest wrote"
		say "ok: SIG$sig: the last synced write (round $last) is on the disk"
	done
}

case_crash_dump() {
	local emulated
	# What detection says (an empty KVMINI_HOST overrides nothing).
	emulated=$(KVMINI_HOST='' lib_host_info "$kvmini" emulated_kernel_mode) ||
		fail "'$kvmini host-info' cannot say whether guest kernel mode is emulated"
	[ "$emulated" = true ] ||
		lib_skip "only a host that emulates guest kernel mode can be made to fail this way"
	# KVMINI_HOST=hardware drops the command-line workarounds: SLUB's
	# cmpxchg16b (or another instruction the emulator lacks) kills the boot.
	KVMINI_HOST=hardware run --kernel "$linux/vmlinux" --symbols "$linux/System.map" \
		--cmdline "console=ttyS0"
	expect_status "$STATUS_GUEST_CRASH" "an emulation failure is a guest crash"
	expect_line "KVM_INTERNAL_ERROR_EMULATION" "the dump says why"
	local fn
	fn=$(sed -nE 's/^kvmini: +RIP [0-9a-f]+ <([^+>]+)\+0x[0-9a-f]+>.*/\1/p' "$log" | head -n 1)
	[ -n "$fn" ] || fail "the register dump names no function at RIP"
	grep -Eq " [tT] $fn\$" "$linux/System.map" || fail "'$fn' is not a text symbol of System.map"
	say "ok: the dump names the guest function at RIP: $fn"
}

case "$case_name" in
bzimage) case_bzimage ;;
pvh-smp) case_pvh_smp ;;
root-disk) case_root_disk ;;
panic) case_panic ;;
bad-inputs) case_bad_inputs ;;
virtiofs) case_virtiofs ;;
crash-dump) case_crash_dump ;;
durability) case_durability ;;
vsock) case_vsock ;;
*) fail "unknown case '$case_name'" ;;
esac
say "PASSED"
lib_finish
