#!/bin/sh
# SPDX-License-Identifier: MIT
# Real containers: a busybox rootfs (Debian's busybox-static) and a config
# from `kvmini oci spec`, run by `kvmini oci run`. Checks stdout, exit
# statuses 0, 1 and 7, env/cwd/user, the hostname, a read-only root refusing
# writes, a writable root whose writes stay out of the bundle, bind mounts
# of host files (copied at create; ro and rw), supplementary groups, and
# `kill` delivering a signal to the container's process.
# Usage: run-busybox.sh KVMINI [vm|host]
#   vm (default)  as microVMs: needs /dev/kvm, kvmini run's --share
#                 (virtio-fs) and the Linux guest whose /init sources the
#                 agent (kvmini.agent=); skips (77) naming what is missing.
#                 The guest comes from $KVMINI_OCI_GUEST, $KVMINI_LINUX_DIR,
#                 or guest/linux/build.sh (minutes the first time).
#   qemu          the same containers in the same Linux guest, booted by
#                 QEMU with software emulation (tests/qemu-vmm.sh stands in
#                 for `kvmini run` through KVMINI_OCI_TEST_VMM): the agent
#                 runs in the real guest kernel on hosts without KVM. Needs
#                 root, qemu-system-x86_64 and /usr/lib/qemu/virtiofsd.
#   host          the same containers with the guest agent (vmm/oci/agent.sh,
#                 as `create` writes it) run on this host in a private mount
#                 and UTS namespace instead of a VM (KVMINI_OCI_TEST_VMM), its
#                 virtio-fs shares as bind mounts: everything but the VM
#                 itself. Needs root, unshare and /bin/busybox.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
mode=${2:-vm}
lib_init "oci-run-busybox-$mode"
kvmini=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
# shellcheck source=oci_lib.sh
. "$(dirname "$0")/oci_lib.sh"

oci_busybox_rootfs "$tmp/rootfs"
case "$mode" in
host) oci_host_vmm ;;
qemu)
	oci_qemu_vmm
	oci_linux_guest
	;;
*) oci_vm_guest ;;
esac

# run_case NAME WANT_STATUS PY: a bundle sharing the rootfs, PY applied to the config.
run_case() {
	mkdir -p "$tmp/$1"
	ln -s "$tmp/rootfs" "$tmp/$1/rootfs"
	oci_bundle "$tmp/$1" "$3"
	timeout 600 "$kvmini" oci --root "$root" run --bundle "$tmp/$1" "$1" \
		>"$tmp/$1.out" 2>"$tmp/$1.err" </dev/null
	status=$?
	tr -d '\r' <"$tmp/$1.out" >"$tmp/$1.txt"
	if [ "$status" -ne "$2" ]; then
		check_fail "$1: status $status, want $2; out: $(cat "$tmp/$1.txt"); err: $(cat "$tmp/$1.err")"
	else
		echo "PASS: $1: status $status"
	fi
	oci_root_empty "$1"
}

run_case hello 0 'c["process"]["args"] = ["sh", "-c", "echo hello-from-the-container"]'
grep -qx 'hello-from-the-container' "$tmp/hello.txt" || check_fail "hello: stdout: $(cat "$tmp/hello.txt")"
run_case exit7 7 'c["process"]["args"] = ["sh", "-c", "exit 7"]'
run_case false 1 'c["process"]["args"] = ["false"]'
run_case ident 0 'c["process"]["args"] = ["sh", "-c", "echo \"$FOO|$(pwd)|$(id -u):$(id -g)|$(id -G)\""]
c["process"]["env"].append("FOO=a b'"'"'c $x")
c["process"]["cwd"] = "/work"
c["process"]["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [10, 20]}'
grep -qx "a b'c \$x|/work|1000:1000|1000 10 20" "$tmp/ident.txt" ||
	check_fail "ident: stdout: $(cat "$tmp/ident.txt")"
run_case readonly 1 'c["process"]["args"] = ["sh", "-c", "touch /written || exit 1; exit 0"]
assert c["root"]["readonly"]'
[ -e "$tmp/rootfs/written" ] && check_fail "readonly: the read-only root was written"
run_case writable 0 'c["process"]["args"] = ["sh", "-c", "echo x >/written && cat /written"]
c["root"]["readonly"] = False
c["hostname"] = "box-1"'
[ -e "$tmp/rootfs/written" ] && check_fail "writable: a write reached the bundle's rootfs"
run_case hostname 0 'c["process"]["args"] = ["hostname"]
c["hostname"] = "box-1"'
grep -qx "box-1" "$tmp/hostname.txt" || check_fail "hostname: stdout: $(cat "$tmp/hostname.txt")"

# Bind mounts of host files (podman's /etc/hosts and friends): create copies
# each into the container's share and the agent bind-mounts the copy. A ro
# one hides the root's own file and refuses writes; a rw one at a path the
# root lacks is made there, and takes writes, which stay in the copy (kept
# by run --keep) and never reach the host's file; a FIFO is warned about.
printf 'from-the-host\n' >"$tmp/greeting.txt"
printf 'note-1\n' >"$tmp/notes.txt"
mkfifo "$tmp/fifo"
printf 'from-the-bundle\n' >"$tmp/rootfs/etc/greeting"
mkdir -p "$tmp/bindfile" && ln -s "$tmp/rootfs" "$tmp/bindfile/rootfs"
oci_bundle "$tmp/bindfile" "c['process']['args'] = ['sh', '-c', 'cat /etc/greeting /data/new/notes; \
echo note-2 >>/data/new/notes && cat /data/new/notes; echo x 2>/dev/null >/etc/greeting && echo ro-written']
c['root']['readonly'] = False
c['mounts'] += [
  {'destination': '/etc/greeting', 'type': 'bind', 'source': '$tmp/greeting.txt', 'options': ['rbind', 'ro']},
  {'destination': '/data/new/notes', 'type': 'bind', 'source': '$tmp/notes.txt', 'options': ['bind', 'rw']},
  {'destination': '/fifo', 'type': 'bind', 'source': '$tmp/fifo', 'options': ['bind']}]"
timeout 600 "$kvmini" oci --root "$root" run --keep --bundle "$tmp/bindfile" bindfile \
	>"$tmp/bindfile.out" 2>"$tmp/bindfile.err" </dev/null
status=$?
tr -d '\r' <"$tmp/bindfile.out" >"$tmp/bindfile.txt"
printf 'from-the-host\nnote-1\nnote-1\nnote-2\n' >"$tmp/bindfile.want"
if [ "$status" -eq 1 ] && cmp -s "$tmp/bindfile.txt" "$tmp/bindfile.want"; then
	echo "PASS: file bind mounts: the host's files, ro refusing writes, rw taking them"
else
	check_fail "file bind mounts: status $status (want 1: the ro write failed); out: $(cat "$tmp/bindfile.txt"); err: $(cat "$tmp/bindfile.err")"
fi
grep -q "mounts\[[0-9]*\] (/fifo) is not honoured: its source '$tmp/fifo' is neither" "$tmp/bindfile.err" ||
	check_fail "file bind mounts: no warning about the FIFO: $(cat "$tmp/bindfile.err")"
[ "$(cat "$tmp/notes.txt")" = note-1 ] || check_fail "file bind mounts: the host's file was written"
grep -qx note-2 "$root"/bindfile/share/files/* ||
	check_fail "file bind mounts: the write is not in the copy: $(cat "$root"/bindfile/share/files/* 2>&1)"
oci delete bindfile
[ "$status" -eq 0 ] || check_fail "delete bindfile: $(cat "$tmp/err")"
oci_root_empty "bindfile"

# kill: the container's process gets kill's signals (through the VM's vsock
# to the agent's kvmini-exec; in host mode through host-vmm.sh's stand-in for
# the vsock device): USR1 ends this one with 3. Where the guest has no vsock
# (qemu mode: QEMU's needs /dev/vhost-vsock), USR1 is refused and TERM
# stops the VM instead.
mkdir -p "$tmp/sleep" && ln -s "$tmp/rootfs" "$tmp/sleep/rootfs"
oci_bundle "$tmp/sleep" 'c["process"]["args"] = ["sh", "-c",
  "trap \"exit 3\" USR1; trap \"exit 4\" TERM; echo SLEEPER-READY; sleep 600 & wait"]'
timeout 600 "$kvmini" oci --root "$root" run -d --bundle "$tmp/sleep" --pid-file "$tmp/sleep.pid" \
	sleep >"$tmp/sleep.out" 2>&1 </dev/null || fail "run -d sleep: $(cat "$tmp/sleep.out")"
lib_pids=$(cat "$tmp/sleep.pid")
lib_wait_line "$tmp/sleep.out" SLEEPER-READY 300 ||
	check_fail "the sleeping container did not start: $(cat "$tmp/sleep.out")"
oci kill sleep USR1
want=3
if [ "$mode" = qemu ]; then
	oci_expect_error "kill USR1 without vsock in the guest" "no channel to the guest's process"
	oci kill sleep TERM
	want=
fi
[ "$status" -eq 0 ] || check_fail "kill sleep: $(cat "$tmp/err")"
n=0
while [ $n -lt 60 ]; do
	oci state sleep
	grep -q '"status": "stopped"' "$tmp/out" && break
	sleep 1
	n=$((n + 1))
done
grep -q '"status": "stopped"' "$tmp/out" || check_fail "kill did not stop the container"
if [ -n "$want" ]; then
	[ "$(cat "$root/sleep/share/exit-status" 2>&1)" = "$want" ] ||
		check_fail "kill USR1: the process's status is '$(cat "$root/sleep/share/exit-status" 2>&1)', want $want (its USR1 trap)"
	echo "PASS: kill USR1 reached the container's process (status $want)"
fi
oci delete sleep
oci_root_empty "sleep"

# run passes SIGTERM on as kill does: the process's TERM trap ends it with 4
# (where the guest has no vsock, the VM stops: kvmini's 122).
timeout --foreground 600 "$kvmini" oci --root "$root" run --bundle "$tmp/sleep" runsig \
	>"$tmp/runsig.out" 2>&1 </dev/null &
runsig=$!
lib_wait_line "$tmp/runsig.out" SLEEPER-READY 300 ||
	check_fail "the container under run did not start: $(cat "$tmp/runsig.out")"
kill -TERM "$runsig" # timeout(1) --foreground passes it to run alone
wait "$runsig"
status=$?
want=4
[ "$mode" != qemu ] || want=$STATUS_SIGNAL
[ "$status" -eq "$want" ] ||
	check_fail "run got SIGTERM: status $status, want $want: $(cat "$tmp/runsig.out")"
oci_root_empty "runsig"

[ "$lib_failed" = 0 ] && echo "oci-run-busybox-$mode: OK"
lib_finish
