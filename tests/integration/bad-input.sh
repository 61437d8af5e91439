#!/bin/sh
# Bad command-line input and bad kernel files: each must end with a clear
# "kvmini: ..." message on stderr and exit status 1 -- never a crash (a
# status above 128 means a signal), a hang, or silence.
# Usage: bad-input.sh KVMINI GOOD_ELF
set -u
kvmini=$1
good_elf=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
checks=0

# expect DESCRIPTION PATTERN -- KVMINI-ARGS...: status 1 and PATTERN in stderr.
expect() {
	desc=$1
	pattern=$2
	shift 3
	checks=$((checks + 1))
	timeout 20 "$kvmini" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	status=$?
	if [ "$status" -eq 1 ] && grep -q "^kvmini: .*$pattern" "$tmp/err"; then
		echo "PASS: $desc: $(head -n 1 "$tmp/err")"
	else
		echo "FAIL: $desc: status $status (want 1), stderr:"
		sed 's/^/    /' "$tmp/err"
		failures=$((failures + 1))
	fi
}

expect "no arguments" "no command" -- 
expect "unknown command" "unknown command 'fly'" -- fly
expect "missing --kernel" "no kernel given" -- run --mem 64M
expect "missing kernel file" "cannot open kernel '$tmp/nope': No such file" -- run --kernel "$tmp/nope"
expect "directory as kernel" "is a directory" -- run --kernel "$tmp"
expect "--mem 0" "too small" -- run --kernel "$good_elf" --mem 0
expect "--mem 1T" "too large" -- run --kernel "$good_elf" --mem 1T
expect "--mem garbage" "not a size" -- run --kernel "$good_elf" --mem lots
expect "--cpus 0" "--cpus" -- run --kernel "$good_elf" --cpus 0
expect "unknown option" "unknown option '--frobnicate'" -- run --kernel "$good_elf" --frobnicate
expect "missing initrd file" "cannot open initrd" -- run --kernel "$good_elf" --initrd "$tmp/none"

# The rest reach the ELF loader, which runs after KVM setup.
if [ ! -c /dev/kvm ] || ! { exec 3<>/dev/kvm; } 2>/dev/null; then
	echo "SKIP: corrupt-kernel cases need /dev/kvm"
else
	exec 3>&-
	printf 'this is not an ELF file\n' >"$tmp/text"
	expect "not an ELF" "not an ELF file" -- run --kernel "$tmp/text"
	head -c 100 "$good_elf" >"$tmp/cut"
	expect "truncated ELF (headers)" "'$tmp/cut': truncated" -- run --kernel "$tmp/cut"
	head -c 1000 "$good_elf" >"$tmp/cut2"
	expect "truncated ELF (segment)" "'$tmp/cut2': truncated" -- run --kernel "$tmp/cut2"
	# Flip the machine field (offset 18) to AArch64 (183 = 0xb7).
	cp "$good_elf" "$tmp/arm"
	printf '\267' | dd of="$tmp/arm" bs=1 seek=18 count=1 conv=notrunc 2>/dev/null
	expect "wrong machine" "not x86-64" -- run --kernel "$tmp/arm"
	# Move the first segment to 1 GiB: p_paddr of program header 0 sits at
	# e_phoff (64 in our guests, checked) + 24; write 0x40000000 there.
	cp "$good_elf" "$tmp/high"
	phoff=$(od -An -t u8 -j 32 -N 8 "$good_elf" | tr -d ' ')
	printf '\000\000\000\100\000\000\000\000' |
		dd of="$tmp/high" bs=1 seek=$((phoff + 24)) count=8 conv=notrunc 2>/dev/null
	expect "segment outside RAM" "outside guest RAM" -- run --kernel "$tmp/high" --mem 64M
fi

echo "SUMMARY: $checks tests, $failures failures"
[ "$failures" -eq 0 ]
