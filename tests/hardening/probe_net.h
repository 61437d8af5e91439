/* SPDX-License-Identifier: MIT */
/*
 * Frames a guest would send to libslirp, for the seccomp probes that drive
 * --net user's backend (devices/backends/net_slirp.c) without a guest.
 */
#ifndef KVMINI_PROBE_NET_H
#define KVMINI_PROBE_NET_H

#include <stddef.h>
#include <stdint.h>

#define PROBE_NET_ETH 14 /* Ethernet header bytes */

/* Store v big-endian (network order) at p. */
void probe_net_put16(uint8_t *p, uint16_t v);

/* The RFC 791 header checksum of the IPv4 header at ip (hlen bytes), as stored. */
uint16_t probe_net_ip_checksum(const uint8_t *ip, size_t hlen);

/*
 * A broadcast DHCPDISCOVER (RFC 2131) from mac in f (at least 342 bytes),
 * with a correct IPv4 header checksum, which slirp checks; no UDP checksum
 * (0, RFC 768). Returns the frame's length.
 */
size_t probe_net_dhcp_discover(uint8_t *f, const uint8_t mac[6], uint32_t xid);

#endif /* KVMINI_PROBE_NET_H */
