#!/bin/sh
# SPDX-License-Identifier: MIT
#
# virtio-console.sh: run the virtio_console guest twice and check its output
# on the host:
#   1. --console stdio, with a word fed on stdin that the guest must echo;
#   2. --console file:PATH, where the guest's output must land in PATH.
#
# Usage: virtio-console.sh RUN-GUEST KVMINI ELF
# Exit status as run-guest.sh's: 0 pass, 77 skip, 1 fail.
set -u
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
run_guest=$1
kvmini=$2
elf=$3

lib_init virtio-console
dir=$tmp

word="ping-$$"
printf '%s\n' "$word" | sh "$run_guest" "$kvmini" "$elf" --console stdio \
	--cmdline "console-input=$word" >"$dir/stdio.log"
status=$?
cat "$dir/stdio.log"
[ $status -eq $EXIT_PASS ] || exit $status # run-guest.sh's verdict: skip or fail
for line in "virtio-console: output from the guest via transmitq" \
	"virtio-console: emergency write" "virtio-console echo: $word"; do
	grep -qxF "$line" "$dir/stdio.log" || fail "'$line' missing from stdout"
	echo "virtio-console: stdout has '$line'"
done

sh "$run_guest" "$kvmini" "$elf" --console "file:$dir/out.txt" </dev/null >"$dir/file.log"
status=$?
cat "$dir/file.log"
[ $status -eq $EXIT_PASS ] || exit $status
for line in "virtio-console: output from the guest via transmitq" \
	"virtio-console: emergency write"; do
	grep -qxF "$line" "$dir/out.txt" || fail "'$line' missing from the console file"
	! grep -qxF "$line" "$dir/file.log" || fail "'$line' went to stdout, not to the file"
	echo "virtio-console: the console file has '$line'"
done
echo "virtio-console: OK"
lib_finish
