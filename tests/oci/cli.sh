#!/bin/sh
# SPDX-License-Identifier: MIT
# `kvmini oci` without a container: spec, features and --version print what
# they should; list on an empty root prints runc's header (or null as JSON);
# state, start, kill and delete of an unknown ID fail with a clear message;
# unsupported commands and bad options are refused; --log writes runc's
# text and JSON lines. Needs no KVM; needs python3.
# Usage: cli.sh KVMINI
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
lib_init oci-cli
kvmini=$1
# shellcheck source=oci_lib.sh
. "$(dirname "$0")/oci_lib.sh"

# spec: valid JSON with the runc-like defaults create relies on.
oci spec
[ "$status" -eq 0 ] || fail "spec: status $status: $(cat "$tmp/err")"
python3 -m json.tool "$tmp/out" >/dev/null || fail "spec: not valid JSON: $(cat "$tmp/out")"
oci_json 'j["ociVersion"] == "1.1.0" and j["process"]["args"] == ["sh"]
  and j["process"]["terminal"] is True and j["root"]["path"] == "rootfs"
  and j["process"]["cwd"] == "/" and j["process"]["user"] == {"uid": 0, "gid": 0}
  and any(m["destination"] == "/proc" and m["type"] == "proc" for m in j["mounts"])' \
	"spec: ociVersion 1.1.0, args [sh], terminal, root rootfs, /proc"
# spec --bundle writes config.json there, and never over an existing one (as runc).
mkdir "$tmp/b"
oci spec --bundle "$tmp/b"
[ "$status" -eq 0 ] && python3 -m json.tool "$tmp/b/config.json" >/dev/null ||
	check_fail "spec --bundle: no valid $tmp/b/config.json"
oci spec --bundle "$tmp/b"
oci_expect_error "spec --bundle over an existing config.json" "config.json"

oci features
[ "$status" -eq 0 ] || fail "features: status $status"
oci_json 'j["ociVersionMin"] == "1.0.0" and j["ociVersionMax"] == "1.1.0"
  and "linux" in j and isinstance(j["mountOptions"], list) and j["hooks"] == []' \
	"features: the features.md document"

# --version: runc's three lines, which go-runc's parseVersion splits exactly.
timeout 10 "$kvmini" oci --version >"$tmp/out" 2>&1
printf 'kvmini version X\ncommit: X\nspec: 1.1.0\n' >"$tmp/want"
sed 's/ version .*/ version X/; s/^commit: .*/commit: X/' "$tmp/out" | cmp -s - "$tmp/want" ||
	check_fail "--version: $(cat "$tmp/out")"

# Called as kvmini-oci (the symlink Meson installs), kvmini is `kvmini oci`.
ln -s "$(cd "$(dirname "$kvmini")" && pwd)/$(basename "$kvmini")" "$tmp/kvmini-oci"
timeout 10 "$tmp/kvmini-oci" --root "$root" --version >"$tmp/out2" 2>&1
cmp -s "$tmp/out" "$tmp/out2" || check_fail "kvmini-oci --version: $(cat "$tmp/out2")"
timeout 10 "$tmp/kvmini-oci" --root "$root" list -q >"$tmp/out2" 2>&1 && [ ! -s "$tmp/out2" ] ||
	check_fail "kvmini-oci list -q: $(cat "$tmp/out2")"

# list on a root that does not exist yet: runc's header and nothing else.
oci list
printf 'ID          PID         STATUS      BUNDLE      CREATED     OWNER\n' >"$tmp/want"
if [ "$status" -eq 0 ] && cmp -s "$tmp/out" "$tmp/want"; then
	echo "PASS: list: the header only"
else
	check_fail "list: status $status, got: $(cat -A "$tmp/out")"
fi
oci list --format json
[ "$status" -eq 0 ] && [ "$(cat "$tmp/out")" = null ] || check_fail "list --format json: $(cat "$tmp/out")"
oci list -q
[ "$status" -eq 0 ] && [ ! -s "$tmp/out" ] || check_fail "list -q: $(cat "$tmp/out")"
oci list --format yaml
oci_expect_error "list --format yaml" "--format"

for cmd in state start delete kill "kill --all" "ps" "ps --format json" pause resume; do
	# shellcheck disable=SC2086 # the command and its option are two words
	oci $cmd nosuch
	oci_expect_error "$cmd of an unknown ID" "container 'nosuch' does not exist"
done
# runc: delete --force of a container that does not exist succeeds (podman
# and containerd's shim clean up so after a failed create).
oci delete --force nosuch
[ "$status" -eq 0 ] && [ ! -s "$tmp/err" ] ||
	check_fail "delete --force of an unknown ID: status $status, stderr: $(cat "$tmp/err")"
oci delete --force ../etc
oci_expect_error "delete --force of a bad ID" "invalid container ID"
oci state ../etc
oci_expect_error "state of a bad ID" "invalid container ID"
# Signals as runc takes them: a name with or without SIG, any case, or a number.
for sig in TERM SIGTERM sigkill 15 9 0 USR1; do
	oci kill nosuch "$sig"
	oci_expect_error "kill with signal '$sig'" "container 'nosuch' does not exist"
done
oci kill nosuch BOGUS
oci_expect_error "kill with a bad signal" "'BOGUS' is not a signal"
oci state
oci_expect_error "state without an ID" "takes a container ID"
oci state a b
oci_expect_error "state with two IDs" "got 2 arguments"
# runc commands kvmini cannot do: refused with the reason, never "unknown option".
for cmd in "exec --process p.json --detach --pid-file p x" \
	"update --resources - x" "events --stats x" "checkpoint x" "restore x"; do
	# shellcheck disable=SC2086 # the command and its options are words
	oci $cmd
	oci_expect_error "${cmd%% *} (not supported)" "'${cmd%% *}' is not supported: "
done
oci frobnicate x
oci_expect_error "an unknown command" "command 'frobnicate' is not supported"
oci create --frobnicate x
oci_expect_error "an unknown option" "unknown option '--frobnicate'"
oci
oci_expect_error "no command" "no command given"
oci_root_empty "after the refusals"

# The options podman and containerd's shim put before the command are
# accepted: the failure is the missing container, not an option.
timeout 10 "$kvmini" oci --root "$root" --systemd-cgroup --log "$tmp/log.txt" \
	--log-format text --debug --criu /usr/sbin/criu --rootless false state nosuch \
	>"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] || check_fail "global options: want status 1"
grep -q "option" "$tmp/err" && check_fail "global options refused: $(cat "$tmp/err")"
timeout 10 "$kvmini" oci --root "$root" --systemd-cgroup=true --rootless=auto list -q \
	>/dev/null 2>"$tmp/err2" || check_fail "--systemd-cgroup=true: $(cat "$tmp/err2")"
grep -q '^time="[0-9T:Z-]*" level=error msg="container '"'"'nosuch'"'"' does not exist' "$tmp/log.txt" ||
	check_fail "--log text: $(cat "$tmp/log.txt")"
grep -q "kvmini: container 'nosuch' does not exist" "$tmp/err" ||
	check_fail "--log: the error must also reach stderr: $(cat "$tmp/err")"
timeout 10 "$kvmini" oci --root="$root" --log="$tmp/log.json" --log-format=json state nosuch 2>/dev/null
python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert lines and lines[-1]["level"] == "error" and "does not exist" in lines[-1]["msg"], lines
assert set(lines[-1]) == {"level", "msg", "time"}
' "$tmp/log.json" || check_fail "--log-format json: $(cat "$tmp/log.json")"
timeout 10 "$kvmini" oci --log-format xml list >/dev/null 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "log-format" "$tmp/err" || check_fail "--log-format xml accepted"

# create's runc options (conmon's and go-runc's): the failure is the bundle.
oci create --bundle "$tmp/nobundle" --pid-file "$tmp/p" --no-pivot --no-new-keyring \
	--preserve-fds 0 --console-socket "$tmp/s" x
oci_expect_error "create with runc's options" "bundle '$tmp/nobundle' (--bundle)"
oci_root_empty "after create with runc's options"

[ "$lib_failed" = 0 ] && echo "oci-cli: OK"
lib_finish
