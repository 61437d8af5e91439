#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# kvm-unit-tests (the KVM project's own test suite) under QEMU and under
# kvmini, side by side. Builds the suite from a source tarball (or uses your
# clone), runs its x86_64 tests under both, prints "test | QEMU | kvmini" and
# can write that table as Markdown (docs/kvm-unit-tests.md). Fetches nothing.
#
# usage: tests/kvm-unit-tests/run.sh [options]
#   --tarball FILE  kvm-unit-tests source tarball (default $KUT_TARBALL, else
#                   ../shared/peer-sources/kvm-unit-tests-1da1819e.tar.gz from
#                   the project root); built once into
#                   ${KVMINI_CACHE:-/var/cache/kvmini}/kvm-unit-tests-<hash>
#   --src DIR       your own kvm-unit-tests tree instead (built in place with
#                   ./configure && make when it has no x86/*.flat yet)
#   --kvmini FILE   the monitor (default: build/vmm/kvmini)
#   --qemu FILE     QEMU (default: qemu-system-x86_64 on PATH)
#   --tests LIST    test names from x86/unittests.cfg, comma or space
#                   separated, or "all" (default: the quick list below)
#   --timeout S     longest run of one test under one VMM (default 60)
#   --doc FILE      also write the table, the command and the date to FILE
#   --logs DIR      keep each run's console output in DIR (default: deleted)
#
# Exit status: 77 when nothing can run at all (no tarball and no --src, or
# neither QEMU nor /dev/kvm); 1 when the build fails, when no test passes
# under QEMU, or when a test passes under QEMU but not under kvmini and
# known.txt gives no reason why; else 0. Without /dev/kvm the kvmini column
# says "skipped: no /dev/kvm", the build and QEMU runs are still checked (1 on
# failure), and the run ends with 77: kvmini itself was not tested.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib.sh
. "$here/../lib.sh"
lib_init kvm-unit-tests

tarball=${KUT_TARBALL:-$lib_root/../shared/peer-sources/kvm-unit-tests-1da1819e.tar.gz}
src=
kvmini=$lib_root/build/vmm/kvmini
qemu=$(command -v qemu-system-x86_64 || true)
# Quick under TCG (a few seconds each), passing under QEMU TCG on the
# development host (docs/kvm-unit-tests.md), and between them touching every
# device kvmini adds for these tests: multiboot and the environment module
# (all), fw_cfg and SIPI (smptest, smptest3), pc-testdev's scratch port
# (realmode) and page flush (eventinj), isa-debug-exit (all).
tests="smptest smptest3 memory realmode setjmp tsc rmap_chain umip eventinj vmexit_cpuid"
max_timeout=60
doc=
logs=
command_line="tests/kvm-unit-tests/run.sh $*"

while [ $# -gt 0 ]; do
	case $1 in
	--tarball) tarball=$2; shift 2 ;;
	--src) src=$2; shift 2 ;;
	--kvmini) kvmini=$2; shift 2 ;;
	--qemu) qemu=$2; shift 2 ;;
	--tests) tests=${2//,/ }; shift 2 ;;
	--timeout) max_timeout=$2; shift 2 ;;
	--doc) doc=$2; shift 2 ;;
	--logs) logs=$2; shift 2 ;;
	-h | --help) sed -n '3,29p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) fail "unknown option '$1' (try --help)" ;;
	esac
done
[[ $max_timeout =~ ^[1-9][0-9]*$ ]] || fail "--timeout '$max_timeout' is not a number of seconds"
logdir=${logs:-$tmp/logs}
mkdir -p "$logdir" || fail "cannot create the log directory '$logdir'"

# ---- the suite: from the tarball, built once into the cache ----------------

# The build needs the tarball's contents and nothing else: key the cache on its hash.
build_from_tarball() {
	[ -f "$tarball" ] || lib_skip "no kvm-unit-tests source: '$tarball' does not exist (give --tarball FILE, KUT_TARBALL, or --src DIR with your clone)"
	local cache=${KVMINI_CACHE:-/var/cache/kvmini}
	if ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then
		cache=${HOME:-/tmp}/.cache/kvmini
		mkdir -p "$cache" || fail "cannot create a cache directory ($cache)"
	fi
	local key
	key=$(sha256sum "$tarball" | cut -c1-12) || fail "cannot read '$tarball'"
	src=$cache/kvm-unit-tests-$key
	[ -f "$src/.kvmini-built" ] && return
	echo "kvm-unit-tests: building $tarball into $src (once)" >&2
	local work
	work=$(mktemp -d "$cache/.kvm-unit-tests-build.XXXXXX") || fail "cannot create a build directory in $cache"
	# A build interrupted half way never looks complete: it is renamed into place at the end.
	if ! tar -xzf "$tarball" -C "$work" --strip-components=1 ||
		! (cd "$work" && ./configure --arch=x86_64 && make -j"${KVMINI_JOBS:-$(nproc)}") \
			>"$tmp/build.log" 2>&1; then
		tail -n 30 "$tmp/build.log" >&2
		rm -rf "$work"
		fail "building kvm-unit-tests from '$tarball' failed (log above)"
	fi
	touch "$work/.kvmini-built"
	rm -rf "$src"
	mv "$work" "$src" || fail "cannot move the build into $src"
}

user_src=$src
if [ -n "$src" ]; then
	[ -f "$src/x86/unittests.cfg" ] || fail "--src '$src' is not a kvm-unit-tests tree (no x86/unittests.cfg)"
	if ! ls "$src"/x86/*.flat >/dev/null 2>&1; then
		(cd "$src" && ./configure --arch=x86_64 && make -j"${KVMINI_JOBS:-$(nproc)}") \
			>"$tmp/build.log" 2>&1 || { tail -n 30 "$tmp/build.log" >&2; fail "building '$src' failed"; }
	fi
else
	build_from_tarball
fi
cfg=$src/x86/unittests.cfg
echo "kvm-unit-tests: using $src" >&2

# ---- what can run here ------------------------------------------------------

kvm_ok=0
[ -c /dev/kvm ] && (: <>/dev/kvm) 2>/dev/null && kvm_ok=1
kvmini_why=
if [ $kvm_ok = 0 ]; then
	kvmini_why="skipped: no /dev/kvm"
elif [ ! -x "$kvmini" ]; then
	kvmini_why="skipped: no kvmini at $kvmini (build it, or give --kvmini)"
fi
qemu_why=
accel=tcg
[ $kvm_ok = 1 ] && accel=kvm
if [ -z "$qemu" ] || [ ! -x "$qemu" ]; then
	qemu_why="skipped: no qemu-system-x86_64"
fi
[ -n "$qemu_why" ] && [ -n "$kvmini_why" ] && lib_skip "neither QEMU nor kvmini can run here ($qemu_why; $kvmini_why)"

# The environment a test reads from its initrd (lib/x86/setup.c,
# setup_libcflat()), the same for both: kvmini has the pc-testdev too.
printf 'QEMU_ACCEL=%s\n' "$accel" >"$tmp/env"

# ---- x86/unittests.cfg ------------------------------------------------------

# One line per x86_64 test: name, file, smp, qemu_params, test_args, accel,
# timeout, check, groups; fields separated by ASCII unit separators (0x1f),
# which, unlike tabs, read does not merge when a field is empty.
parse_cfg() {
	awk '
	function flush() {
		if (name != "" && arch != "i386")
			printf "%s\037%s\037%s\037%s\037%s\037%s\037%s\037%s\037%s\n", name, file, smp, qp, args, acc, to, chk, grp
	}
	function value(line) { sub(/^[a-z_]+[ \t]*=[ \t]*/, "", line); return line }
	/^\[.*\]/ { flush(); name = substr($0, 2, length($0) - 2)
		file = ""; smp = "1"; qp = ""; args = ""; acc = ""; to = ""; chk = ""; grp = ""; arch = "" }
	/^file[ \t]*=/ { file = value($0) }
	/^smp[ \t]*=/ { smp = value($0) }
	/^(qemu_params|extra_params)[ \t]*=/ { qp = value($0) }
	/^test_args[ \t]*=/ { args = value($0); gsub(/^["\x27]|["\x27]$/, "", args) }
	/^accel[ \t]*=/ { acc = value($0) }
	/^timeout[ \t]*=/ { to = value($0) }
	/^check[ \t]*=/ { chk = value($0) }
	/^groups[ \t]*=/ { grp = value($0) }
	/^arch[ \t]*=/ { arch = value($0) }
	END { flush() }' "$cfg"
}

# Why kvmini is expected to differ from QEMU on a test (known.txt), or nothing.
known_reason() {
	awk -F '[ \t]*[|][ \t]*' -v t="$1" '$1 == t { sub(/^[^|]*[|][ \t]*/, ""); print; exit }' \
		"$here/known.txt"
}

# ---- one run ------------------------------------------------------------------

# The verdict of a run from its exit status and console (kvm-unit-tests'
# scripts/runtime.bash reads them the same way): isa-debug-exit turns the
# test's exit code c into (c << 1) | 1, so 1 is PASS and 3 FAIL; a test
# whose every check was skipped exits with 38, status 77 (lib/report.c,
# report_summary()); abort(), an assert, exits with 63, status 127
# (lib/abort.c).
# Status 1 is also how QEMU and kvmini report their own setup errors: those
# print only their own "qemu-system-x86_64:" or "kvmini:" lines, a test
# always prints something of its own (most end with a SUMMARY line).
verdict() {
	local status=$1 log=$2 summary guest
	summary=$(grep -a -m1 '^SUMMARY: ' "$log" | sed 's/^SUMMARY: //; s/\r//')
	guest=$(sed 's/qemu-system-x86_64: terminating on signal.*//' "$log" |
		grep -a -v -e '^qemu-system-x86_64:' -e '^kvmini:' -e '^[[:space:]]*$' |
		tail -n 1 | tr -d '\r|' | cut -c1-60)
	case $status in
	0) echo "FAIL: ended without isa-debug-exit (a reset or triple fault?) after '$guest'" ;;
	1) if [ -n "$guest" ]; then
		echo "PASS${summary:+ ($summary)}"
	   else
		echo "ERROR: $(grep -a -m1 -v '^[[:space:]]*$' "$log" | tr -d '|' | cut -c1-100)"
	   fi ;;
	3) echo "FAIL (${summary:-$guest})" ;;
	77) echo "SKIP${summary:+ ($summary)}" ;;
	127) echo "FAIL: abort ($(grep -a -m1 'assert failed\|Unhandled exception\|abort' "$log" | tr -d '|' | cut -c1-80))" ;;
	# timeout(1): 124, or 137 when SIGTERM did not end the VMM and -k's SIGKILL did.
	124 | 137 | "$STATUS_TIMEOUT") echo "TIMEOUT after '$guest'" ;;
	"$STATUS_GUEST_CRASH") echo "FAIL: guest crash ($(grep -a -m1 '^kvmini:' "$log" | tr -d '|' | cut -c1-80))" ;;
	*) echo "FAIL: exit status $status${summary:+ ($summary)}" ;;
	esac
}

run_qemu() { # name file smp qemu_params args timeout
	local log=$logdir/$1.qemu.log
	# shellcheck disable=SC2054 # the commas are QEMU's
	local -a cmd=("$qemu" --no-reboot -nodefaults -device pc-testdev
		-device isa-debug-exit,iobase=0xf4,iosize=0x4 -display none -serial stdio
		-machine accel="$accel" -smp "$3" -kernel "$src/x86/$2" -initrd "$tmp/env")
	# As x86/run: with KVM, lost PIT ticks are dropped, not re-injected.
	[ "$accel" = kvm ] && cmd+=(-global kvm-pit.lost_tick_policy=discard)
	# shellcheck disable=SC2206 # qemu_params are words, as in kvm-unit-tests' own runner
	[ -n "$4" ] && cmd+=($4)
	[ -n "$5" ] && cmd+=(-append "$5")
	timeout -k 2 "$6" "${cmd[@]}" </dev/null >"$log" 2>&1
	verdict $? "$log"
}

# QEMU options kvmini can honour: -m (its --mem); -cpu, because kvmini shows
# the guest every CPU feature KVM supports, as -cpu host would (it cannot
# hide one: a test that needs a feature taken away says so in known.txt);
# -enable-kvm; -machine pit=off, which only quiets the timer (kvmini's PIT
# stays). Anything else names a device or machine kvmini does not have.
kvmini_options() { # qemu_params -> kvmini options on stdout, or status 1 and the option
	local -a words
	read -r -a words <<<"$1"
	local i=0 out=''
	while [ $i -lt ${#words[@]} ]; do
		case ${words[$i]} in
		-m) out="$out --mem ${words[$((i + 1))]^^}"; i=$((i + 2)) ;;
		-cpu) i=$((i + 2)) ;;
		-enable-kvm) i=$((i + 1)) ;;
		-machine) [ "${words[$((i + 1))]:-}" = pit=off ] || { echo "-machine ${words[$((i + 1))]:-}"; return 1; }
			i=$((i + 2)) ;;
		*) echo "${words[$i]} ${words[$((i + 1))]:-}"; return 1 ;;
		esac
	done
	echo "$out"
}

run_kvmini() { # name file smp qemu_params args timeout
	local log=$logdir/$1.kvmini.log opts
	if ! opts=$(kvmini_options "$4"); then
		echo "not run: needs QEMU's '$opts'"
		return
	fi
	# shellcheck disable=SC2086 # opts is a list of words
	timeout -k 2 $(($6 + 5)) "$kvmini" run --kernel "$src/x86/$2" --initrd "$tmp/env" \
		--cpus "$3" --timeout "$6" ${5:+--cmdline "$5"} $opts </dev/null >"$log" 2>&1
	verdict $? "$log"
}

# ---- the table ------------------------------------------------------------------

if [ "$tests" != all ]; then
	names=" $(parse_cfg | cut -d $'\037' -f1 | tr '\n' ' ') "
	for t in $tests; do
		[[ $names == *" $t "* ]] || fail "no such x86_64 test in $cfg: '$t'"
	done
fi

rows=()
mismatches=0
qemu_passes=0
want=" $tests "
while IFS=$'\037' read -r name file smp qp args acc to chk grp; do
	if [ "$tests" != all ]; then
		[[ $want == *" $name "* ]] || continue
	elif [[ " $grp " == *" nodefault "* ]]; then
		continue # kvm-unit-tests runs these only when asked by name
	fi
	t=${to:-90}
	t=${t%s}
	[ "$t" -le "$max_timeout" ] 2>/dev/null || t=$max_timeout
	q=''
	k=''
	# check = PATH=VALUE ...: host settings the test needs (kvm module parameters).
	for c in $chk; do
		if [ "$(cat "${c%%=*}" 2>/dev/null)" != "${c#*=}" ]; then
			q="skipped: host needs $c"
			k=$q
		fi
	done
	if [ ! -f "$src/x86/$file" ]; then
		q="skipped: x86/$file was not built"
		k=$q
	fi
	if [ -z "$q" ]; then
		if [ -n "$qemu_why" ]; then
			q=$qemu_why
		elif [ -n "$acc" ] && [ "$acc" != "$accel" ]; then
			q="skipped: needs accel=$acc"
		elif [ $accel = tcg ] && [[ $qp == *"-cpu host"* ]]; then
			q="skipped: -cpu host needs KVM"
		else
			echo "kvm-unit-tests: $name under QEMU ($accel)..." >&2
			q=$(run_qemu "$name" "$file" "$smp" "$qp" "$args" "$t")
		fi
		if [ -n "$kvmini_why" ]; then
			k=$kvmini_why
		else
			echo "kvm-unit-tests: $name under kvmini..." >&2
			k=$(run_kvmini "$name" "$file" "$smp" "$qp" "$args" "$t")
		fi
	fi
	why=$(known_reason "$name")
	[[ $q == PASS* ]] && qemu_passes=$((qemu_passes + 1))
	if [[ $q == PASS* ]] && [ -z "$kvmini_why" ] && [[ $k != PASS* ]] && [ -z "$why" ]; then
		mismatches=$((mismatches + 1))
		why="MISMATCH: passes under QEMU only"
	fi
	rows+=("| $name | $q | $k | $why |")
done < <(parse_cfg)

# What a reader needs to know to read the table, written under it.
notes() {
	echo "- Each test ran once under each VMM, for at most its own \`timeout\` from"
	echo "  x86/unittests.cfg (90 s where it gives none) or ${max_timeout} s, whichever is less."
	echo "  PASS is status 1, FAIL 3, SKIP 77 (every check skipped), abort 127: isa-debug-exit"
	echo "  turns the test's exit code c into (c << 1) | 1."
	if [ "$accel" = tcg ]; then
		echo "- QEMU ran with TCG, its instruction emulator, as this machine has no /dev/kvm. TCG"
		echo "  has no nested VMX, differs from KVM in places (the APIC, some MSRs, SVM), and is"
		echo "  slow enough for some tests to run into the timeout. Those results are QEMU's under"
		echo "  TCG, not KVM's or kvmini's; where kvmini could not run, its column says why."
	fi
	echo "- \"why they differ\" comes from tests/kvm-unit-tests/known.txt: what kvmini lacks"
	echo "  that the test needs (ACPI, PCI, Hyper-V, a CPU model it cannot hide features from)."
	if [ -x "$kvmini" ] && [ "$(lib_host_info "$kvmini" emulated_kernel_mode 2>/dev/null)" = true ]; then
		echo "- This host's KVM, where /dev/kvm exists, runs guest kernel mode in KVM's"
		echo "  instruction emulator (\`kvmini host-info\`: emulated_kernel_mode; the project's"
		echo "  host notes). kvm-unit-tests run almost entirely in kernel mode, so there every test"
		echo "  that uses an instruction the emulator lacks (xsave, int3, SSE, ...) dies with"
		echo "  KVM_EXIT_INTERNAL_ERROR under kvmini and under QEMU with accel=kvm alike."
	fi
}

table() {
	echo "| test | QEMU ($accel) | kvmini | why they differ |"
	echo "|---|---|---|---|"
	printf '%s\n' "${rows[@]}"
}
table
if [ -n "$doc" ]; then
	{
		echo "# kvm-unit-tests under QEMU and kvmini"
		echo
		echo "Generated by \`$command_line\` on $(date -u '+%Y-%m-%d %H:%M UTC'),"
		echo "host $(uname -r), $("${qemu:-false}" --version 2>/dev/null | head -n1),"
		if [ -n "$user_src" ]; then
			echo "kvm-unit-tests from the tree \`$user_src\`."
		else
			echo "kvm-unit-tests built from \`$(basename "$tarball")\`."
		fi
		echo
		table
		echo
		notes
	} >"$doc.new" || fail "cannot write '$doc.new'"
	mv "$doc.new" "$doc" || fail "cannot write '$doc'"
	echo "kvm-unit-tests: table written to $doc" >&2
fi

[ "$mismatches" = 0 ] || fail "$mismatches test(s) pass under QEMU but not under kvmini"
[ -n "$qemu_why" ] || [ "$qemu_passes" -gt 0 ] || fail "no test passed under QEMU: is the build broken?"
# What this suite is for is kvmini's column: without it the run is a skip,
# not a pass, though the build and the QEMU runs above were checked.
[ -z "$kvmini_why" ] ||
	lib_skip "kvmini's column: $kvmini_why (the build and $qemu_passes QEMU passes were checked)"
lib_finish
