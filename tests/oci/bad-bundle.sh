#!/bin/sh
# SPDX-License-Identifier: MIT
# Bad bundles and IDs for `kvmini oci create`: each fails with a message
# naming the cause, and --root is left as it was (no state directory, no
# half-written file). On a host without usable KVM, a good bundle fails the
# same way, naming /dev/kvm. Needs no KVM; needs python3.
# Usage: bad-bundle.sh KVMINI
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
lib_init oci-bad-bundle
kvmini=$1
# shellcheck source=oci_lib.sh
. "$(dirname "$0")/oci_lib.sh"

# A stand-in guest, so that every case below gets past the guest lookup.
oci_stand_in_guest

# Bundles whose config.json is the default with one change each, made by one
# python3 run (it starts slowly on a loaded machine): NAME, the text the
# error must contain, and the change (Python on the dict c; b is the bundle).
cat >"$tmp/cases" <<'CASES'
oldversion	unsupported ociVersion '0.1.0'	c["ociVersion"] = "0.1.0"
noroot	root.path: the container's root	shutil.rmtree(b + "/rootfs")
rootfile	is not a directory	open(b + "/rootfs/x", "w"); c["root"]["path"] = "rootfs/x"
argsnum	process.args[0] is not a string	c["process"]["args"] = [1]
noargs	process.args is missing or empty	c["process"]["args"] = []
relcwd	process.cwd 'tmp' is not an absolute path	c["process"]["cwd"] = "tmp"
uidstr	process.user.uid must be an integer	c["process"]["user"]["uid"] = "0"
dotdot	is not an absolute path without '..'	c["mounts"].append({"destination": "/a/../../x", "type": "tmpfs"})
bindsrc	bind mount source '/nonexistent-kvmini'	c["mounts"].append({"destination": "/d", "type": "bind", "source": "/nonexistent-kvmini", "options": ["rbind"]})
bigmem	linux.resources.memory.limit	c["linux"]["resources"]["memory"]["limit"] = 1 << 50
tty	needs --console-socket	c["process"]["terminal"] = True
good		pass
CASES
"$kvmini" oci spec >"$tmp/spec.json" || fail "kvmini oci spec failed"
python3 - "$tmp" <<'PY' || fail "cannot make the bundles"
import json, os, shutil, sys
tmp = sys.argv[1]
for line in open(tmp + "/cases"):
    name, _, change = line.rstrip("\n").split("\t")
    b = tmp + "/" + name
    os.makedirs(b + "/rootfs")
    c = json.load(open(tmp + "/spec.json"))
    c["process"]["terminal"] = False
    exec(change)
    json.dump(c, open(b + "/config.json", "w"), indent=1)
PY
while IFS='	' read -r name text _; do
	[ "$name" = good ] && continue
	oci create --bundle "$tmp/$name" "c-$name"
	oci_expect_error "$name" "$text"
	oci_root_empty "$name"
done <"$tmp/cases"

# Bad IDs, with a good bundle.
for id in a/b .. . "" "$(printf '%0300d' 0)" 'a b' 'x;y'; do
	oci create --bundle "$tmp/good" "$id"
	case "$id" in
	"") oci_expect_error "empty ID" "the container ID is empty" ;;
	000*) oci_expect_error "a 300-byte ID" "is too long" ;;
	*) oci_expect_error "ID '$id'" "invalid container ID" ;;
	esac
	oci_root_empty "ID '$(printf %.20s "$id")'"
done

# No guest: named, with the variable that points at one.
KVMINI_OCI_GUEST="$tmp/noguest" oci create --bundle "$tmp/good" c1
oci_expect_error "no guest" "KVMINI_OCI_GUEST"
oci_root_empty "no guest"

# A good bundle on a host without KVM: refused naming /dev/kvm, nothing left.
if [ -c /dev/kvm ] && (: <>/dev/kvm) 2>/dev/null; then
	echo "SKIP (one case): KVM is usable here, so create would not fail at /dev/kvm"
else
	oci create --bundle "$tmp/good" c1
	oci_expect_error "good bundle without KVM" "/dev/kvm"
	oci_root_empty "good bundle without KVM"
fi

# A duplicate ID: the second create fails and leaves the first one's state alone.
KVMINI_OCI_TEST_VMM=/bin/true oci create --bundle "$tmp/good" dup
[ "$status" -eq 0 ] || fail "create dup: status $status: $(cat "$tmp/err")"
cp "$root/dup/state.json" "$tmp/dup-state"
KVMINI_OCI_TEST_VMM=/bin/true oci create --bundle "$tmp/good" dup
oci_expect_error "duplicate ID" "container 'dup' already exists"
cmp -s "$root/dup/state.json" "$tmp/dup-state" || check_fail "duplicate ID: the first state changed"
oci delete dup
[ "$status" -eq 0 ] || check_fail "delete dup: status $status: $(cat "$tmp/err")"
oci_root_empty "after deleting dup"

[ "$lib_failed" = 0 ] && echo "oci-bad-bundle: OK"
lib_finish
