/* SPDX-License-Identifier: MIT */
/*
 * virtio_net: the network device carries frames both ways, with interrupts.
 * The host end (tests/integration/virtio-net.sh) first sends one greeting
 * frame before the guest has any receive buffer (it must wait in the host
 * socket, not be lost), then echoes every frame back with source and
 * destination swapped.
 * Run with: kvmini run --net socket,fd=3 --kernel virtio_net.elf
 * (fd 3 a connected SOCK_SEQPACKET socket whose other end does the above).
 */
#include <stdint.h>
#include <string.h>

#include "irq.h"
#include "report.h"
#include "virtio_net.h"

/* What the host's greeting carries after the Ethernet header (14 bytes). */
#define GREETING       "kvmini-net-hello"
#define ETHERTYPE_TEST 0x88b5 /* IEEE 802 "local experimental" EtherType */

static struct vnet net;

/* A frame from our MAC to dst with the test EtherType and len payload bytes of a pattern. */
static uint32_t make_frame(uint8_t *f, const uint8_t dst[6], uint32_t len, uint8_t seed)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, net.mac, 6);
	f[12] = ETHERTYPE_TEST >> 8;
	f[13] = ETHERTYPE_TEST & 0xff;
	for (uint32_t i = 0; i < len; i++)
		f[14 + i] = (uint8_t)(i * 13 + seed);
	return 14 + len;
}

/* Is f (len bytes) the echo of sent (n bytes): same payload, addresses swapped? */
static int is_echo(const uint8_t *f, int len, const uint8_t *sent, uint32_t n)
{
	return len == (int)n && memcmp(f, sent + 6, 6) == 0 && memcmp(f + 6, sent, 6) == 0 &&
	       memcmp(f + 12, sent + 12, n - 12) == 0;
}

int main(void)
{
	static uint8_t out[VNET_MAX_FRAME], in[VNET_MAX_FRAME];
	static const uint8_t host[6] = {0x02, 0x4b, 0x56, 0xff, 0xff, 0xff};

	if (irq_init()) {
		report(false, "local APIC usable for interrupts");
		return report_summary();
	}
	if (vnet_open(&net, 0)) {
		report(false, "virtio-net device found and initialised (run with --net)");
		return report_summary();
	}
	report(true, "virtio-net at %#lx, GSI %u, MAC %02x:%02x:%02x:%02x:%02x:%02x", net.dev.base,
	       net.dev.gsi, net.mac[0], net.mac[1], net.mac[2], net.mac[3], net.mac[4], net.mac[5]);
	/* Locally administered, unicast: what kvmini derives, or what mac= gave. */
	report((net.mac[0] & 3) == 2, "the MAC is locally administered and unicast");

	/* 1. The host spoke first: its frame waited until our buffers were posted. */
	int len = vnet_recv(&net, in, sizeof(in), 4000);
	report(len == 14 + (int)strlen(GREETING) &&
		       memcmp(in + 14, GREETING, strlen(GREETING)) == 0,
	       "the host's greeting, sent before the driver was ready, arrived (%d bytes)", len);

	/* 2. Short, ordinary and full-size frames out, each echoed back. */
	static const uint32_t sizes[] = {46, 500, VNET_MAX_FRAME - 14};
	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint32_t n = make_frame(out, host, sizes[i], (uint8_t)i);
		int sent = vnet_send(&net, out, n);
		len = vnet_recv(&net, in, sizeof(in), 4000);
		report(sent == 0 && is_echo(in, len, out, n),
		       "a %u-byte frame went out and came back", n);
	}

	/* 3. More frames than receive buffers: the driver reposts, nothing is lost. */
	unsigned int echoed = 0;
	for (unsigned int i = 0; i < 3 * VNET_RX_BUFS; i++) {
		uint32_t n = make_frame(out, host, 64, (uint8_t)(100 + i));
		if (vnet_send(&net, out, n) == 0 &&
		    is_echo(in, vnet_recv(&net, in, sizeof(in), 4000), out, n))
			echoed++;
	}
	report(echoed == 3 * VNET_RX_BUFS, "%u of %u frames echoed in order", echoed,
	       3 * VNET_RX_BUFS);

	report(irq_count(net.dev.gsi) >= 2 && (net.dev.isr_bits & VIRTIO_MMIO_INT_VRING),
	       "completions arrived by interrupt (%lu on GSI %u)", irq_count(net.dev.gsi),
	       net.dev.gsi);
	virtio_reset(&net.dev);
	return report_summary();
}
