#!/bin/bash
# SPDX-License-Identifier: MIT
#
# net-test.sh: the minimal Linux guest on the network (issue 12), booted by
# kvmini with virtio-net, each case in a private network and mount namespace
# of its own, so that its servers, its TAP device and its /etc/resolv.conf
# touch nothing of the host's.
#
# Usage: net-test.sh CASE VMM SOURCE-ROOT
# VMM is kvmini, or tests/qemu-vmm.sh, QEMU's emulation standing in for it
# (Meson runs both: linux-net-* and linux-qemu-net-*): the stand-in checks the
# guest image and this script without KVM, kvmini checks kvmini.
#   user  --net user,hostfwd=tcp:HOSTPORT-:8080 (libslirp):
#         - the guest's kernel DHCP (ip=dhcp, which kvmini adds) gives eth0
#           10.0.2.15;
#         - wget in the guest fetches 1 MiB of random bytes from an HTTP
#           server on the host's loopback, through the gateway 10.0.2.2: the
#           guest's sha256 must be the host's;
#         - /etc/resolv.conf says `nameserver 127.0.0.1`, where
#           tests/common/dns_responder.py answers: the guest's nslookup of a
#           name gets the responder's 192.0.2.1, and the responder saw the
#           query (kvmini offers the gateway as the name server; QEMU keeps
#           libslirp's forwarder 10.0.2.3: both reach the host's resolver);
#         - the host connects to HOSTPORT and reads 1 MiB the guest serves
#           with `nc -l`: the hashes must match.
#   tap   --net tap,ifname=kvtap0 on a TAP device the test made, whose host
#         side is 192.168.77.1/24; the guest takes 192.168.77.2 (the kernel's
#         ip= parameter): the guest pings the host and the host pings the
#         guest, and 1 MiB goes each way as above (wget from the host, nc to
#         the host), checked by hash.
# The guest comes from $KVMINI_LINUX_DIR or guest/linux/build.sh.
# Exit status: 0 pass, 1 fail, 77 skip (no KVM or QEMU, not root, no
# namespaces, no TUN).
set -u
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
case_name=${1:?usage: net-test.sh CASE VMM SOURCE-ROOT}
vmm=${2:?usage: net-test.sh CASE VMM SOURCE-ROOT}
: "${3:?usage: net-test.sh CASE VMM SOURCE-ROOT}" # the source root: lib.sh finds it itself
TIMEOUT=${KVMINI_LINUX_TIMEOUT:-330}
say() { echo "net-test[$case_name]: $*"; }

# Outside the namespaces: what the case needs, then the same script inside.
if [ "${NET_TEST_INNER:-}" != 1 ]; then
	case $case_name in user | tap) ;; *) fail "unknown case '$case_name'" ;; esac
	if [ "$(basename "$vmm")" = qemu-vmm.sh ]; then
		command -v qemu-system-x86_64 >/dev/null ||
			lib_skip "no qemu-system-x86_64 (apt-get install qemu-system-x86)"
	else
		lib_require_kvm
	fi
	[ "$(id -u)" = 0 ] || lib_skip "needs root (a network namespace, a TAP device)"
	for tool in unshare ip python3; do
		command -v $tool >/dev/null || lib_skip "needs $tool"
	done
	unshare -n -m true 2>/dev/null || lib_skip "cannot make a network and mount namespace here"
	[ "$case_name" != tap ] || [ -c /dev/net/tun ] || lib_skip "no /dev/net/tun"
	NET_TEST_INNER=1 exec unshare -n -m "$0" "$@"
fi

lib_init "net-test[$case_name]"
lib_linux_guest vmlinux initramfs.cpio
ip link set lo up || fail "cannot bring up lo in the namespace"

# The host's side of each transfer: 1 MiB of random bytes, and its hash.
mkdir "$tmp/www"
head -c 1048576 /dev/urandom >"$tmp/www/blob"
blob_sum=$(sha256sum <"$tmp/www/blob" | cut -d' ' -f1)

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# serve_http ADDR: an HTTP server for $tmp/www on ADDR; sets $http_port.
serve_http() {
	http_port=$(free_port)
	python3 -m http.server "$http_port" --bind "$1" --directory "$tmp/www" \
		>"$tmp/http.log" 2>&1 &
	lib_pids="$lib_pids $!"
}

# The guest's script: fetch the host's file and hash it, make its own and
# hash it, then serve it once on port 8080. One double-quoted word for
# /init: the kernel panics beyond ~30 init arguments.
guest_script() { # URL EXTRA-COMMANDS
	echo "\"$2 wget -qO /in $1 && sha256sum /in; dd if=/dev/urandom of=/out bs=64k count=16 2>/dev/null; sha256sum /out; echo GUEST-LISTENING; nc -l -p 8080 < /out\""
}

# boot ARGS...: start the guest in the background (output in $tmp/log).
boot() {
	say "$(basename "$vmm") run $*"
	timeout --kill-after=10 "$((TIMEOUT + 30))" "$vmm" run --timeout "$TIMEOUT" --mem 128M \
		--kernel "$linux/vmlinux" --initrd "$linux/initramfs.cpio" "$@" \
		</dev/null >"$tmp/log" 2>&1 &
	guest=$!
	lib_pids="$lib_pids $guest"
}

# fetch_from_guest HOST PORT: once the guest listens, read its file (until
# the guest closes) and print "HASH LENGTH"; retries for up to 120 s while
# the connection is refused or (slirp accepts first, then the guest resets
# it) empty. On failure the guest, which would listen forever, is stopped.
fetch_from_guest() {
	lib_wait_line "$tmp/log" GUEST-LISTENING "$TIMEOUT" &&
		python3 - "$1" "$2" <<-'PY' && return 0
	import hashlib, socket, sys, time
	deadline = time.monotonic() + 120
	while time.monotonic() < deadline:
	    try:
	        s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
	        data = b""
	        while len(data) < 1048576:
	            chunk = s.recv(65536)
	            if not chunk:
	                break
	            data += chunk
	        s.close()
	        if data:
	            print(hashlib.sha256(data).hexdigest(), len(data))
	            sys.exit(0)
	    except OSError:
	        pass
	    time.sleep(0.2)
	sys.exit(1)
	PY
	kill "$guest" 2>/dev/null
	return 1
}

# finish: wait for the guest, keep plain lines in $tmp/out, check status 0.
finish() {
	wait "$guest"
	status=$?
	tr -d '\r' <"$tmp/log" >"$tmp/out"
	cat "$tmp/out"
	say "exit status $status"
	[ "$status" -eq "$STATUS_OK" ] || check_fail "the guest ended with status $status, want $STATUS_OK"
}

# check_transfers FROM-GUEST: the guest's hash of the host's file, and the
# host's hash of the guest's file (FROM-GUEST: "HASH LENGTH").
check_transfers() {
	grep -qx "$blob_sum  /in" "$tmp/out" ||
		check_fail "the guest's sha256 of the file it fetched is not the host's ($blob_sum)"
	local out_sum
	out_sum=$(sed -n 's|^\([0-9a-f]\{64\}\)  /out$|\1|p' "$tmp/out")
	[ -n "$out_sum" ] || check_fail "the guest printed no sha256 of its own file"
	[ "$1" = "$out_sum 1048576" ] ||
		check_fail "the host read '$1' from the guest, want '$out_sum 1048576'"
}

case_user() {
	local responder=$lib_root/tests/common/dns_responder.py fwd_port from_guest
	echo "nameserver 127.0.0.1" >"$tmp/resolv.conf"
	mount --bind "$tmp/resolv.conf" /etc/resolv.conf || fail "cannot bind-mount resolv.conf"
	python3 "$responder" 127.0.0.1 >"$tmp/dns.log" 2>&1 &
	lib_pids="$lib_pids $!"
	lib_wait_line "$tmp/dns.log" '^ready$' 10 || fail "the DNS responder did not start: $(cat "$tmp/dns.log")"
	serve_http 127.0.0.1
	fwd_port=$(free_port)

	boot --net "user,hostfwd=tcp:$fwd_port-:8080" --cmdline "console=ttyS0 -- $(
		guest_script "http://10.0.2.2:$http_port/blob" \
			"cat /etc/resolv.conf; nslookup kvmini-test.example;"
	)"
	from_guest=$(fetch_from_guest 127.0.0.1 "$fwd_port")
	finish

	grep -q "ipaddr=10.0.2.15" "$tmp/out" ||
		check_fail "the kernel's DHCP client did not configure 10.0.2.15"
	grep -Eqx "nameserver 10\.0\.2\.[23]" "$tmp/out" ||
		check_fail "/etc/resolv.conf names no libslirp name server (10.0.2.2 or 10.0.2.3)"
	grep -Eq "^Address:? .*192\.0\.2\.1\$" "$tmp/out" ||
		check_fail "nslookup in the guest did not get the responder's 192.0.2.1"
	grep -q "^query from 127.0.0.1:" "$tmp/dns.log" ||
		check_fail "the host's resolver saw no query ($(cat "$tmp/dns.log"))"
	check_transfers "$from_guest"
}

case_tap() {
	local from_guest
	ip tuntap add dev kvtap0 mode tap &&
		ip addr add 192.168.77.1/24 dev kvtap0 &&
		ip link set kvtap0 up || fail "cannot make the TAP device kvtap0"
	serve_http 192.168.77.1

	boot --net tap,ifname=kvtap0 \
		--cmdline "console=ttyS0 ip=192.168.77.2::192.168.77.1:255.255.255.0::eth0:off -- $(
			guest_script "http://192.168.77.1:$http_port/blob" "ping -c 3 192.168.77.1;"
		)"
	lib_wait_line "$tmp/log" GUEST-LISTENING "$TIMEOUT"
	ping -c 3 -W 5 192.168.77.2 >"$tmp/ping" 2>&1
	ping_status=$?
	cat "$tmp/ping"
	from_guest=$(fetch_from_guest 192.168.77.2 8080)
	finish

	grep -q "3 packets transmitted, 3 packets received" "$tmp/out" ||
		check_fail "the guest's ping of the host lost packets"
	[ "$ping_status" -eq 0 ] || check_fail "the host's ping of the guest failed"
	check_transfers "$from_guest"
}

case $case_name in
user) case_user ;;
tap) case_tap ;;
esac
[ "$lib_failed" = 0 ] && say "PASSED"
lib_finish
