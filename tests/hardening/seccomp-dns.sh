#!/bin/sh
# SPDX-License-Identifier: MIT
#
# seccomp-dns.sh: a --net user guest's DNS works under the system-call
# filter (issue 12; devices/backends/net_slirp_dns.c), without KVM.
# In a private network and mount namespace, dns_responder.py answers on
# 192.0.2.53:53 (an address on lo, reachable as a host nameserver would be)
# and 127.0.0.1:53 (a loopback resolver), and /etc/resolv.conf is replaced
# by a bind mount. seccomp_dns_probe then plays the guest on the slirp
# backend under the filter of a --net user VM:
#   - nameserver 192.0.2.53: DHCP offers it, the query goes there through
#     slirp's NAT, the answer comes back;
#   - nameserver 127.0.0.1: DHCP offers the gateway 10.0.2.2, which slirp
#     maps to the host's 127.0.0.1, the answer comes back from 10.0.2.2;
#   - no nameserver line: the same as 127.0.0.1 (resolv.conf(5)'s default);
# each time the responder must have seen the query, and the probe must live;
#   - nameserver 127.0.1.1 (a loopback resolver the guest cannot reach):
#     DHCP offers libslirp's own forwarder 10.0.2.3, whose lookup of
#     resolv.conf the filter answers with EACCES: no answer, and the probe
#     (the monitor) must live; with SIGSYS there it would die.
#
# Usage: seccomp-dns.sh PROBE RESPONDER
# Exit status: 0 pass, 1 fail, 77 skip (no namespaces here, no libslirp, a
# build without the filter).
set -u
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
probe=$1
responder=$2

if [ "${SECCOMP_DNS_INNER:-}" != 1 ]; then
	lib_init seccomp-dns
	command -v unshare >/dev/null && command -v ip >/dev/null ||
		lib_skip "needs unshare(1) and ip(8)"
	# As root a network and mount namespace; otherwise inside a user namespace.
	ns="-n -m"
	[ "$(id -u)" = 0 ] || ns="-r -n -m"
	# shellcheck disable=SC2086 # ns is a list of options
	unshare $ns true 2>/dev/null || lib_skip "cannot make a network and mount namespace here"
	# shellcheck disable=SC2086
	SECCOMP_DNS_INNER=1 SECCOMP_DNS_TMP=$tmp unshare $ns sh "$0" "$probe" "$responder"
	exit $?
fi

# Inside the namespaces: our own lo, our own /etc/resolv.conf.
dir=$SECCOMP_DNS_TMP
lib_name=seccomp-dns
ip link set lo up && ip addr add 192.0.2.53/32 dev lo || fail "cannot set up lo"
python3 "$responder" 192.0.2.53 127.0.0.1 >"$dir/responder.out" 2>&1 &
lib_pids=$!
trap 'kill $lib_pids 2>/dev/null' EXIT
lib_wait_line "$dir/responder.out" '^ready$' 10 ||
	fail "the DNS responder did not start: $(cat "$dir/responder.out")"

# dns_case CONF OFFERED FROM [unanswered]: resolv.conf holds CONF; DHCP must
# offer OFFERED, the query to it must be answered (unless "unanswered"), and
# the responder must have seen it coming from FROM (slirp's host socket).
n=0
dns_case() {
	n=$((n + 1))
	printf '%s\n' "$1" >"$dir/resolv.conf.$n"
	mount --bind "$dir/resolv.conf.$n" /etc/resolv.conf || fail "cannot bind-mount resolv.conf"
	before=$(grep -c "^query from ${3:-none}:" "$dir/responder.out")
	"$probe" "$2" ${4:-} >"$dir/probe.$n.out" 2>&1
	status=$?
	umount /etc/resolv.conf
	echo "seccomp-dns: resolv.conf '$1':"
	cat "$dir/probe.$n.out"
	[ $status -eq $EXIT_SKIP ] && lib_skip "$(grep -m1 SKIP "$dir/probe.$n.out")"
	[ $status -eq 0 ] || check_fail "'$1': probe status $status"
	[ -n "$3" ] || return 0
	after=$(grep -c "^query from $3:" "$dir/responder.out")
	[ "$after" -gt "$before" ] ||
		check_fail "'$1': the responder saw no query from $3 ($(cat "$dir/responder.out"))"
}

dns_case "nameserver 192.0.2.53" 192.0.2.53 192.0.2.53
dns_case "nameserver 127.0.0.1" 10.0.2.2 127.0.0.1
dns_case "search example.org" 10.0.2.2 127.0.0.1
dns_case "nameserver 127.0.1.1" 10.0.2.3 "" unanswered
[ "$lib_failed" = 0 ] && echo "seccomp-dns: OK"
lib_finish
