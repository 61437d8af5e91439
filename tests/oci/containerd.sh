#!/bin/sh
# SPDX-License-Identifier: MIT
# containerd (Debian's, with its runc shim io.containerd.runc.v2) drives
# kvmini-oci as it drives runc: `ctr run --runc-binary kvmini-oci`. The test
# starts its own containerd (root, state, sockets, ctr's FIFOs and config
# under $tmp; no CRI plugin; containerd 1.6 keeps only its shims' sockets in
# /run/containerd/s), imports the busybox rootfs as an OCI image archive made by
# oci_image.py (no registry), and stops containerd at exit. Checks: `ctr
# run --rm IMAGE ID echo hi` prints hi, a status propagates, `ctr run -d`
# puts the VMM in containerd's cgroup, `ctr task pause`/`resume` work and
# `ctr task kill` stops the container, and kvmini's --root (ctr's
# --runc-root) is empty after each.
# Usage: containerd.sh KVMINI [vm|qemu|host]
#   vm (default)  as microVMs. Without /dev/kvm it first checks the error
#                 path: ctr shows kvmini's "/dev/kvm" message (containerd
#                 reads it from the runtime's JSON --log), fails, and no
#                 state stays behind; then it skips (77).
#   qemu          the real Linux guest under QEMU's software emulation
#                 (tests/qemu-vmm.sh; the guest as run-busybox.sh qemu finds it).
#   host          the guest agent on this host instead of a VM
#                 (tests/oci/host-vmm.sh).
# Needs root, containerd and ctr (apt-get install -y containerd), python3,
# busybox-static.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
mode=${2:-vm}
lib_init "oci-containerd-$mode"
kvmini=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
# shellcheck source=oci_lib.sh
. "$(dirname "$0")/oci_lib.sh"

for prog in containerd ctr containerd-shim-runc-v2; do
	command -v $prog >/dev/null ||
		lib_skip "no $prog (apt-get install -y containerd, or scripts/install-deps.sh)"
done
[ "$(id -u)" -eq 0 ] || lib_skip "containerd and its shim need root here"
runtime=$(dirname "$kvmini")/kvmini-oci
[ -x "$runtime" ] || fail "no $runtime next to kvmini (vmm/meson.build makes it)"
image=localhost/kvmini-test-busybox:latest
ns=kvmini-test
sock=$tmp/containerd.sock

# The shim keeps kvmini's state in --runc-root/NAMESPACE.
nsroot=$root/$ns
ctr_() {
	timeout 120 ctr --address "$sock" --namespace "$ns" "$@"
}
containerd_pid=
cleanup() {
	if [ -n "$containerd_pid" ]; then
		for c in $(ctr_ containers list --quiet 2>/dev/null); do
			ctr_ tasks kill --signal KILL "$c" >/dev/null 2>&1
			ctr_ tasks delete --force "$c" >/dev/null 2>&1
			ctr_ containers delete "$c" >/dev/null 2>&1
		done
		kill -TERM "$containerd_pid" 2>/dev/null
		wait "$containerd_pid" 2>/dev/null
	fi
	# A shim outlives containerd by design: end the ones this test started.
	for p in /proc/[0-9]*; do
		grep -qsF -- "$sock" "$p/cmdline" && kill -KILL "${p#/proc/}" 2>/dev/null
	done
	grep -o " $tmp/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
	# The containers' cgroups are /NAMESPACE/ID: kvmini removes ID, as runc does.
	awk '$4 == "/" && $0 ~ / - cgroup2? / { print $5 }' /proc/self/mountinfo |
		while read -r d; do rmdir "$d/$ns" 2>/dev/null; done
	lib_cleanup
}
trap cleanup EXIT

case "$mode" in
host) oci_host_vmm ;;
qemu)
	oci_qemu_vmm
	oci_linux_guest
	;;
*)
	if [ -c /dev/kvm ] && (: <>/dev/kvm) 2>/dev/null; then
		oci_vm_guest
	else
		oci_stand_in_guest # enough to reach create's /dev/kvm check
	fi
	;;
esac

# containerd with everything under $tmp; the shim and kvmini-oci inherit its
# environment (KVMINI_OCI_GUEST, and the stand-in VMM in host mode).
cat >"$tmp/config.toml" <<EOF
version = 2
root = "$tmp/croot"
state = "$tmp/cstate"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$sock"
[ttrpc]
  address = "$sock.ttrpc"
[debug]
  address = "$tmp/debug.sock"
EOF
containerd --config "$tmp/config.toml" >"$tmp/containerd.log" 2>&1 &
containerd_pid=$!
lib_wait_line "$tmp/containerd.log" 'containerd successfully booted' 60 ||
	fail "containerd did not start: $(tail -n 5 "$tmp/containerd.log")"

oci_busybox_rootfs "$tmp/rootfs"
python3 "$lib_root/tests/oci/oci_image.py" "$tmp/rootfs" "$image" "$tmp/image.tar" ||
	fail "cannot make the OCI image archive"
ctr_ images import --snapshotter native "$tmp/image.tar" >"$tmp/out" 2>&1 ||
	fail "ctr images import: $(cat "$tmp/out")"
echo "PASS: ctr images import of the busybox OCI archive"

# run_ctr ID ARGS...: ctr run --rm of the image, through kvmini-oci.
run_ctr() {
	run_id=$1
	shift
	ctr_ run --rm --snapshotter native --runc-binary "$runtime" --runc-root "$root" \
		--fifo-dir "$tmp/fifo" "$image" "$run_id" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	status=$?
}

# no_leftovers WHAT: kvmini's --root and containerd hold no container.
no_leftovers() {
	if [ -d "$nsroot" ] && [ -n "$(ls -A "$nsroot")" ]; then
		check_fail "$1: left behind in --runc-root: $(ls -A "$nsroot" | tr '\n' ' ')"
	else
		echo "PASS: $1: --runc-root holds nothing"
	fi
	[ -z "$(ctr_ containers list --quiet 2>&1)" ] ||
		check_fail "$1: containerd still lists $(ctr_ containers list --quiet 2>&1)"
}

if [ "$mode" = vm ] && [ -z "${KVMINI_OCI_TEST_VMM:-}" ] && [ "$KVMINI_OCI_GUEST" = "$tmp/guest" ]; then
	# No KVM: the error must reach the user through the shim and containerd.
	run_ctr c-nokvm echo hi
	[ "$status" -ne 0 ] || check_fail "ctr run without /dev/kvm: status 0"
	grep -q "OCI runtime create failed: cannot run container 'c-nokvm': /dev/kvm" "$tmp/err" ||
		check_fail "ctr run without /dev/kvm: kvmini's message is not shown: $(cat "$tmp/err")"
	echo "PASS: ctr run without KVM: status $status, $(cat "$tmp/err")"
	no_leftovers "ctr run without KVM"
	lib_skip "/dev/kvm is not usable here: containerd's containers as microVMs need it"
fi

run_ctr c-hi echo hi
if [ "$status" -eq 0 ] && [ "$(tr -d '\r' <"$tmp/out")" = hi ]; then
	echo "PASS: ctr run --rm echo hi"
else
	check_fail "ctr run --rm echo hi: status $status, out: $(cat "$tmp/out"), err: $(cat "$tmp/err")"
fi
no_leftovers "after ctr run echo hi"
run_ctr c-exit7 sh -c 'exit 7'
[ "$status" -eq 7 ] || check_fail "ctr run exit 7: status $status: $(cat "$tmp/err")"
no_leftovers "after ctr run exit 7"

# run -d, then kill (SIGTERM): the VMM process is the task's pid, and it ends.
ctr_ run -d --snapshotter native --runc-binary "$runtime" --runc-root "$root" \
	--fifo-dir "$tmp/fifo" "$image" c-sleep sleep 600 >"$tmp/out" 2>"$tmp/err" </dev/null ||
	fail "ctr run -d: $(cat "$tmp/err")"
ctr_ tasks list >"$tmp/tasks" 2>&1
pid=$(awk '$1 == "c-sleep" && $3 == "RUNNING" { print $2 }' "$tmp/tasks")
[ -n "$pid" ] || fail "ctr run -d: the task is not running: $(cat "$tmp/tasks")"
timeout 20 "$kvmini" oci --root "$nsroot" state c-sleep >"$tmp/out" 2>&1
oci_json "j['status'] == 'running' and j['pid'] == $pid" "ctr run -d: kvmini's state is running, pid $pid"
# The VMM process is in the cgroup containerd asked for (/NAMESPACE/ID).
grep -q ":/$ns/c-sleep\$" "/proc/$pid/cgroup" && echo "PASS: ctr run -d: the VMM process is in /$ns/c-sleep" ||
	check_fail "ctr run -d: the VMM is not in cgroup /$ns/c-sleep: $(cat "/proc/$pid/cgroup")"
# pause and resume: kvmini's pause and resume through the shim.
ctr_ tasks pause c-sleep >"$tmp/err" 2>&1 || check_fail "ctr task pause: $(cat "$tmp/err")"
ctr_ tasks list 2>&1 | grep -q '^c-sleep .*PAUSED' || check_fail "ctr task pause: $(ctr_ tasks list 2>&1)"
timeout 20 "$kvmini" oci --root "$nsroot" state c-sleep >"$tmp/out" 2>&1
oci_json "j['status'] == 'paused'" "ctr task pause: kvmini's state is paused"
ctr_ tasks resume c-sleep >"$tmp/err" 2>&1 || check_fail "ctr task resume: $(cat "$tmp/err")"
ctr_ tasks list 2>&1 | grep -q '^c-sleep .*RUNNING' || check_fail "ctr task resume: $(ctr_ tasks list 2>&1)"
ctr_ tasks kill c-sleep >"$tmp/err" 2>&1 || check_fail "ctr task kill: $(cat "$tmp/err")"
n=0
while ctr_ tasks list 2>/dev/null | grep -q '^c-sleep .*RUNNING'; do
	[ $n -lt 100 ] || break
	sleep 0.1
	n=$((n + 1))
done
ctr_ tasks list 2>&1 | grep -q '^c-sleep .*STOPPED' ||
	check_fail "ctr task kill: the task did not stop: $(ctr_ tasks list 2>&1)"
ctr_ tasks delete c-sleep >"$tmp/err" 2>&1 || check_fail "ctr task delete: $(cat "$tmp/err")"
ctr_ containers delete c-sleep >"$tmp/err" 2>&1 || check_fail "ctr container delete: $(cat "$tmp/err")"
no_leftovers "after ctr task kill and delete"

[ "$lib_failed" = 0 ] && echo "oci-containerd-$mode: OK"
lib_finish
