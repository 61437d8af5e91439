// SPDX-License-Identifier: MIT
/* Guest frames for the slirp probes (probe_net.h). */
#include <string.h>

#include "probe_net.h"

void probe_net_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

uint16_t probe_net_ip_checksum(const uint8_t *ip, size_t hlen)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < hlen; i += 2)
		if (i != 10) /* the checksum field itself counts as 0 */
			sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t probe_net_dhcp_discover(uint8_t *f, const uint8_t mac[6], uint32_t xid)
{
	enum { BOOTP = 300, UDP = 8 + BOOTP, IP = 20 + UDP };
	static const uint8_t opts[] = {99, 130, 83, 99, 53, 1, 1 /* DISCOVER */, 255};
	uint8_t *ip = f + PROBE_NET_ETH, *udp = ip + 20, *bootp = udp + 8;

	memset(f, 0, PROBE_NET_ETH + IP);
	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	probe_net_put16(f + 12, 0x0800);
	ip[0] = 0x45;
	probe_net_put16(ip + 2, IP);
	ip[8] = 64; /* TTL */
	ip[9] = 17; /* UDP */
	memset(ip + 16, 0xff, 4);
	probe_net_put16(ip + 10, probe_net_ip_checksum(ip, 20));
	probe_net_put16(udp, 68);
	probe_net_put16(udp + 2, 67);
	probe_net_put16(udp + 4, UDP);
	bootp[0] = 1; /* BOOTREQUEST */
	bootp[1] = 1; /* Ethernet */
	bootp[2] = 6;
	memcpy(bootp + 4, &xid, 4);
	memcpy(bootp + 28, mac, 6);
	memcpy(bootp + 236, opts, sizeof(opts));
	return PROBE_NET_ETH + IP;
}
