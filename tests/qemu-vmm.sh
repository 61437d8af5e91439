#!/bin/bash
# SPDX-License-Identifier: MIT
#
# qemu-vmm.sh: a stand-in for `kvmini run` that boots the same guest under
# QEMU with software emulation (TCG), so the minimal Linux guest's own
# behaviour (its kernel configuration, /init, the container agent) is tested
# on hosts without /dev/kvm. It checks the guest image, not kvmini: every
# kvmini test of the same feature still runs where KVM exists.
#
# Usage: qemu-vmm.sh run [kvmini run options]
# Understood: --kernel, --initrd, --mem, --cpus, --cmdline, --share
# DIR,TAG[,ro] (repeatable: one virtiofsd each, as kvmini starts them),
# --net user[,hostfwd=tcp:HOSTPORT-:GUESTPORT]... (QEMU's own libslirp) and
# --net tap[,ifname=NAME] with kvmini's syntax, --disk PATH[,ro]
# (virtio-blk, raw), --timeout SECONDS; --vsock is accepted and gives no
# device (see below). Anything else is refused, so a test cannot silently
# lose an option.
#
# The exit status is the guest's, as with kvmini: /init writes it to port
# 0x500 (include/abi/kvmini_abi.h), where QEMU's isa-debug-exit device ends
# QEMU with (status << 1) | 1; a guest reboot ends it with 0. Statuses above
# 127 do not survive that encoding. SIGTERM ends the VM with 122, as
# kvmini's stop request does.
#
# Needs qemu-system-x86_64, and /usr/lib/qemu/virtiofsd with root for shares.
set -u

die() {
	echo "qemu-vmm: $*" >&2
	exit 125
}

[ "${1:-}" = run ] || die "usage: qemu-vmm.sh run [kvmini run options]"
shift
kernel="" initrd="" mem=256M cpus=1 cmdline="" timeout=600
shares=() nets=() disks=()
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || die "option $1 needs a value"
	case $1 in
	--kernel) kernel=$2 ;;
	--initrd) initrd=$2 ;;
	--mem) mem=$2 ;;
	--cpus) cpus=$2 ;;
	--cmdline) cmdline=$2 ;;
	--share) shares+=("$2") ;;
	--net) nets+=("$2") ;;
	--disk) disks+=("$2") ;;
	--timeout) timeout=$2 ;;
	# QEMU's vsock needs /dev/vhost-vsock, which hosts without KVM lack: the
	# guest gets no vsock device, as a guest kernel without the driver would
	# (kvmini oci passes --vsock for kill's signals; without it they stop the VM).
	--vsock) ;;
	*) die "option $1 is not understood by this stand-in" ;;
	esac
	shift 2
done
[ -n "$kernel" ] || die "no --kernel"
command -v qemu-system-x86_64 >/dev/null || die "no qemu-system-x86_64"

work=$(mktemp -d "${TMPDIR:-/tmp}/qemu-vmm.XXXXXX")
pids=()
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	[ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# microvm with modern virtio-mmio (vhost-user-fs needs virtio 1.x) and no
# ACPI (the guest kernel has none).
# shellcheck disable=SC2054 # the commas are QEMU option syntax
args=(-M microvm,acpi=off,auto-kernel-cmdline=off,memory-backend=mem
	-global virtio-mmio.force-legacy=false
	-object "memory-backend-memfd,id=mem,size=$mem,share=on" -m "$mem" -smp "$cpus"
	-cpu max -nographic -no-reboot -device isa-debug-exit,iobase=0x500,iosize=1
	-kernel "$kernel")
[ -z "$initrd" ] || args+=(-initrd "$initrd")

n=0
for share in "${shares[@]}"; do
	dir=${share%%,*} rest=${share#*,}
	# virtiofsd refuses a symbolic link as its source.
	dir=$(realpath -e "$dir") || die "--share: no directory ${share%%,*}"
	tag=${rest%%,*} ro=""
	[ "$rest" = "$tag" ] || ro=${rest#*,}
	sock="$work/fs$n.sock"
	# ro: as kvmini does, the directory is remounted read-only in a mount
	# namespace of virtiofsd's own.
	if [ "$ro" = ro ]; then
		# shellcheck disable=SC2016 # $1 and $@ are the inner shell's
		unshare --mount --propagation private sh -c \
			'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"' \
			sh "$dir" /usr/lib/qemu/virtiofsd --socket-path="$sock" -o source="$dir" \
			-o cache=none -o log_level=err &
	else
		/usr/lib/qemu/virtiofsd --socket-path="$sock" -o source="$dir" -o cache=none \
			-o log_level=err &
	fi
	pids+=($!)
	for _ in $(seq 100); do
		[ -S "$sock" ] && break
		sleep 0.05
	done
	[ -S "$sock" ] || die "virtiofsd for $dir did not start"
	args+=(-chardev "socket,id=fs$n,path=$sock" -device "vhost-user-fs-device,chardev=fs$n,tag=$tag")
	n=$((n + 1))
done
n=0
for disk in "${disks[@]}"; do
	file=${disk%,ro}
	ro=off
	[ "$file" = "$disk" ] || ro=on
	args+=(-drive "id=d$n,file=$file,format=raw,if=none,readonly=$ro" -device "virtio-blk-device,drive=d$n")
	n=$((n + 1))
done
# --net as kvmini spells it (README.md): user[,hostfwd=tcp:HOSTPORT-:GUESTPORT]...
# [,mac=MAC] (kvmini binds forwarded ports to 127.0.0.1) or tap[,ifname=NAME][,mac=MAC].
n=0
for net in "${nets[@]}"; do
	kind=${net%%,*} netdev="" device="virtio-net-device,netdev=n$n"
	case $kind in
	user) netdev="user,id=n$n" ;;
	tap) netdev="tap,id=n$n,script=no,downscript=no" ;;
	*) die "--net $net: only user and tap are understood" ;;
	esac
	opts=${net#"$kind"}
	IFS=, read -ra items <<<"${opts#,}"
	for item in "${items[@]}"; do
		case $kind:$item in
		user:hostfwd=tcp:*-:*) netdev="$netdev,hostfwd=tcp:127.0.0.1:${item#hostfwd=tcp:}" ;;
		tap:ifname=*) netdev="$netdev,$item" ;;
		*:mac=*) device="$device,$item" ;;
		*) die "--net $net: '$item' is not understood by this stand-in" ;;
		esac
	done
	args+=(-netdev "$netdev" -device "$device")
	n=$((n + 1))
done

# The virtio-mmio devices on the command line (and kvmini.tty=), as kvmini puts them: before
# the " -- " tail (QEMU itself would append them after it, into the
# command). microvm gives device i the slot at 0xfeb00e00 - i * 0x200 with
# IRQ 12 - i (read off QEMU 7.2's own additions).
devices=""
for ((i = 0; i < ${#shares[@]} + ${#disks[@]} + ${#nets[@]}; i++)); do
	devices="$devices virtio_mmio.device=512@$(printf '0x%x' $((0xfeb00e00 - i * 0x200))):$((12 - i))"
done
# As kvmini does (boot/boot_linux.c): the serial console unless one is named.
case " ${cmdline%% -- *} " in
*" console="*) ;;
*) devices=" console=ttyS0$devices" ;;
esac
# As kvmini does (boot/boot_linux.c): the kernel's DHCP client for a --net
# user NIC, unless the command line has its own ip=.
case " ${cmdline%% -- *} " in
*" ip="*) ;;
*) case " ${nets[*]} " in *" user"*) devices="$devices ip=dhcp" ;; esac ;;
esac
# As kvmini does (vmm/host/stdin_console.c): tell /init what the terminal is.
case " $cmdline " in
*" kvmini.tty="*) ;;
*)
	if [ -t 0 ] && [ -t 1 ] && size=$(stty size 2>/dev/null) && [ "${size% *}" != 0 ]; then
		devices="$devices kvmini.tty=${size#* }x${size% *}"
	elif ! [ -t 0 ] || ! [ -t 1 ]; then
		devices="$devices kvmini.tty=none"
	fi
	;;
esac
case " $cmdline " in
*" -- "*)
	cmdline=" $cmdline"
	cmdline="${cmdline%% -- *}$devices -- ${cmdline#* -- }"
	cmdline=${cmdline# }
	;;
*) cmdline="$cmdline$devices" ;;
esac
args+=(-append "$cmdline")

# The console's input is ours: a background job's stdin would be /dev/null
# without the explicit redirection. --foreground: timeout would otherwise
# move QEMU to a process group of its own, and a QEMU reading a terminal
# (podman run -it's console) from there is stopped by SIGTTIN.
exec 3<&0
timeout --foreground --kill-after=5 "$timeout" qemu-system-x86_64 "${args[@]}" <&3 3<&- &
qemu=$!
trap 'kill $qemu 2>/dev/null; wait $qemu; exit 122' TERM INT HUP
wait $qemu
status=$?
case $status in
0) exit 0 ;;                      # the guest rebooted (-no-reboot)
124 | 137) die "the guest did not finish within $timeout s" ;;
*) [ $((status & 1)) -eq 1 ] && exit $((status >> 1)) ;;
esac
die "QEMU failed with status $status"
