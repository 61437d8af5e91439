#!/bin/bash
# SPDX-License-Identifier: MIT
#
# qemu-net.sh: the minimal Linux guest's network, booted by QEMU's software
# emulation (tests/qemu-vmm.sh) on hosts without KVM. It checks the guest
# image (guest/linux: CONFIG_VIRTIO_NET, the kernel's DHCP client, /init's
# resolv.conf, busybox's wget and nc), not kvmini's virtio-net, which
# tests/unit/test_virtio_net.c and the KVM tests cover:
#   - ip=dhcp gives eth0 10.0.2.15 from libslirp's DHCP server;
#   - /etc/resolv.conf names the DHCP name server 10.0.2.3;
#   - wget in the guest fetches a file from an HTTP server on the host's
#     loopback (10.0.2.2 in the guest);
#   - a host port forwarded into the guest (hostfwd) reaches `nc -l` there.
#
# Usage: qemu-net.sh SOURCE-ROOT. The guest comes from $KVMINI_LINUX_DIR or
# guest/linux/build.sh. Exit status 0 pass, 1 fail, 77 skip.
set -u
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
srcdir=${1:?usage: qemu-net.sh SOURCE-ROOT}
lib_init qemu-net
say() { echo "qemu-net: $*"; }

command -v qemu-system-x86_64 >/dev/null ||
	lib_skip "no qemu-system-x86_64 (apt-get install qemu-system-x86)"
linux=${KVMINI_LINUX_DIR:-}
if [ -z "$linux" ]; then
	linux=$("$srcdir/guest/linux/build.sh" | tail -n 1) ||
		lib_skip "the Linux guest is not built and guest/linux/build.sh failed"
fi
for f in vmlinux initramfs.cpio; do
	[ -s "$linux/$f" ] || lib_skip "no $linux/$f"
done

# A free port for each server: the kernel picks, Python reports it.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

mkdir "$tmp/www"
word="from-the-host-$$-$RANDOM"
echo "$word" >"$tmp/www/hi.txt"
http_port=$(free_port)
python3 -m http.server "$http_port" --bind 127.0.0.1 --directory "$tmp/www" \
	>"$tmp/http.log" 2>&1 &
lib_pids="$!"
fwd_port=$(free_port)

"$lib_root/tests/qemu-vmm.sh" run --timeout 300 --mem 128M \
	--kernel "$linux/vmlinux" --initrd "$linux/initramfs.cpio" \
	--net "user,hostfwd=tcp:127.0.0.1:$fwd_port-:8080" \
	--cmdline "console=ttyS0 ip=dhcp -- \"cat /etc/resolv.conf; wget -qO- http://10.0.2.2:$http_port/hi.txt; echo guest-says-hi | nc -l -p 8080\"" \
	</dev/null >"$tmp/log" 2>&1 &
vmm=$!
lib_pids="$lib_pids $vmm"

# Once the guest has fetched the file it listens: connect through hostfwd.
answer=""
for _ in $(seq 600); do
	if grep -q "$word" "$tmp/log"; then
		answer=$(python3 - "$fwd_port" <<'PY'
import socket, sys, time
for _ in range(100):
    try:
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
        data = s.recv(100)
        if data:
            print(data.decode(errors="replace").strip())
            break
        s.close()
    except OSError:
        pass
    time.sleep(0.2)
PY
		)
		break
	fi
	kill -0 "$vmm" 2>/dev/null || break
	sleep 0.5
done
wait "$vmm"
status=$?
tr -d '\r' <"$tmp/log" >"$tmp/out"
cat "$tmp/out"

[ "$status" -eq 0 ] || check_fail "the guest ended with status $status, want 0"
grep -q "ipaddr=10.0.2.15" "$tmp/out" ||
	check_fail "the kernel's DHCP client did not configure 10.0.2.15"
grep -qx "nameserver 10.0.2.3" "$tmp/out" ||
	check_fail "/etc/resolv.conf does not name the DHCP name server 10.0.2.3"
grep -qx "$word" "$tmp/out" ||
	check_fail "wget in the guest did not fetch the host's file"
[ "$answer" = guest-says-hi ] ||
	check_fail "the forwarded port did not reach nc in the guest (got '$answer')"
[ "$lib_failed" = 0 ] && say "OK"
lib_finish
