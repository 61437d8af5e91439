# SPDX-License-Identifier: MIT
# shellcheck shell=sh disable=SC2154 # tmp and kvmini come from the test
# tests/oci/oci_lib.sh: what the `kvmini oci` tests share. Source it after
# tests/lib.sh and lib_init:
#	oci ARGS...                 kvmini oci --root $root ARGS...; sets $status,
#	                            stdout in $tmp/out, stderr in $tmp/err
#	oci_bundle DIR [PY]         a bundle: DIR/rootfs and DIR/config.json from
#	                            `kvmini oci spec`, terminal false, then the
#	                            Python statements PY applied to the dict c
#	oci_expect_error WHAT TEXT  the last oci failed with TEXT on stderr
#	oci_root_empty WHAT         nothing is left under $root
#	oci_json EXPR WHY           EXPR (Python, j = stdout as JSON) holds
# $kvmini must be set; $root is $tmp/root.

root=$tmp/root

oci() {
	timeout 20 "$kvmini" oci --root "$root" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	status=$?
}

oci_bundle() {
	mkdir -p "$1/rootfs" || fail "cannot make $1/rootfs"
	"$kvmini" oci spec >"$1/config.json" || fail "kvmini oci spec failed"
	python3 - "$1/config.json" "${2:-}" <<'PY' || fail "cannot edit $1/config.json"
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["terminal"] = False
exec(sys.argv[2])
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
}

oci_expect_error() {
	if [ "$status" -eq 0 ] || [ "$status" -ge 124 ]; then
		check_fail "$1: status $status, want a failure (1); stderr: $(cat "$tmp/err")"
	elif ! grep -qF -- "$2" "$tmp/err"; then
		check_fail "$1: stderr does not say '$2': $(cat "$tmp/err")"
	else
		echo "PASS: $1: $(head -n 1 "$tmp/err")"
	fi
}

oci_root_empty() {
	if [ -d "$root" ] && [ -n "$(ls -A "$root")" ]; then
		check_fail "$1: left behind in --root: $(ls -A "$root" | tr '\n' ' ')"
	else
		echo "PASS: $1: --root holds nothing"
	fi
}

oci_json() {
	if python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$tmp/out" "$1" 2>"$tmp/json.err"; then
		echo "PASS: $2"
	else
		check_fail "$2: $1 does not hold for: $(cat "$tmp/out" "$tmp/json.err")"
	fi
}
