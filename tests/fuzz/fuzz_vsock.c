// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for virtio-vsock (devices/virtio/virtio_vsock*.c) and
 * its Unix-socket host side: the fuzzer's bytes are a script of guest
 * packets, receive buffers, host programs connecting and writing, and raw
 * writes over guest memory. The device must neither crash nor touch memory
 * outside the guest's RAM (AddressSanitizer) nor hit undefined behaviour
 * (UBSan), and it must keep its bound on buffered bytes.
 *
 * Input: a sequence of steps, each one byte of kind then its arguments (a
 * short input reads as zeros):
 *   0  a guest packet: 44 header bytes, u8 payload length (bytes follow);
 *      kind bit 7 sets the CIDs and type right, bit 6 also the port to 1
 *   1  a receive buffer: u16 size
 *   2  the host program on port 1: accept, write u8 bytes, maybe close
 *   3  a host client: "CONNECT <u8>\n"
 *   4  virtio_vsock_poll()
 *   5  u16 offset, u8 length: raw bytes over guest memory (rings included)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "kvmini/log.h"
#include "kvmini/virtio_vsock.h"

#include "fuzz_input.h"

#define MEM_SIZE  0x10000
#define QSIZE	  16
#define RING_GPA  0x0000 /* three rings of QSIZE, 0x400 apart */
#define DATA_BASE 0x2000 /* buffers: 2 KiB slots */
#define SLOT	  0x800
#define MAX_FDS	  8

static uint8_t *ram;
static struct guest_mem mem;
static struct irq_line no_irq;
static struct virtio_vsock *vs;
static struct virtio_mmio *vmio;
static char path[128];
static int listener;
static int fds[MAX_FDS];
static unsigned int nfds;
static uint16_t avail_idx[3], slot;

static void wr(uint64_t off, uint32_t v)
{
	uint8_t b[4];
	device_store_le(b, 4, v);
	vmio->dev.ops->write(&vmio->dev, off, b, 4);
}

static void setup_once(void)
{
	static char dir[] = "/tmp/kvmini-fuzz-vsock-XXXXXX";
	struct sockaddr_un a = {.sun_family = AF_UNIX};

	ram = aligned_alloc(4096, MEM_SIZE);
	guest_mem_layout(&mem, ram, MEM_SIZE);
	log_set_level(LOG_ERROR);
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/v", dir);
	if (virtio_vsock_create(&vs, 3, path, &mem, &no_irq))
		abort();
	vmio = virtio_vsock_mmio(vs);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s_1", path);
	listener = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (bind(listener, (struct sockaddr *)&a, sizeof(a)) || listen(listener, 64))
		abort();
}

/* A fresh driver: reset (closes every connection), three rings, DRIVER_OK. */
static void start(void)
{
	memset(ram, 0, MEM_SIZE);
	wr(VIRTIO_MMIO_STATUS, 0);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 1u << VIRTIO_VSOCK_F_STREAM);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 1); /* VERSION_1 */
	wr(VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	for (unsigned int q = 0; q < 3; q++) {
		uint64_t base = RING_GPA + 0x800ULL * q;
		wr(VIRTIO_MMIO_QUEUE_SEL, q);
		wr(VIRTIO_MMIO_QUEUE_NUM, QSIZE);
		wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)base);
		wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)(base + VIRTQ_DESC_SIZE(QSIZE)));
		wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)(base + 0x400));
		wr(VIRTIO_MMIO_QUEUE_READY, 1);
		avail_idx[q] = 0;
	}
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				       VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	slot = 0;
}

/* Make a one-descriptor chain of len bytes at the next data slot available on q. */
static uint64_t post(unsigned int q, uint32_t len, uint16_t flags)
{
	uint64_t base = RING_GPA + 0x800ULL * q;
	uint16_t d = avail_idx[q] % QSIZE;
	uint64_t gpa = DATA_BASE + (uint64_t)(slot++ % 28) * SLOT;
	struct virtq_desc *desc = (struct virtq_desc *)(ram + base) + d;
	struct virtq_avail *av = (struct virtq_avail *)(ram + base + VIRTQ_DESC_SIZE(QSIZE));

	desc->addr = gpa;
	desc->len = len;
	desc->flags = flags;
	desc->next = 0;
	av->ring[d] = d;
	av->idx = ++avail_idx[q];
	return gpa;
}

static void host_program(struct input *in)
{
	char buf[256];
	int fd = accept(listener, NULL, NULL);

	if (fd >= 0 && nfds < MAX_FDS)
		fds[nfds++] = fd;
	else if (fd >= 0)
		close(fd);
	if (nfds == 0)
		return;
	unsigned int n = (unsigned int)take(in, 1);
	unsigned int i = n % nfds;
	int target = fds[i];
	memset(buf, 'h', sizeof(buf));
	if (send(target, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 || (n & 1)) {
		/* Odd lengths close it: every end of a connection gets exercised. */
		close(target);
		nfds--;
		fds[i] = fds[nfds];
	}
}

static void host_client(struct input *in)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	char line[32];

	if (nfds == MAX_FDS)
		return;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	strcpy(a.sun_path, path);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return;
	}
	int n = snprintf(line, sizeof(line), "CONNECT %u\n", (unsigned int)take(in, 1));
	if (send(fd, line, (size_t)n, MSG_NOSIGNAL) < 0) {
		close(fd);
		return;
	}
	fds[nfds++] = fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	struct virtio_vsock_stats st;

	if (!vs)
		setup_once();
	start();
	for (unsigned int steps = 0; in.n > 0 && steps < 64; steps++) {
		unsigned int kind = (unsigned int)take(&in, 1);
		switch (kind % 6) {
		case 0: {
			struct virtio_vsock_hdr hdr;
			uint8_t *h = (uint8_t *)&hdr;
			for (unsigned int i = 0; i < sizeof(hdr); i++)
				h[i] = (uint8_t)take(&in, 1);
			if (kind & 0x80) {
				/* A short path to well-formed packets: the addresses and type
				 * right. */
				hdr.src_cid = 3;
				hdr.dst_cid = VIRTIO_VSOCK_HOST_CID;
				hdr.type = VIRTIO_VSOCK_TYPE_STREAM;
				if (kind & 0x40)
					hdr.dst_port = 1; /* the host program's port */
			}
			uint32_t len = (uint32_t)take(&in, 1);
			uint64_t gpa = post(VIRTIO_VSOCK_TX_QUEUE, sizeof(hdr) + len, 0);
			memcpy(ram + gpa, &hdr, sizeof(hdr));
			for (uint32_t i = 0; i < len; i++)
				ram[gpa + sizeof(hdr) + i] = (uint8_t)take(&in, 1);
			wr(VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_VSOCK_TX_QUEUE);
			break;
		}
		case 1:
			post(VIRTIO_VSOCK_RX_QUEUE, (uint32_t)take(&in, 2) % SLOT,
			     VIRTQ_DESC_F_WRITE);
			wr(VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_VSOCK_RX_QUEUE);
			break;
		case 2:
			host_program(&in);
			break;
		case 3:
			host_client(&in);
			break;
		case 4:
			virtio_vsock_poll(vs);
			break;
		default: {
			uint32_t off = (uint32_t)take(&in, 2) % MEM_SIZE;
			uint32_t len = (uint32_t)take(&in, 1);
			for (uint32_t i = 0; i < len && off + i < MEM_SIZE; i++)
				ram[off + i] = (uint8_t)take(&in, 1);
			break;
		}
		}
		virtio_vsock_get_stats(vs, &st);
		if (st.buffered > (uint64_t)VIRTIO_VSOCK_MAX_CONNS * VIRTIO_VSOCK_CONN_BUF ||
		    st.conns > VIRTIO_VSOCK_MAX_CONNS)
			abort();
	}
	while (nfds > 0)
		close(fds[--nfds]);
	return 0;
}
