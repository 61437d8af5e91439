#!/bin/sh
# kvmini minimal Linux guest: PID 1.
#
# Installed as /init in the initramfs and on the ext4 root disk (where
# /sbin/init points to it); both boots run this same script with busybox sh.
#
# Kernel command line convention:
#   ... -- COMMAND LINE      everything after the first " -- " is a shell
#                            command line, read from /proc/cmdline and run
#                            with `eval` in this shell: quoting, `;`, pipes
#                            and redirections work, `exit N` sets the status.
#                            The kernel also splits the tail into words for
#                            init's argv and panics beyond ~30 of them, so
#                            wrap a long one in double quotes, which this
#                            script strips:  -- "cmd1; cmd2 'a b' | cmd3"
#   (no " -- ")              an interactive shell on the console.
#   kvmini.ready             (before " -- ") a snapshot template: write the
#                            READY marker, then read ONE command line from
#                            the console and run it as above. `kvmini run
#                            --snapshot-on ready` snapshots at the marker;
#                            `kvmini restore DIR -- CMD` types CMD + newline.
#   kvmini.agent=TAG         a container (kvmini oci, docs/containers.md):
#                            mount the virtio-fs share TAG on /run and run
#                            /run/agent.sh in this shell; its status ends
#                            the VM.
#   kvmini.tty=COLSxROWS     (kvmini adds it when its stdin and stdout are a
#                            terminal) the user's terminal size: the
#                            interactive shell's console gets it with stty,
#                            a command sees it in $COLUMNS and $LINES.
#   kvmini.tty=none          (kvmini adds it otherwise) nobody can answer a
#                            terminal's queries: the interactive shell runs
#                            with echo off, so busybox's line editing sends
#                            no ESC[6n cursor probes into the output.
#   ip=dhcp                  (kvmini adds it for --net user) the kernel has
#                            configured eth0; its DNS servers are in
#                            /proc/net/pnp, which becomes /etc/resolv.conf.
# Either way the guest then prints "KVMINI-EXIT: <status>", writes the status
# to the kvmini test device's EXIT register (the kvmini monitor stops there
# and exits with it) and reboots, which ends QEMU -no-reboot and others.
#
# Ports (include/abi/kvmini_abi.h): test device at KVMINI_TESTDEV_PIO_BASE =
# 0x500, EXIT register at +0 (port 1280), MARKER register at +4 (port 1284).
# A write to a port nobody decodes is ignored, so the same image works
# under QEMU or any other monitor.
#
# Every process costs a fork and an exec, which take about a second each
# when guest kernel code is emulated (see guest/linux/README.md), so this
# script uses shell builtins wherever it can and starts as few processes as
# possible: dd (marker), mount, then at the end sync (disk boots only),
# stty, dd (exit status) and reboot.

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/root

TESTDEV_EXIT_PORT=1280   # 0x500 + KVMINI_TESTDEV_EXIT
TESTDEV_MARKER_PORT=1284 # 0x500 + KVMINI_TESTDEV_MARKER
MARKER_LINUX_INIT=2      # KVMINI_MARKER_LINUX_INIT
MARKER_READY=3           # KVMINI_MARKER_READY

# port_write_byte PORT VALUE: one byte (0..255) to an I/O port via /dev/port.
port_write_byte() {
	_v=$(($2 & 255))
	# printf wants the byte as a 3-digit octal escape.
	_o=$(((_v >> 6) & 7))$(((_v >> 3) & 7))$((_v & 7))
	# shellcheck disable=SC2059 # the format IS the computed escape
	printf "\\$_o" | dd of=/dev/port bs=1 seek="$1" count=1 conv=notrunc 2>/dev/null
}

# finish STATUS: report, hand the status to the monitor, end the VM.
finish() {
	trap - EXIT
	echo "KVMINI-EXIT: $1"
	# Not PID 1 (someone ran /init by hand): just return the status.
	[ $$ -eq 1 ] || exit "$1"
	# Flush block devices before the monitor may stop the VM, and leave an
	# ext4 root clean: remounting it read-only writes the superblock's
	# "cleanly unmounted" state, so the next boot needs no journal replay.
	while read -r _dev _mnt _rest; do
		case "$_dev" in
		/dev/*)
			sync
			[ "$_mnt" != / ] || mount -o remount,ro / 2>/dev/null
			break
			;;
		esac
	done </proc/mounts
	# Wait until the UART has sent everything queued so far: stty applies
	# settings with TCSADRAIN, which waits for the output to drain.
	stty onlcr 2>/dev/null
	# kvmini: stops here and exits with this status.
	port_write_byte "$TESTDEV_EXIT_PORT" "$1"
	# Any other monitor: reboot. With reboot=t (set below unless the
	# command line chose) that is a triple fault, which ends QEMU
	# -no-reboot. (poweroff would only halt: this guest has no ACPI.)
	# `command`: the applet, not the reboot() function defined below.
	command reboot -f
	# Last resort: PID 1 exiting makes the kernel panic, and this kernel
	# reboots at once on panic (CONFIG_PANIC_TIMEOUT=-1).
	exit "$1"
}

# glibc string functions must not use AVX when the kernel does not manage
# the AVX state (no "avx" in /proc/cpuinfo) although the CPU still runs
# user space with AVX enabled. That happens on the emulating PVM host, where
# the guest is booted with noxsave and user mode sees the host's CPUID and
# XCR0: the upper vector registers then leak between processes and a plain
# `ls /proc | wc -l` died with SIGSEGV. busybox is glibc-static, so it obeys.
NO_AVX_TUNABLES=glibc.cpu.hwcaps=-AVX,-AVX2,-AVX512F,-AVX512VL,-AVX512BW,-AVX512DQ,-AVX512CD,-AVX_Fast_Unaligned_Load

kernel_manages_avx() {
	while read -r _key _rest; do
		case "$_key" in
		flags)
			case " $_rest " in
			*" avx "*) return 0 ;;
			*) return 1 ;;
			esac
			;;
		esac
	done </proc/cpuinfo
	return 1
}

if [ -z "${KVMINI_INIT_STAGE2:-}" ]; then
	# First thing: tell the monitor that user space is running. /dev/port
	# is a node in the initramfs; devtmpfs is already mounted on disk boots.
	port_write_byte "$TESTDEV_MARKER_PORT" "$MARKER_LINUX_INIT"

	# /proc, /sys and /dev (devtmpfs) from /etc/fstab in one process;
	# mount -a skips what is mounted already (devtmpfs on a disk boot).
	mount -a

	# No AVX tunables from the kernel command line (a monitor that knows
	# the host passes GLIBC_TUNABLES=... before " -- "), but they are
	# needed: restart this script, PID 1 included, with them.
	if [ -z "${GLIBC_TUNABLES:-}" ] && ! kernel_manages_avx; then
		export GLIBC_TUNABLES="$NO_AVX_TUNABLES" KVMINI_INIT_STAGE2=1
		exec "$0"
	fi
fi
unset KVMINI_INIT_STAGE2

read -r cmdline </proc/cmdline

# End the VM by triple fault unless the command line chose a reboot method:
# the PC default tries ACPI, the keyboard controller and the BIOS first,
# which microVMs do not have (and the keyboard loop is slow when emulated).
case " $cmdline " in
*" reboot="*) ;;
*) echo triple >/sys/kernel/reboot/type 2>/dev/null ;;
esac

# From here on, whatever ends this shell (exit, an error) ends the VM
# through finish, never by PID 1 exiting.
trap 'finish $?' EXIT

# `poweroff`, `reboot` and `halt` in the command or the shell must end the
# VM like the end of the command does. The busybox applets cannot: without
# -f they only signal PID 1 (as they would busybox init), which this shell
# ignores, and with -f poweroff and halt just stop the CPU (no ACPI here)
# without telling the monitor anything. So, here (the command after " -- ")
# they run finish; in the interactive shell (through $ENV) they leave that
# shell, after which this script runs finish.
# shellcheck disable=SC2317 # called from the eval'd command
poweroff() { finish 0; }
# shellcheck disable=SC2317
reboot() { finish 0; }
# shellcheck disable=SC2317
halt() { finish 0; }
printf '%s() { exit 0; }\n' poweroff reboot halt >/dev/kvmini.rc
export ENV=/dev/kvmini.rc

# The kernel's DHCP client lists the name servers in resolv.conf syntax.
case " $cmdline " in
*" ip="*) [ -e /etc/resolv.conf ] || ln -s /proc/net/pnp /etc/resolv.conf ;;
esac

# The parameters before " -- " (the kernel's); the command line after it is
# not searched for kvmini.* words.
params=" ${cmdline%% -- *} "

# The user's terminal, from kvmini.tty= (empty: not known).
tty_size=
case "$params" in
*" kvmini.tty="*)
	tty_size=${params#* kvmini.tty=}
	tty_size=${tty_size%% *}
	;;
esac
case "$tty_size" in
*[0-9]x[0-9]*)
	# Free (no process): busybox's programs read these when the console's
	# own size is unset.
	export COLUMNS="${tty_size%%x*}" LINES="${tty_size#*x}"
	;;
esac

case "$params" in
*" kvmini.agent="*)
	agent_tag=${params#* kvmini.agent=}
	agent_tag=${agent_tag%% *}
	mount -t virtiofs "$agent_tag" /run || finish 125
	# shellcheck disable=SC1091 # written by the container runtime
	. /run/agent.sh
	finish $?
	;;
*" kvmini.ready "*)
	# The command the monitor types must not come back as console output.
	stty -echo 2>/dev/null
	port_write_byte "$TESTDEV_MARKER_PORT" "$MARKER_READY"
	echo "KVMINI-READY"
	# A snapshot taken at the marker resumes here, in read.
	IFS= read -r cmd
	eval "$cmd"
	finish $?
	;;
esac

case " $cmdline " in
*" -- "*)
	# Everything after the first " -- ".
	cmd=" $cmdline"
	cmd=${cmd#* -- }
	# A tail wrapped in double quotes is one word for the kernel.
	case "$cmd" in
	\"*\") cmd=${cmd#\"} cmd=${cmd%\"} ;;
	esac
	eval "$cmd"
	finish $?
	;;
esac

echo "kvmini: no command after ' -- ' on the kernel command line; starting a shell."
echo "kvmini: leave it with 'exit' to end the VM."
export PS1='kvmini# '
# One stty process (about a second where guest kernel code is emulated),
# paid only by interactive shells.
case "$tty_size" in
none) stty -echo 2>/dev/null ;;
*[0-9]x[0-9]*) stty cols "$COLUMNS" rows "$LINES" 2>/dev/null ;;
esac
# setsid + cttyhack: make the console (e.g. ttyS0) the shell's controlling
# terminal, so that Ctrl-C and job control work.
setsid cttyhack sh
finish $?
