// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the virtio device models: the fuzzer's bytes become
 * a driver's register writes and the contents of guest memory, and the
 * devices (virtio-mmio transport, split virtqueues, blk, console, rng, net) must
 * neither crash nor touch memory outside the guest's RAM (AddressSanitizer)
 * nor hit undefined behaviour (UBSan), whatever the rings contain.
 *
 * Input layout (every field is optional: a short input reads as zeros):
 *   u8  device       0 blk, 1 read-only blk, 2 console, 3 rng, 4 net
 *   u8  flags        bit 0: negotiate INDIRECT_DESC, bit 1: FLUSH (blk) or
 *                    MRG_RXBUF (net), bit 2: raw feature words follow,
 *                    bit 3: never DRIVER_OK, bit 4: raw queue size,
 *                    bit 5: unaligned ring addresses, bit 6: build a request
 *                    chain (below), bit 7: console input, or for net a frame
 *                    from the host (the input bytes repeated to a fuzzed
 *                    length) through its socketpair backend
 *   ...  queue size, ring addresses, extra register writes, the request chain
 *   rest: copied over guest memory (before the request chain is written)
 * The structured request chain gives the fuzzer a short path to well-formed
 * requests, so that it spends its time on the interesting edges.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "abi/kvmini_abi.h"
#include "kvmini/chardev.h"
#include "kvmini/log.h"
#include "kvmini/virtio_blk.h"
#include "kvmini/virtio_console.h"
#include "kvmini/net_backend.h"
#include "kvmini/virtio_mmio.h"
#include "kvmini/virtio_net.h"
#include "kvmini/virtio_rng.h"
#include "kvmini/virtio_spec.h"

#include "fuzz_input.h"

#define MEM_SIZE  0x10000 /* 64 KiB of guest RAM: random addresses often hit it */
#define DATA_BASE 0x8000  /* where structured chains point their buffers */

static uint8_t *ram;
static struct guest_mem mem;
#define NDEVICES 5
static struct virtio_mmio *devices[NDEVICES];
static struct virtio_net *net;
static int net_peer;		   /* the host's end of the net device's socketpair backend */
static struct chardev console_out; /* the console's output, to /dev/null */
static struct irq_line no_irq;	   /* not wired: interrupts are counted by nobody */

static void make_devices(void)
{
	struct virtio_blk *blk, *blk_ro;
	struct virtio_console *con;
	struct virtio_rng *rng;
	char path[64];

	ram = aligned_alloc(4096, MEM_SIZE);
	guest_mem_layout(&mem, ram, MEM_SIZE);
	log_set_level(LOG_ERROR); /* broken rings are the normal case here */

	/* Two 32 KiB disks in memory (one image each: the image lock allows one writer). */
	for (int i = 0; i < 2; i++) {
		int fd = memfd_create("fuzz-disk", 0);
		if (fd < 0 || ftruncate(fd, 64 * 512) < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		struct disk *disk;
		if (disk_raw_open(&disk, path, i == 1) ||
		    virtio_blk_create(i ? &blk_ro : &blk, disk, "fuzz", &mem, &no_irq))
			abort();
	}
	int null_fd = open("/dev/null", O_WRONLY);
	if (null_fd < 0 || chardev_init(&console_out, null_fd) ||
	    virtio_console_create(&con, &console_out, &mem, &no_irq) ||
	    virtio_rng_create(&rng, &mem, &no_irq))
		abort();
	int sv[2];
	struct net_backend *be;
	static const uint8_t mac[6] = {0x02, 0x4b, 0x56, 0, 0, 0};
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) ||
	    net_socket_open(&be, sv[0]) || virtio_net_create(&net, be, mac, &mem, &no_irq))
		abort();
	net_peer = sv[1];
	devices[0] = virtio_blk_mmio(blk);
	devices[1] = virtio_blk_mmio(blk_ro);
	devices[2] = virtio_console_mmio(con);
	devices[3] = virtio_rng_mmio(rng);
	devices[4] = virtio_net_mmio(net);
	for (int i = 0; i < NDEVICES; i++)
		devices[i]->dev.base = KVMINI_VIRTIO_MMIO_BASE + i * KVMINI_VIRTIO_MMIO_STRIDE;
}

static void wr(struct virtio_mmio *v, uint64_t off, uint32_t value)
{
	uint8_t b[4];
	device_store_le(b, 4, value);
	v->dev.ops->write(&v->dev, off, b, 4);
}

static uint32_t rd(struct virtio_mmio *v, uint64_t off)
{
	uint8_t b[4];
	v->dev.ops->read(&v->dev, off, b, 4);
	return (uint32_t)device_load_le(b, 4);
}

/* A ring address: mostly inside RAM and aligned, sometimes anywhere at all. */
static uint64_t ring_addr(struct input *in, uint64_t align, bool unaligned)
{
	uint8_t kind = (uint8_t)take(in, 1);
	if (kind == 0xff)
		return take(in, 8);
	if (kind == 0xfe)
		return KVMINI_VIRTIO_MMIO_BASE + VIRTIO_MMIO_CONFIG; /* device config: not RAM */
	uint64_t a = take(in, 2) % MEM_SIZE;
	return unaligned ? a : a & ~(align - 1);
}

/* Write a request chain of up to 8 descriptors at the head of queue 0's table. */
static void build_chain(struct input *in, const struct virtq *vq)
{
	unsigned int ndesc = 1 + take(in, 1) % 8;
	struct virtq_desc d;

	if (vq->num == 0)
		return;
	for (unsigned int i = 0; i < ndesc && i < vq->num; i++) {
		uint8_t kind = (uint8_t)take(in, 1);
		d.addr = kind == 0xff ? take(in, 8)
				      : DATA_BASE + take(in, 2) % (MEM_SIZE - DATA_BASE);
		d.len = kind == 0xfe ? (uint32_t)take(in, 4) : (uint32_t)(take(in, 2) % 0x2000);
		d.flags = (uint16_t)take(in, 1) & 7;
		d.next = (uint16_t)(i + 1 < ndesc ? i + 1 : take(in, 1));
		/* The rings are in RAM (checked at QueueReady), so this copy is safe. */
		uint8_t *slot = guest_mem_ptr(&mem, vq->desc_gpa + 16ULL * i, 16);
		if (slot)
			memcpy(slot, &d, sizeof(d));
	}
	/* A blk header at the start of the data area. */
	struct virtio_blk_req_hdr hdr = {
		.type = (uint32_t)take(in, 1) % 12,
		.sector = take(in, 1) == 0xff ? take(in, 8) : take(in, 1),
	};
	memcpy(ram + DATA_BASE, &hdr, sizeof(hdr));
	struct virtq_avail *avail = guest_mem_ptr(&mem, vq->avail_gpa, VIRTQ_AVAIL_SIZE(vq->num));
	if (avail) {
		avail->ring[0] = (uint16_t)(take(in, 1) % 2 ? take(in, 2) : 0);
		avail->idx = (uint16_t)(1 + take(in, 1) % 3);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};

	if (!ram)
		make_devices();
	memset(ram, 0, MEM_SIZE);

	struct virtio_mmio *v = devices[take(&in, 1) % NDEVICES];
	uint8_t flags = (uint8_t)take(&in, 1);
	uint64_t features = 1ULL << VIRTIO_F_VERSION_1;
	if (flags & 1)
		features |= 1ULL << VIRTIO_F_INDIRECT_DESC;
	if (flags & 2)
		features |= 1ULL << (v == devices[4] ? VIRTIO_NET_F_MRG_RXBUF : VIRTIO_BLK_F_FLUSH);
	if (flags & 4)
		features = take(&in, 8);

	/* Section 3.1.1 initialisation, with fuzzed values. */
	wr(v, VIRTIO_MMIO_STATUS, 0);
	wr(v, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(v, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(v, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	wr(v, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(v, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	wr(v, VIRTIO_MMIO_STATUS, rd(v, VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_FEATURES_OK);

	for (unsigned int q = 0; q < v->ops->num_queues; q++) {
		uint32_t num = flags & 0x10 ? (uint32_t)take(&in, 2) : 1u << (take(&in, 1) % 9);
		wr(v, VIRTIO_MMIO_QUEUE_SEL, q);
		wr(v, VIRTIO_MMIO_QUEUE_NUM, num);
		uint64_t desc = ring_addr(&in, 16, flags & 0x20);
		uint64_t avail = ring_addr(&in, 2, flags & 0x20);
		uint64_t used = ring_addr(&in, 4, flags & 0x20);
		wr(v, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
		wr(v, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
		wr(v, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)avail);
		wr(v, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(avail >> 32));
		wr(v, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)used);
		wr(v, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(used >> 32));
		wr(v, VIRTIO_MMIO_QUEUE_READY, 1);
	}

	/* A few arbitrary register writes and reads, of any width. */
	unsigned int nops = take(&in, 1) % 8;
	for (unsigned int i = 0; i < nops; i++) {
		uint64_t off = take(&in, 2) % KVMINI_VIRTIO_MMIO_SIZE;
		uint32_t len = 1u << (take(&in, 1) % 3);
		uint8_t b[4];
		device_store_le(b, 4, take(&in, 4));
		if (off + len > KVMINI_VIRTIO_MMIO_SIZE)
			continue;
		if (b[3] & 1)
			v->dev.ops->read(&v->dev, off, b, len);
		else
			v->dev.ops->write(&v->dev, off, b, len);
	}

	uint8_t console_input[16];
	size_t ninput = (size_t)take(&in, 1) % sizeof(console_input);
	for (size_t i = 0; i < ninput; i++)
		console_input[i] = (uint8_t)take(&in, 1);
	size_t frame_len = (size_t)take(&in, 2) % 2048; /* net: up to past a 1514-byte frame */

	/*
	 * The rest of the input is the memory image; a structured chain, if
	 * asked for, is read from its first bytes and written over it.
	 */
	memcpy(ram, in.p, in.n < MEM_SIZE ? in.n : MEM_SIZE);
	if (flags & 0x40 && v->queues[0].ready)
		build_chain(&in, &v->queues[0]);

	if (!(flags & 8))
		wr(v, VIRTIO_MMIO_STATUS, rd(v, VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
	for (unsigned int q = 0; q < v->ops->num_queues; q++)
		wr(v, VIRTIO_MMIO_QUEUE_NOTIFY, q);
	if (v == devices[2] && (flags & 0x80))
		virtio_console_receive(v->priv, console_input, ninput);
	if (v == devices[4]) {
		static uint8_t frame[2048], sink[4096];
		for (size_t i = 0; i < frame_len; i++)
			frame[i] = ninput ? console_input[i % ninput] : (uint8_t)i;
		if (flags & 0x80 && send(net_peer, frame, frame_len, MSG_DONTWAIT) < 0)
			;	      /* a full socket: the device has not drained earlier frames */
		virtio_net_poll(net); /* TX the guest's chains, RX the host's frame */
		while (recv(net_peer, sink, sizeof(sink), MSG_DONTWAIT) > 0)
			; /* what the guest sent: the host reads it, whatever it is */
	}

	/* The device must still answer its registers sanely. */
	if (rd(v, VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MMIO_MAGIC)
		abort();
	for (unsigned int q = 0; q < v->ops->num_queues; q++) {
		const struct virtq *vq = &v->queues[q];
		/*
		 * Every chain taken is returned, except the one a device found
		 * malformed just before it marked itself broken. virtio-net may
		 * also hold chains by design: one transmit chain the backend
		 * could not take yet, and the receive chains of a frame waiting
		 * for more buffers (MRG_RXBUF), never more than the queue has.
		 */
		uint16_t held = (uint16_t)(vq->last_avail - vq->used_idx);
		uint16_t allowed = v != devices[4] ? 1 : q == 0 ? (uint16_t)vq->num : 1;
		if (vq->ready && held > allowed)
			abort();
	}
	return 0;
}
