#!/bin/sh
# SPDX-License-Identifier: MIT
# Bad command lines and bad input files: each must end with exactly one clear
# "kvmini: ..." line on stderr naming the problem, and STATUS_SETUP_ERROR --
# never a crash (a status above 128), a hang (timeout(1)'s 124), or silence.
# Every case here is refused before kvmini opens /dev/kvm, so this test needs
# neither KVM nor the tiny guest: it builds the kernels it needs by hand.
# Usage: bad-input.sh KVMINI
. "$(dirname "$0")/../lib.sh"
lib_init bad-input
kvmini=$1
checks=0
limit=20 # seconds; a case that takes longer is a hang

# run ARGS...: kvmini under timeout(1), stdin closed; sets $status.
run() {
	checks=$((checks + 1))
	timeout "$limit" "$kvmini" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	status=$?
}

# expect DESCRIPTION TEXT -- KVMINI-ARGS...: status STATUS_SETUP_ERROR and one
# stderr line, "kvmini: ..." containing TEXT (a fixed string).
expect() {
	desc=$1
	text=$2
	shift 3
	run "$@"
	lines=$(wc -l <"$tmp/err")
	if [ "$status" -eq 124 ]; then
		check_fail "$desc: hung (killed after ${limit}s)"
	elif [ "$status" -ne "$STATUS_SETUP_ERROR" ]; then
		check_fail "$desc: status $status, want $STATUS_SETUP_ERROR; stderr: $(cat "$tmp/err")"
	elif [ "$lines" -ne 1 ] || ! grep -q '^kvmini: ' "$tmp/err" ||
		! grep -qF -- "$text" "$tmp/err"; then
		check_fail "$desc: want one line 'kvmini: ...$text...', got: $(cat "$tmp/err")"
	else
		echo "PASS: $desc: $(cat "$tmp/err")"
	fi
}

# passes_input_checks DESCRIPTION TEXT -- ARGS...: the input is accepted (no
# hang, no message naming TEXT as the problem). What happens next depends on
# KVM: on a host without it kvmini stops at /dev/kvm; with it, --timeout 2
# ends the crafted guest.
passes_input_checks() {
	desc=$1
	text=$2
	shift 3
	run "$@" --timeout 2
	if [ "$status" -eq 124 ]; then
		check_fail "$desc: hung (killed after ${limit}s)"
	elif [ "$status" -gt 128 ]; then
		check_fail "$desc: killed by signal $((status - 128))"
	elif grep -F -- "$text" "$tmp/err" | grep -qv 'warning\|placeholder'; then
		check_fail "$desc: refused: $(cat "$tmp/err")"
	else
		echo "PASS: $desc (status $status)"
	fi
}

# ---- crafted kernels -----------------------------------------------------

# le VALUE BYTES: VALUE little-endian (negative values are two's complement).
le() {
	v=$1
	n=$2
	while [ "$n" -gt 0 ]; do
		# shellcheck disable=SC2059 # the format is the byte, built on purpose
		printf "\\$(printf %03o $((v & 255)))"
		v=$((v >> 8))
		n=$((n - 1))
	done
}

# mk_elf FILE PADDR FILESZ MEMSZ [PHNUM [PHENTSIZE [MACHINE]]]: an x86-64
# ELF64 executable (System V gABI layout): header, one PT_LOAD program
# header, 16 bytes of hlt.
mk_elf() {
	{
		printf '\177ELF\002\001\001\000'
		le 0 8
		le 2 2                     # e_type ET_EXEC
		le "${7:-62}" 2            # e_machine EM_X86_64
		le 1 4                     # e_version
		le "$2" 8                  # e_entry
		le 64 8                    # e_phoff
		le 0 8                     # e_shoff
		le 0 4                     # e_flags
		le 64 2                    # e_ehsize
		le "${6:-56}" 2            # e_phentsize
		le "${5:-1}" 2             # e_phnum
		le 0 6                     # no sections
		le 1 4                     # p_type PT_LOAD
		le 5 4                     # p_flags R+X
		le 120 8                   # p_offset
		le "$2" 8                  # p_vaddr
		le "$2" 8                  # p_paddr
		le "$3" 8                  # p_filesz
		le "$4" 8                  # p_memsz
		le 4096 8                  # p_align
		printf '\364\364\364\364\364\364\364\364\364\364\364\364\364\364\364\364'
	} >"$1"
}

# poke FILE OFFSET VALUE BYTES: write VALUE little-endian at OFFSET.
poke() {
	le "$3" "$4" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# mk_bzimage FILE [SYSSIZE [PREF_ADDRESS [INIT_SIZE]]]: a 64 KiB bzImage
# with a Linux boot protocol 2.15 header (Documentation/arch/x86/boot.rst)
# and no code: 3 setup sectors, then the protected-mode part.
mk_bzimage() {
	head -c 65536 /dev/zero >"$1"
	poke "$1" $((0x1f1)) 3 1                        # setup_sects
	poke "$1" $((0x1f4)) "${2:-$(((65536 - 2048) / 16))}" 4 # syssize
	poke "$1" $((0x1fe)) $((0xaa55)) 2               # boot_flag
	poke "$1" $((0x200)) $((0x6aeb)) 2               # jump; header length 0x6a
	printf 'HdrS' | dd of="$1" bs=1 seek=$((0x202)) conv=notrunc 2>/dev/null
	poke "$1" $((0x206)) $((0x020f)) 2               # version 2.15
	poke "$1" $((0x211)) 1 1                         # loadflags LOADED_HIGH
	poke "$1" $((0x22c)) $((0x7fffffff)) 4           # initrd_addr_max
	poke "$1" $((0x230)) $((0x200000)) 4             # kernel_alignment
	poke "$1" $((0x236)) 1 2                         # xloadflags XLF_KERNEL_64
	poke "$1" $((0x238)) 2047 4                      # cmdline_size
	poke "$1" $((0x258)) "${3:-$((0x1000000))}" 8    # pref_address
	poke "$1" $((0x260)) "${4:-$((0x800000))}" 4     # init_size
}

elf=$tmp/tiny.elf
mk_elf "$elf" $((0x200000)) 16 4096
bz=$tmp/bzImage
mk_bzimage "$bz"

# ---- the kinds of file every input option must refuse --------------------

mkdir "$tmp/dir"
mkfifo "$tmp/fifo"
: >"$tmp/empty"
printf 'data\n' >"$tmp/unreadable"
chmod 000 "$tmp/unreadable"
printf 'data\n' >"$tmp/readonly"
chmod 444 "$tmp/readonly"
# A file larger than --mem 64M (sparse: no disk space used).
dd if=/dev/zero of="$tmp/huge" bs=1 count=0 seek=100M 2>/dev/null
sock=
if command -v python3 >/dev/null 2>&1 &&
	python3 -c "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" \
		"$tmp/sock" 2>/dev/null; then
	sock=$tmp/sock
else
	echo "NOTE: no python3 to make a Unix socket: socket cases left out"
fi
# root reads and writes files whatever their mode.
unreadable=
if [ "$(id -u)" -ne 0 ]; then
	unreadable=$tmp/unreadable
else
	echo "NOTE: running as root: the permission cases cannot fail, left out"
fi

m="--mem 64M"

# Command lines.
expect "no arguments" "no command" --
expect "unknown command" "unknown command 'fly'" -- fly
expect "missing --kernel" "no kernel given" -- run --mem 64M
expect "--mem 0" "too small" -- run --kernel "$elf" --mem 0
expect "--mem 1T" "too large" -- run --kernel "$elf" --mem 1T
expect "--mem garbage" "not a size" -- run --kernel "$elf" --mem lots
expect "--cpus 0" "--cpus" -- run --kernel "$elf" --cpus 0
expect "unknown option" "unknown option '--frobnicate'" -- run --kernel "$elf" --frobnicate
expect "a run option before run" "'--kernel' before the command" -- --kernel "$elf" run
# The control socket's options and commands (docs/control.md).
expect "--name with a slash" "--name: '../x' is not a VM name" -- run --kernel "$elf" --name ../x
expect "--control empty" "--control: '' is not a socket path" -- run --kernel "$elf" --control ""
expect "ctl without a command" "ctl needs a VM and a command" -- ctl vm1
expect "ctl unknown command" "ctl: unknown command 'reboot'" -- ctl vm1 reboot
expect "ctl snapshot without DIR" "ctl snapshot needs one directory" -- ctl vm1 snapshot
expect "ctl to no socket" "cannot connect to '$tmp/no.sock': No such file or directory" -- \
	ctl "$tmp/no.sock" status
expect "list with an argument" "list takes no arguments" -- list all
# Global options before the command are accepted: the error is the next one.
expect "-v before run" "kernel '$tmp/dir' (--kernel): is a directory" -- -v run --kernel "$tmp/dir"
expect "--verbose -vv before run" "kernel '$tmp/dir' (--kernel)" -- --verbose -vv run --kernel "$tmp/dir"
for help in "--help" "-h" "-v --help" "run --help"; do
	# shellcheck disable=SC2086 # split on purpose
	run $help
	if [ "$status" -eq 0 ] && grep -q '^Usage: kvmini' "$tmp/out"; then
		echo "PASS: kvmini $help prints the usage"
	else
		check_fail "kvmini $help: status $status, stdout: $(head -n 2 "$tmp/out")"
	fi
done
if grep -q "^  *$STATUS_PANIC  guest kernel panic" "$tmp/out" &&
	! grep -q '^  *12[4-7]  ' "$tmp/out"; then
	echo "PASS: --help lists the exit statuses from kvmini_abi.h, none in 124-127"
else
	check_fail "--help exit-status table does not match kvmini_abi.h: $(tail -n 9 "$tmp/out")"
fi

# --kernel and --initrd: regular, readable, non-empty, not larger than --mem.
for opt in kernel initrd; do
	if [ $opt = kernel ]; then pre=""; else pre="--kernel $bz"; fi
	# shellcheck disable=SC2086
	{
		expect "--$opt missing" "cannot open $opt '$tmp/nope' (--$opt): No such file" -- run $m $pre --$opt "$tmp/nope"
		expect "--$opt directory" "is a directory" -- run $m $pre --$opt "$tmp/dir"
		expect "--$opt FIFO" "is a FIFO" -- run $m $pre --$opt "$tmp/fifo"
		expect "--$opt /dev/zero" "is a character device" -- run $m $pre --$opt /dev/zero
		expect "--$opt empty" "'$tmp/empty' (--$opt): the file is empty" -- run $m $pre --$opt "$tmp/empty"
		[ -z "$sock" ] || expect "--$opt socket" "is a socket" -- run $m $pre --$opt "$sock"
		[ -z "$unreadable" ] ||
			expect "--$opt unreadable" "Permission denied" -- run $m $pre --$opt "$unreadable"
	}
done

# Huge files: an initrd is loaded whole; a kernel only needs room for what
# it loads (a vmlinux with debug information is far larger than that).
expect "--initrd huge" "cannot load initrd '$tmp/huge' (--initrd): 100 MiB does not fit in guest RAM of 64 MiB" -- \
	run $m --kernel "$bz" --initrd "$tmp/huge"
expect "--kernel huge, not a kernel" "cannot load kernel '$tmp/huge' (--kernel): not an ELF file" -- \
	run $m --kernel "$tmp/huge"
mk_bzimage "$tmp/bz-huge" $(((100 * 1048576 - 2048) / 16))
dd if=/dev/zero of="$tmp/bz-huge" bs=1 count=0 seek=100M 2>/dev/null
expect "--kernel huge bzImage, --mem 64M" "cannot boot kernel '$tmp/bz-huge' (--kernel): needs 101 MiB of guest RAM" -- \
	run $m --kernel "$tmp/bz-huge"

cp "$elf" "$tmp/big.elf"
dd if=/dev/zero of="$tmp/big.elf" bs=1 count=0 seek=100M 2>/dev/null
passes_input_checks "--kernel ELF of 100 MiB whose segments fit --mem 64M" "kernel '" -- \
	run $m --kernel "$tmp/big.elf"

# Kernels that are files but not bootable.
printf 'this is not an ELF file\n' >"$tmp/text"
expect "not an ELF" "cannot load kernel '$tmp/text' (--kernel): not an ELF file" -- run $m --kernel "$tmp/text"
head -c 100 "$elf" >"$tmp/cut"
expect "ELF cut in its program headers" "truncated" -- run $m --kernel "$tmp/cut"
head -c 130 "$elf" >"$tmp/cut2"
expect "ELF cut in its segment" "truncated" -- run $m --kernel "$tmp/cut2"
mk_elf "$tmp/arm" $((0x200000)) 16 4096 1 56 183
expect "ELF for AArch64" "not x86-64" -- run $m --kernel "$tmp/arm"
mk_elf "$tmp/fz" $((0x200000)) 16 8
expect "ELF p_filesz > p_memsz" "more file bytes than memory bytes" -- run $m --kernel "$tmp/fz"
mk_elf "$tmp/wrap" -4096 16 8192
expect "ELF segment wrapping past 2^64" "wraps past the top" -- run $m --kernel "$tmp/wrap"
mk_elf "$tmp/phnum" $((0x200000)) 16 4096 65534
expect "ELF e_phnum past the file" "program headers" -- run $m --kernel "$tmp/phnum"
mk_elf "$tmp/phent" $((0x200000)) 16 4096 1 32
expect "ELF e_phentsize wrong" "program header entries of 32 bytes" -- run $m --kernel "$tmp/phent"
mk_elf "$tmp/high" $((0x40000000)) 16 4096
expect "ELF segment at 1 GiB, --mem 64M" "outside guest RAM" -- run $m --kernel "$tmp/high"
mk_elf "$tmp/low" $((0x1000)) 16 4096
expect "ELF segment over the boot structures" "outside guest RAM" -- run $m --kernel "$tmp/low"
mk_bzimage "$tmp/bz-trunc" $((0x100000))
expect "bzImage syssize past the end" "cannot boot kernel '$tmp/bz-trunc' (--kernel): truncated" -- run $m --kernel "$tmp/bz-trunc"
mk_bzimage "$tmp/bz-0" 0
expect "bzImage syssize 0" "syssize is 0" -- run $m --kernel "$tmp/bz-0"
mk_bzimage "$tmp/bz-old"
poke "$tmp/bz-old" $((0x206)) $((0x0205)) 2
expect "bzImage protocol 2.05" "too old" -- run $m --kernel "$tmp/bz-old"
mk_bzimage "$tmp/bz-wrap" $(((65536 - 2048) / 16)) -4096
expect "bzImage pref_address + init_size wrapping" "wraps past 2^64" -- run $m --kernel "$tmp/bz-wrap"
mk_bzimage "$tmp/bz-big" $(((65536 - 2048) / 16)) $((0x1000000)) $((0x7fffffff))
expect "bzImage init_size 2 GiB, --mem 64M" "needs 2064 MiB of guest RAM" -- run $m --kernel "$tmp/bz-big"

# --initrd is for Linux: the tiny guest has no use for one.
printf 'initrd\n' >"$tmp/initrd"
expect "--initrd with the tiny guest" "cannot use initrd '$tmp/initrd' (--initrd): the kernel" -- \
	run $m --kernel "$elf" --initrd "$tmp/initrd"

# Multiboot kernels (kvm-unit-tests' kind): the header's requirements and its
# a.out-kludge addresses are judged before KVM, and they take an --initrd.
# mk_multiboot FILE FLAGS LOAD BSS_END ENTRY: the header at offset 0 with flag
# 16's address fields (the whole file loads at LOAD), then 16 bytes of hlt.
mk_multiboot() {
	{
		le $((0x1BADB002)) 4
		le "$2" 4
		le $((-(0x1BADB002 + $2))) 4
		le "$3" 4 # header_addr: the header is the file's first byte
		le "$3" 4 # load_addr
		le 0 4    # load_end_addr: to the end of the file
		le "$4" 4 # bss_end_addr
		le "$5" 4 # entry_addr
		i=0
		while [ $i -lt 16 ]; do
			printf '\364'
			i=$((i + 1))
		done
	} >"$1"
}
mb=$((0x10000 | 3)) # a.out kludge, page-aligned modules, memory information
mk_multiboot "$tmp/mb-video" $((mb | 4)) $((0x200000)) 0 $((0x200020))
expect "multiboot video mode" "cannot boot kernel '$tmp/mb-video' (--kernel): the multiboot header asks for a video mode" -- \
	run $m --kernel "$tmp/mb-video"
mk_multiboot "$tmp/mb-flag5" $((mb | 32)) $((0x200000)) 0 $((0x200020))
expect "multiboot unknown requirement" "requires flags 0x20" -- run $m --kernel "$tmp/mb-flag5"
mk_multiboot "$tmp/mb-low" $mb $((0x90000)) 0 $((0x90020))
expect "multiboot image on the boot area" "overlaps kvmini's boot structures" -- run $m --kernel "$tmp/mb-low"
mk_multiboot "$tmp/mb-entry" $mb $((0x200000)) 0 $((0x300000))
expect "multiboot entry outside the image" "entry point 0x300000 is outside the image" -- \
	run $m --kernel "$tmp/mb-entry"
mk_multiboot "$tmp/mb-big" $mb $((0x200000)) $((0x8000000)) $((0x200020))
expect "multiboot .bss beyond --mem" "needs 128 MiB of guest RAM below 4 GiB; --mem gives 64 MiB" -- \
	run $m --kernel "$tmp/mb-big"
mk_multiboot "$tmp/mb-good" $mb $((0x200000)) $((0x210000)) $((0x200020))
passes_input_checks "multiboot kernel with --initrd" "initrd" -- \
	run $m --kernel "$tmp/mb-good" --initrd "$tmp/initrd" --cmdline "a b"

# --disk: a regular file or a block device, openable as asked.
expect "--disk missing" "cannot open disk image '$tmp/nope' (--disk): No such file" -- run $m --kernel "$elf" --disk "$tmp/nope"
expect "--disk directory" "'$tmp/dir' (--disk): is a directory" -- run $m --kernel "$elf" --disk "$tmp/dir"
expect "--disk FIFO" "'$tmp/fifo' (--disk): is a FIFO" -- run $m --kernel "$elf" --disk "$tmp/fifo"
expect "--disk /dev/zero" "is a character device" -- run $m --kernel "$elf" --disk /dev/zero
expect "--disk empty" "'$tmp/empty' (--disk): the file is empty" -- run $m --kernel "$elf" --disk "$tmp/empty"
[ -z "$sock" ] || expect "--disk socket" "is a socket" -- run $m --kernel "$elf" --disk "$sock"
if [ -n "$unreadable" ]; then
	expect "--disk unreadable" "Permission denied" -- run $m --kernel "$elf" --disk "$unreadable"
	expect "--disk read-only file without ,ro" "Permission denied" -- \
		run $m --kernel "$elf" --disk "$tmp/readonly"
fi

# --console file:PATH: a regular file, or a FIFO only when someone reads it.
c="--console file:"
expect "--console directory" "console file '$tmp/dir' (--console): is a directory" -- run $m --kernel "$elf" ${c}"$tmp/dir"
expect "--console FIFO without a reader" "no one reads" -- run $m --kernel "$elf" ${c}"$tmp/fifo"
expect "--console /dev/zero" "is a character device" -- run $m --kernel "$elf" ${c}/dev/zero
expect "--console in a missing directory" "No such file" -- run $m --kernel "$elf" ${c}"$tmp/nope/out"
[ -z "$sock" ] || expect "--console socket" "is a socket" -- run $m --kernel "$elf" ${c}"$sock"
[ -z "$unreadable" ] ||
	expect "--console read-only file" "Permission denied" -- run $m --kernel "$elf" ${c}"$tmp/readonly"
# With a reader, a FIFO is a fine console output.
mkfifo "$tmp/fifo2"
cat "$tmp/fifo2" >/dev/null &
lib_pids="$lib_pids $!"
sleep 0.2
passes_input_checks "--console FIFO with a reader" "--console" -- run $m --kernel "$elf" ${c}"$tmp/fifo2"

# --symbols: a bounded text file.
s=--symbols
expect "--symbols missing" "cannot read symbols '$tmp/nope' (--symbols): No such file" -- run $m --kernel "$elf" $s "$tmp/nope"
expect "--symbols directory" "is a directory" -- run $m --kernel "$elf" $s "$tmp/dir"
expect "--symbols FIFO" "not a regular file" -- run $m --kernel "$elf" $s "$tmp/fifo"
expect "--symbols /dev/zero" "not a regular file" -- run $m --kernel "$elf" $s /dev/zero
expect "--symbols empty" "no text symbols" -- run $m --kernel "$elf" $s "$tmp/empty"
dd if=/dev/zero of="$tmp/huge-map" bs=1 count=0 seek=65M 2>/dev/null
expect "--symbols over 64 MiB" "too large" -- run $m --kernel "$elf" $s "$tmp/huge-map"
expect "--symbols binary" "NUL byte" -- run $m --kernel "$elf" $s "$elf"
head -c 2000 /dev/zero | tr '\0' 'x' >"$tmp/longline"
expect "--symbols line without newline" "longer than 512 bytes" -- run $m --kernel "$elf" $s "$tmp/longline"
[ -z "$unreadable" ] ||
	expect "--symbols unreadable" "Permission denied" -- run $m --kernel "$elf" $s "$unreadable"
# Debian's placeholder System.map: a warning, and the run goes on.
echo 'ffffffffffffffff B The real System.map is in the linux-image-6.1.0-13-amd64-dbg package' \
	>"$tmp/System.map"
passes_input_checks "--symbols Debian placeholder" "--symbols" -- \
	run $m --kernel "$elf" $s "$tmp/System.map"
if grep -q "^kvmini: .*placeholder" "$tmp/err"; then
	echo "PASS: the placeholder System.map gets a warning"
else
	check_fail "no warning for the placeholder System.map: $(cat "$tmp/err")"
fi

# --net: every malformed value names --net; a socket fd is checked before KVM.
expect "--net without a value" "'--net' needs a value" -- run $m --kernel "$elf" --net
expect "--net unknown kind" "--net takes 'user', 'tap' or 'socket', not 'bogus'" -- run $m --kernel "$elf" --net bogus
expect "--net socket without fd" "--net socket needs fd=N" -- run $m --kernel "$elf" --net socket
expect "--net socket,fd=x" "fd='x' is not a file descriptor number" -- run $m --kernel "$elf" --net socket,fd=x
expect "--net socket, fd not open" "--net socket,fd=9: Bad file descriptor" -- run $m --kernel "$elf" --net socket,fd=9
checks=$((checks + 1))
timeout "$limit" "$kvmini" run $m --kernel "$elf" --net socket,fd=3 3<"$elf" >"$tmp/out" 2>"$tmp/err" </dev/null
status=$?
if [ "$status" -eq "$STATUS_SETUP_ERROR" ] && grep -q '^kvmini: --net socket,fd=3: not a socket' "$tmp/err"; then
	echo "PASS: --net socket on a file: $(cat "$tmp/err")"
else
	check_fail "--net socket on a file: status $status, stderr: $(cat "$tmp/err")"
fi
expect "--net multicast MAC" "is not a unicast MAC address" -- run $m --kernel "$elf" --net user,mac=01:00:00:00:00:01
expect "--net garbage MAC" "mac='zz' is not a unicast MAC address" -- run $m --kernel "$elf" --net user,mac=zz
expect "--net hostfwd port out of range" "hostfwd='tcp:99999-:22' is not tcp:HOSTPORT-:GUESTPORT" -- \
	run $m --kernel "$elf" --net user,hostfwd=tcp:99999-:22
expect "--net hostfwd udp" "hostfwd='udp:80-:80' is not tcp:HOSTPORT-:GUESTPORT" -- \
	run $m --kernel "$elf" --net user,hostfwd=udp:80-:80
expect "--net tap with an empty ifname" "ifname='' is not an interface name" -- run $m --kernel "$elf" --net tap,ifname=
expect "five --net" "too many --net options (at most 4)" -- \
	run $m --kernel "$elf" --net user --net user --net user --net user --net user

# --share: the tag (virtio 1.2 section 5.11.4: 1-36 bytes), HOSTDIR and the
# virtiofsd program are all checked before KVM (and before virtiofsd starts).
tag37=0123456789abcdef0123456789abcdef01234
expect "--share without a tag" "--share takes HOSTDIR,TAG[,ro], not '$tmp/dir'" -- run $m --kernel "$elf" --share "$tmp/dir"
expect "--share with an empty tag" "TAG must be 1 to 36 bytes" -- run $m --kernel "$elf" --share "$tmp/dir,,ro"
expect "--share with a 37-byte tag" "TAG must be 1 to 36 bytes (virtio-fs tag), not 37" -- \
	run $m --kernel "$elf" --share "$tmp/dir,$tag37"
expect "--share one tag twice" "--share: tag 't' is used twice" -- \
	run $m --kernel "$elf" --share "$tmp/dir,t" --share "$tmp/dir,t"
expect "--share a file" "cannot share '$elf' (--share): not a directory" -- run $m --kernel "$elf" --share "$elf,t"
expect "--share a missing directory" "cannot share '$tmp/nodir' (--share): No such file or directory" -- \
	run $m --kernel "$elf" --share "$tmp/nodir,t"
export KVMINI_VIRTIOFSD="$tmp/no-virtiofsd"
expect "--share, virtiofsd missing" "cannot run virtiofsd '$tmp/no-virtiofsd' (--share; KVMINI_VIRTIOFSD): No such file or directory" -- \
	run $m --kernel "$elf" --share "$tmp/dir,t"
export KVMINI_VIRTIOFSD="$elf"
chmod a-x "$elf"
expect "--share, virtiofsd not executable" "not an executable file" -- run $m --kernel "$elf" --share "$tmp/dir,t"
unset KVMINI_VIRTIOFSD
if [ -x /usr/lib/qemu/virtiofsd ]; then
	passes_input_checks "--share a directory" "--share" -- run $m --kernel "$elf" --share "$tmp/dir,t,ro"
fi

echo "SUMMARY: $checks runs"
lib_finish
