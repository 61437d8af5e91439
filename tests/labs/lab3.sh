#!/bin/sh
# SPDX-License-Identifier: MIT
#
# lab3.sh: the check of lab 3 (docs/labs/lab3-paging.md).
#   1. The check program (guest/labs/lab3_paging.c) with the student's
#      handler passes, touching 8 pages and touching 64 pages.
#   2. Page faults cost no VM exit: both runs, under --trace, make the same
#      exits once the console's own (one per byte printed, and the UART
#      status polls) are left out. A #PF is delivered to the guest and
#      handled there; the monitor never hears of it.
#
# Usage: lab3.sh KVMINI ELF. Exit status 0 pass, 1 fail, 77 skip.
set -u
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
kvmini=$1
elf=$2

lib_require_kvm
lib_init lab3
dir=$tmp

for pages in 8 64; do
	echo "lab3: $kvmini run --kernel $elf --trace --cmdline lab3-pages=$pages"
	timeout 30 "$kvmini" run --kernel "$elf" --trace --cmdline "lab3-pages=$pages" \
		>"$dir/out-$pages" 2>"$dir/trace-$pages" </dev/null
	status=$?
	cat "$dir/out-$pages"
	grep -v '^trace: ' "$dir/trace-$pages"
	if [ $status -ne "$STATUS_OK" ] ||
		! grep -q '^SUMMARY: [1-9][0-9]* tests, 0 failures' "$dir/out-$pages"; then
		fail "the check program did not pass with $pages pages (status $status)"
	fi
	# Every exit but the console's data bytes and status polls.
	grep '^trace: ' "$dir/trace-$pages" |
		grep -v -e 'io out port 0x3f8 ' -e 'io in port 0x3fd ' >"$dir/other-$pages"
	echo "lab3: $pages pages: $(grep -c '^trace: ' "$dir/trace-$pages") exits in all," \
		"$(wc -l <"$dir/other-$pages") not for console output"
done
if ! cmp -s "$dir/other-8" "$dir/other-64"; then
	diff "$dir/other-8" "$dir/other-64" | head -20
	fail "touching 64 pages instead of 8 changed the non-console exits (diff above)"
fi
echo "lab3: OK: 56 more page faults, not one more VM exit"
lib_finish
