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
#	oci_busybox_rootfs DIR      a root file system: Debian's static busybox,
#	                            its applets, mount points, /work (skips, 77,
#	                            without a static /bin/busybox)
#	oci_stand_in_guest          KVMINI_OCI_GUEST: empty vmlinux and initramfs,
#	                            enough for create to get past the guest lookup
#	oci_require_kvm             skip (77) without usable /dev/kvm or kvmini
#	                            run's --share
#	oci_qemu_vmm                QEMU's software emulation instead of kvmini
#	                            run: KVMINI_OCI_TEST_VMM=tests/qemu-vmm.sh
#	                            (skips without root, QEMU or virtiofsd)
#	oci_linux_guest             KVMINI_OCI_GUEST, the Linux guest: from
#	                            $KVMINI_OCI_GUEST, $KVMINI_LINUX_DIR or
#	                            guest/linux/build.sh; skips (77) without one
#	                            whose /init sources the agent
#	oci_vm_guest                oci_require_kvm, then oci_linux_guest
#	oci_host_vmm                the agent on this host instead of a VM:
#	                            KVMINI_OCI_TEST_VMM=host-vmm.sh, AGENT_TMP,
#	                            AGENT_EXEC (kvmini-exec built for the host)
#	                            (skips without root or unshare)
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

oci_busybox_rootfs() {
	[ -x /bin/busybox ] && file -L /bin/busybox 2>/dev/null | grep -q 'statically linked' ||
		lib_skip "no static /bin/busybox (apt-get install busybox-static)"
	mkdir -p "$1/bin" "$1/proc" "$1/sys" "$1/dev" "$1/tmp" "$1/work" "$1/etc" ||
		fail "cannot make $1"
	cp /bin/busybox "$1/bin/busybox" || fail "cannot copy busybox to $1"
	for applet in sh echo cat sleep id pwd env touch false true hostname stty tty; do
		ln -s busybox "$1/bin/$applet"
	done
}

oci_stand_in_guest() {
	mkdir -p "$tmp/guest" && : >"$tmp/guest/vmlinux" && : >"$tmp/guest/initramfs.cpio" ||
		fail "cannot make a stand-in guest"
	export KVMINI_OCI_GUEST="$tmp/guest"
}

oci_require_kvm() {
	lib_require_kvm
	"$kvmini" --help | grep -q -- '--share' ||
		lib_skip "kvmini run has no --share (virtio-fs), which holds the container's root"
}

oci_qemu_vmm() {
	[ "$(id -u)" -eq 0 ] || lib_skip "virtiofsd needs root"
	command -v qemu-system-x86_64 >/dev/null ||
		lib_skip "no qemu-system-x86_64 (apt-get install qemu-system-x86)"
	[ -x /usr/lib/qemu/virtiofsd ] || lib_skip "no /usr/lib/qemu/virtiofsd (apt-get install qemu-system-x86)"
	export KVMINI_OCI_TEST_VMM="$lib_root/tests/qemu-vmm.sh"
}

oci_linux_guest() {
	oci_g=${KVMINI_OCI_GUEST:-${KVMINI_LINUX_DIR:-}}
	if [ -z "$oci_g" ]; then
		oci_g=$("$lib_root/guest/linux/build.sh" | tail -n 1) || fail "guest/linux/build.sh failed"
	fi
	for oci_f in vmlinux initramfs.cpio; do
		[ -s "$oci_g/$oci_f" ] || lib_skip "no $oci_g/$oci_f (set KVMINI_OCI_GUEST)"
	done
	grep -aq 'kvmini.agent=' "$oci_g/initramfs.cpio" ||
		lib_skip "the guest's /init does not source an agent (kvmini.agent=, guest/linux/init.sh)"
	export KVMINI_OCI_GUEST="$oci_g"
}

oci_vm_guest() {
	oci_require_kvm
	oci_linux_guest
}

oci_host_vmm() {
	[ "$(id -u)" -eq 0 ] || lib_skip "the agent's mounts on the host need root"
	command -v unshare >/dev/null || lib_skip "no unshare (util-linux)"
	oci_stand_in_guest
	mkdir -p "$tmp/agent" || fail "cannot make $tmp/agent"
	export KVMINI_OCI_TEST_VMM="$lib_root/tests/oci/host-vmm.sh" AGENT_TMP="$tmp/agent"
	# The guest image's /bin/kvmini-exec, built for this host (tests/oci/meson.build).
	AGENT_EXEC=$(dirname "$(dirname "$kvmini")")/tests/oci/kvmini-exec-host
	[ -x "$AGENT_EXEC" ] || fail "no $AGENT_EXEC (build it: ninja -C $(dirname "$(dirname "$kvmini")"))"
	export AGENT_EXEC
}
