#!/bin/sh
# SPDX-License-Identifier: MIT
# Bad bundles and IDs for `kvmini oci create`: each fails with a message
# naming the cause, and --root is left as it was (no state directory, no
# half-written file). On a host without usable KVM, a good bundle fails the
# same way, naming /dev/kvm. Needs no KVM; needs python3.
# Usage: bad-bundle.sh KVMINI
. "$(dirname "$0")/../lib.sh"
lib_init oci-bad-bundle
kvmini=$1
. "$(dirname "$0")/oci_lib.sh"

# A stand-in guest, so that every case below gets past the guest lookup.
mkdir "$tmp/guest" && : >"$tmp/guest/vmlinux" && : >"$tmp/guest/initramfs.cpio"
export KVMINI_OCI_GUEST="$tmp/guest"

# bad WHAT TEXT PY: a bundle whose config.json is the default with PY applied.
bad() {
	oci_bundle "$tmp/$1" "$3"
	oci create --bundle "$tmp/$1" "c-$1"
	oci_expect_error "$1" "$2"
	oci_root_empty "$1"
}

mkdir -p "$tmp/noconfig/rootfs"
oci create --bundle "$tmp/noconfig" c1
oci_expect_error "no config.json" "no config.json in the bundle"
oci_root_empty "no config.json"

oci create --bundle "$tmp/nosuchdir" c1
oci_expect_error "no bundle directory" "nosuchdir"
oci_root_empty "no bundle directory"

mkdir -p "$tmp/badjson/rootfs" && printf '{"ociVersion": "1.0.2",' >"$tmp/badjson/config.json"
oci create --bundle "$tmp/badjson" c1
oci_expect_error "invalid JSON" "not valid JSON"
oci_root_empty "invalid JSON"

bad oldversion "unsupported ociVersion '0.1.0'" 'c["ociVersion"] = "0.1.0"'
bad noroot "root.path: the container's root" 'import shutil; shutil.rmtree(sys.argv[1][:-12] + "/rootfs")'
bad rootfile "is not a directory" 'open(sys.argv[1][:-12] + "/rootfs/x", "w"); c["root"]["path"] = "rootfs/x"'
bad argsnum "process.args[0] is not a string" 'c["process"]["args"] = [1]'
bad noargs "process.args is missing or empty" 'c["process"]["args"] = []'
bad relcwd "process.cwd 'tmp' is not an absolute path" 'c["process"]["cwd"] = "tmp"'
bad uidstr "process.user.uid must be an integer" 'c["process"]["user"]["uid"] = "0"'
bad dotdot "is not an absolute path without '..'" 'c["mounts"].append({"destination": "/a/../../x", "type": "tmpfs"})'
bad bindsrc "bind mount source '/nonexistent-kvmini'" 'c["mounts"].append({"destination": "/d", "type": "bind", "source": "/nonexistent-kvmini", "options": ["rbind"]})'
bad bigmem "linux.resources.memory.limit" 'c["linux"]["resources"]["memory"]["limit"] = 1 << 50'
bad tty "needs --console-socket" 'c["process"]["terminal"] = True'

# Bad IDs, with a good bundle.
oci_bundle "$tmp/good"
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
