#!/bin/sh
# SPDX-License-Identifier: MIT
#
# host-info.sh: `kvmini host-info` prints what the monitor decided about this
# KVM host as one JSON object on stdout (vmm/kvm/host_quirks.c), for both host
# kinds, and works (status 0) whether or not /dev/kvm is usable: it reports
# that too, and never creates /dev/kvm. Needs no /dev/kvm, and python3.
#
# Usage: host-info.sh KVMINI
# Exit status: 0 pass, 1 fail.
set -u
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
kvmini=$1
lib_init host-info

# Whether /dev/kvm is usable, judged here the way lib_require_kvm does.
if [ -c /dev/kvm ] && (: <>/dev/kvm) 2>/dev/null; then
	usable=true
else
	usable=false
fi
[ -e /dev/kvm ] && existed=yes || existed=no

# info NAME [VAR=VALUE...]: run host-info in that environment; keep its
# stdout in $tmp/NAME.json and stderr in $tmp/NAME.err; it must exit 0 and
# print well-formed JSON.
info() {
	name=$1
	shift
	env "$@" "$kvmini" host-info >"$tmp/$name.json" 2>"$tmp/$name.err"
	status=$?
	cat "$tmp/$name.json" "$tmp/$name.err"
	[ $status -eq "$STATUS_OK" ] || fail "$name: exit status $status, expected $STATUS_OK"
	python3 -m json.tool "$tmp/$name.json" >/dev/null ||
		fail "$name: stdout is not well-formed JSON"
	echo "host-info: $name: status 0, well-formed JSON"
}

# expect NAME CONDITION WHY [CONDITION WHY...]: each Python condition holds
# for the parsed object j (one python3 run for all: it starts slowly).
expect() {
	python3 - "$tmp/$1.json" "$@" >"$tmp/expect.out" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
name, checks = sys.argv[2], sys.argv[3:]
for cond, why in zip(checks[0::2], checks[1::2]):
    ok = eval("(" + cond + ")", {"j": j})
    print("%s %s: %s" % ("ok" if ok else "FAILED", name, why))
PY
	cat "$tmp/expect.out"
	! grep -q '^FAILED' "$tmp/expect.out" || check_fail "$1: a check above failed"
	grep -q '^ok' "$tmp/expect.out" || check_fail "$1: the checks did not run"
}

# The same keys, with the same types, whatever the host.
shape='isinstance(j, dict) and sorted(j) == sorted(["host", "emulated_kernel_mode",
  "linux_cmdline", "hidden_kvm_features", "inject_int3", "kvm_usable", "kvm_problem"])
  and isinstance(j["host"], str) and j["host"]
  and all(isinstance(j[k], bool) for k in ("emulated_kernel_mode", "inject_int3", "kvm_usable"))
  and isinstance(j["linux_cmdline"], str)
  and isinstance(j["hidden_kvm_features"], list)
  and all(isinstance(f, str) and f for f in j["hidden_kvm_features"])'
# kvm_usable as this script judged it, and a reason exactly when it is false.
kvm="j[\"kvm_usable\"] == $([ $usable = true ] && echo True || echo False)
  and (j[\"kvm_problem\"] is None) == j[\"kvm_usable\"]
  and (j[\"kvm_usable\"] or (isinstance(j[\"kvm_problem\"], str) and \"/dev/kvm\" in j[\"kvm_problem\"]))"

info detected
expect detected "$shape" "every key, with its type" \
	"$kvm" "kvm_usable is $usable, with a reason when false" \
	'j["host"] in ("hardware", "pvm-native")' "a known host kind"
[ -s "$tmp/detected.err" ] && check_fail "detected: unexpected messages on stderr"

info hardware KVMINI_HOST=hardware
expect hardware "$shape" "every key, with its type" \
	"$kvm" "kvm_usable is $usable, with a reason when false" \
	'j["host"] == "hardware" and not j["emulated_kernel_mode"]
  and j["linux_cmdline"] == "" and j["hidden_kvm_features"] == [] and not j["inject_int3"]' \
	"KVMINI_HOST=hardware: no workaround at all"

info pvm-native KVMINI_HOST=pvm-native
expect pvm-native "$shape" "every key, with its type" \
	"$kvm" "kvm_usable is $usable, with a reason when false" \
	'j["host"] == "pvm-native" and j["emulated_kernel_mode"]
  and j["linux_cmdline"].strip() and j["hidden_kvm_features"] and j["inject_int3"]' \
	"KVMINI_HOST=pvm-native: command-line additions, hidden features, int3 injection"

# An unknown override is reported on stderr; stdout stays pure JSON.
info bogus KVMINI_HOST=no-such-host
expect bogus "$shape" "every key, with its type"
grep -q 'KVMINI_HOST=no-such-host' "$tmp/bogus.err" ||
	check_fail "bogus: no warning about KVMINI_HOST=no-such-host on stderr"

# host-info takes no arguments.
"$kvmini" host-info extra >"$tmp/extra.out" 2>&1
status=$?
if [ $status -ne "$STATUS_SETUP_ERROR" ] || ! grep -q "host-info takes no arguments" "$tmp/extra.out"; then
	cat "$tmp/extra.out"
	check_fail "'host-info extra': status $status, expected $STATUS_SETUP_ERROR and a message"
else
	echo "host-info: 'host-info extra' is refused with status $status"
fi

# Asking never creates /dev/kvm (a stray regular file fools later checks).
if [ $existed = no ] && [ -e /dev/kvm ]; then
	check_fail "/dev/kvm exists after host-info ran, and did not before"
fi

[ "$lib_failed" = 0 ] && echo "host-info: OK"
lib_finish
