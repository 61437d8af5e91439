#!/bin/sh
# SPDX-License-Identifier: MIT
# Real containers: a busybox rootfs (Debian's busybox-static) and a config
# from `kvmini oci spec`, run as microVMs by `kvmini oci run`. Checks stdout,
# exit statuses 0, 1 and 7, env/cwd/user, a read-only root refusing writes,
# and `kill` (SIGTERM) ending a sleeping container. Needs /dev/kvm, kvmini
# run's --share (virtio-fs), the Linux guest with the OCI agent in its /init
# (docs/containers.md) and /bin/busybox; skips (77) naming what is missing.
# The guest comes from $KVMINI_OCI_GUEST, $KVMINI_LINUX_DIR, or
# guest/linux/build.sh (which builds it the first time: minutes).
# Usage: run-busybox.sh KVMINI
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
lib_init oci-run-busybox
kvmini=$1
# shellcheck source=oci_lib.sh
. "$(dirname "$0")/oci_lib.sh"

lib_require_kvm
"$kvmini" --help | grep -q -- '--share' ||
	lib_skip "kvmini run has no --share (virtio-fs), which holds the container's root"
[ -x /bin/busybox ] && file -L /bin/busybox 2>/dev/null | grep -q 'statically linked' ||
	lib_skip "no static /bin/busybox (apt-get install busybox-static)"
guest=${KVMINI_OCI_GUEST:-${KVMINI_LINUX_DIR:-}}
if [ -z "$guest" ]; then
	guest=$("$lib_root/guest/linux/build.sh" | tail -n 1) || fail "guest/linux/build.sh failed"
fi
for f in vmlinux initramfs.cpio; do
	[ -s "$guest/$f" ] || lib_skip "no $guest/$f (set KVMINI_OCI_GUEST)"
done
grep -aq 'kvmini.oci' "$guest/initramfs.cpio" ||
	lib_skip "the guest's /init has no OCI agent yet (docs/containers.md, the guest contract)"
export KVMINI_OCI_GUEST="$guest"

# The rootfs: busybox and its applets, mount points, a working directory.
mkdir -p "$tmp/rootfs/bin" "$tmp/rootfs/proc" "$tmp/rootfs/sys" "$tmp/rootfs/dev" \
	"$tmp/rootfs/tmp" "$tmp/rootfs/work"
cp /bin/busybox "$tmp/rootfs/bin/busybox"
for applet in sh echo cat sleep id pwd env touch false true; do
	ln -s busybox "$tmp/rootfs/bin/$applet"
done

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
run_case ident 0 'c["process"]["args"] = ["sh", "-c", "echo \"$FOO|$(pwd)|$(id -u):$(id -g)\""]
c["process"]["env"].append("FOO=a b'"'"'c $x")
c["process"]["cwd"] = "/work"
c["process"]["user"] = {"uid": 1000, "gid": 1000}'
grep -qx "a b'c \$x|/work|1000:1000" "$tmp/ident.txt" || check_fail "ident: stdout: $(cat "$tmp/ident.txt")"
run_case readonly 1 'c["process"]["args"] = ["sh", "-c", "touch /written || exit 1; exit 0"]'
[ -e "$tmp/rootfs/written" ] && check_fail "readonly: the read-only root was written"

# kill: SIGTERM ends a sleeping container.
mkdir -p "$tmp/sleep" && ln -s "$tmp/rootfs" "$tmp/sleep/rootfs"
oci_bundle "$tmp/sleep" 'c["process"]["args"] = ["sleep", "600"]'
timeout 600 "$kvmini" oci --root "$root" run -d --bundle "$tmp/sleep" --pid-file "$tmp/sleep.pid" \
	sleep >"$tmp/sleep.out" 2>&1 </dev/null || fail "run -d sleep: $(cat "$tmp/sleep.out")"
lib_pids=$(cat "$tmp/sleep.pid")
sleep 5
oci kill sleep TERM
[ "$status" -eq 0 ] || check_fail "kill sleep TERM: $(cat "$tmp/err")"
n=0
while [ $n -lt 60 ]; do
	oci state sleep
	grep -q '"status": "stopped"' "$tmp/out" && break
	sleep 1
	n=$((n + 1))
done
grep -q '"status": "stopped"' "$tmp/out" || check_fail "kill TERM did not stop the container"
oci delete sleep
oci_root_empty "sleep"

[ "$lib_failed" = 0 ] && echo "oci-run-busybox: OK"
lib_finish
