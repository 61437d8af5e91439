#!/bin/sh
# SPDX-License-Identifier: MIT
#
# check-insns.sh: refuse guest code that uses instructions KVM's instruction
# emulator cannot run.
#
# On hosts where guest kernel-mode code runs in KVM's instruction emulator
# (the development host's "PVM native" nested KVM, see docs), an instruction
# the emulator lacks ends the VM with KVM_EXIT_INTERNAL_ERROR, and lzcnt/tzcnt
# silently compute bsr/bsf. The tiny guest runs entirely in kernel mode, so
# none of these may appear in it. The compiler flags in guest/meson.build
# (-mgeneral-regs-only, no -mpopcnt ...) already ensure that for C code; this
# check catches what flags cannot: inline and hand-written assembly, and
# libfdt.a, which we link but do not compile.
#
# Usage:
#   check-insns.sh [--stamp FILE] OBJECT...
#       Disassemble each ELF object, executable or archive with objdump;
#       print every forbidden instruction with its category and exit 1 if
#       there is any. On success, create FILE (a build stamp for Meson).
#   check-insns.sh --self-test OBJECT
#       Check the checker: OBJECT (built from guest/lint/forbidden.S) holds
#       samples of every category; exit 1 unless each one is detected.
#
# A test that must run one such instruction on purpose (the #BP test runs
# int3) puts a symbol named check_insns_allow_<anything> right before it and
# another symbol right after it: objdump then shows that one instruction in
# a block of its own, which is exempt. A longer exempt block is an error.
#
# Environment: OBJDUMP (default: objdump).
set -u

OBJDUMP=${OBJDUMP:-objdump}
stamp=
self_test=0

case "${1:-}" in
--stamp)
	[ $# -ge 2 ] || { echo "check-insns: --stamp needs a file" >&2; exit 2; }
	stamp=$2
	shift 2
	;;
--self-test)
	self_test=1
	shift
	;;
esac
[ $# -ge 1 ] || { echo "usage: check-insns.sh [--stamp FILE | --self-test] OBJECT..." >&2; exit 2; }

# The categories. Mnemonic rules look at the instruction name (after any
# prefix such as rep or lock); register rules at every operand. Symbol names
# and objdump's comments are removed first. Source: the table of instructions
# that are fatal at CPL0 on the development host, extended to their families.
CATEGORIES='SSE/AVX/MMX register
x87 instruction
popcnt
xsave family
cmpxchg16b
crc32
software interrupt
rdtscp/rdpid
lzcnt/tzcnt
BMI/ADX
movbe
other instruction the emulator lacks'

# scan OBJECT: print each forbidden instruction on stdout and, in self-test
# mode, then one line "category<TAB>name" per category seen. Exit 0 if the
# object is clean, 1 if it is not, 2 if objdump failed.
scan() {
	listing="${TMPDIR:-/tmp}/check-insns.$$"
	if ! "$OBJDUMP" -d --no-show-raw-insn "$1" >"$listing"; then
		rm -f "$listing"
		echo "check-insns: $OBJDUMP cannot disassemble $1" >&2
		return 2
	fi
	awk -v file="$1" -v list_categories="$self_test" '
	function flag(category) {
		hits[category]++
		printf "%s: forbidden (%s): %s\n", file, category, line
		found = 1
	}
	/^[0-9a-f]+ <.*>:$/ {		# a symbol starts a new block
		allow = ($0 ~ /<check_insns_allow_/)
		allowed = 0
		next
	}
	allow && /^ *[0-9a-f]+:\t/ {
		line = $0
		if (++allowed > 1)
			flag("exempt block (check_insns_allow_*) longer than one instruction")
		next
	}
	/^ *[0-9a-f]+:\t/ {
		line = $0
		text = $0
		sub(/^ *[0-9a-f]+:\t/, "", text)
		sub(/#.*/, "", text)		# objdump comments
		gsub(/<[^>]*>/, "", text)	# symbol names
		if (text ~ /\(bad\)/) {
			flag("undecodable bytes in code")
			next
		}
		n = split(text, tok, /[ \t,()*$:]+/)
		m = ""
		for (i = 1; i <= n; i++) {
			t = tok[i]
			if (t ~ /^%[xyz]mm[0-9]+$/ || t ~ /^%mm[0-7]$/ || t ~ /^%k[0-7]$/)
				flag("SSE/AVX/MMX register")
			if (t ~ /^%st$/)
				flag("x87 instruction")
			if (m == "" && t != "" && t !~ /^(rep|repz|repnz|repe|repne|lock|data16|data32|addr32|cs|ds|es|ss|fs|gs|notrack|bnd|rex.*)$/)
				m = t
		}
		if ((m ~ /^f/ && m !~ /^fx(save|rstor)(64)?$/) || m == "wait")
			flag("x87 instruction")
		else if (m ~ /^popcnt[wlq]?$/)
			flag("popcnt")
		else if (m ~ /^(xsave|xrstor)/ || m == "xgetbv")
			flag("xsave family")
		else if (m == "cmpxchg16b")
			flag("cmpxchg16b")
		else if (m ~ /^crc32[bwlq]?$/)
			flag("crc32")
		else if (m ~ /^(int3|int|int1|icebp|into)$/)
			flag("software interrupt")
		else if (m == "rdtscp" || m == "rdpid")
			flag("rdtscp/rdpid")
		else if (m ~ /^(lzcnt|tzcnt)[wlq]?$/)
			flag("lzcnt/tzcnt")
		else if (m ~ /^(andn|bextr|blsi|blsmsk|blsr|bzhi|mulx|pdep|pext|rorx|sarx|shlx|shrx|adcx|adox)[lq]?$/)
			flag("BMI/ADX")
		else if (m ~ /^movbe[wlq]?$/)
			flag("movbe")
		else if (m ~ /^(stac|clac|lsl|lar|verw|verr|invpcid|clflushopt|clwb|ldmxcsr|stmxcsr|emms|vzeroupper|vzeroall)[wlq]?$/)
			flag("other instruction the emulator lacks")
	}
	END {
		if (list_categories)
			for (c in hits)
				printf "category\t%s\n", c
		exit found
	}' "$listing"
	result=$?
	rm -f "$listing"
	return $result
}

if [ "$self_test" = 1 ]; then
	found=$(scan "$1")
	if [ $? -ne 1 ]; then
		echo "check-insns self-test: $1 was not reported as forbidden" >&2
		exit 1
	fi
	missing=0
	while IFS= read -r category; do
		if ! printf '%s\n' "$found" | grep -qxF "category	$category"; then
			echo "check-insns self-test: category '$category' NOT detected in $1" >&2
			missing=1
		fi
	done <<EOF
$CATEGORIES
EOF
	[ "$missing" = 0 ] || exit 1
	echo "check-insns self-test: all $(printf '%s\n' "$CATEGORIES" | wc -l) categories detected in $1"
	exit 0
fi

status=0
for object in "$@"; do
	scan "$object"
	case $? in
	0) ;;
	1)
		echo "check-insns: $object uses instructions that KVM's instruction emulator cannot run" >&2
		status=1
		;;
	*)
		echo "check-insns: cannot check $object" >&2
		status=1
		;;
	esac
done
if [ "$status" = 0 ] && [ -n "$stamp" ]; then
	: >"$stamp"
fi
exit $status
