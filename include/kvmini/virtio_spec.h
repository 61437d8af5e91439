/* SPDX-License-Identifier: MIT */
/*
 * Constants and ring layouts from the virtio 1.2 specification
 * (https://docs.oasis-open.org/virtio/virtio/v1.2/virtio-v1.2.html).
 *
 * Plain constants and fixed-layout structs only, so that BOTH the monitor's
 * device models and the freestanding tiny guest's drivers can include this
 * header: it needs nothing but <stdint.h>. Every multi-byte field is
 * little-endian on the wire (virtio 1.2 section 1.4); x86 is little-endian,
 * so the structs are used as they are.
 */
#ifndef KVMINI_VIRTIO_SPEC_H
#define KVMINI_VIRTIO_SPEC_H

#include <stdint.h>

/* ---- device status field (section 2.1) ---------------------------------- */

#define VIRTIO_STATUS_ACKNOWLEDGE	 0x01
#define VIRTIO_STATUS_DRIVER		 0x02
#define VIRTIO_STATUS_DRIVER_OK		 0x04
#define VIRTIO_STATUS_FEATURES_OK	 0x08
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED		 0x80

/* ---- reserved feature bits (section 6) ---------------------------------- */

#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX     29
#define VIRTIO_F_VERSION_1     32

/* ---- device ids (section 5) ------------------------------------------------ */

#define VIRTIO_ID_BLOCK	  2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG	  4
#define VIRTIO_ID_FS	  26 /* section 5.11 */

/* ---- virtio-mmio register layout, Version 2 (section 4.2.2) -------------- */

#define VIRTIO_MMIO_MAGIC_VALUE		0x000 /* R: "virt" */
#define VIRTIO_MMIO_VERSION		0x004 /* R: 2 */
#define VIRTIO_MMIO_DEVICE_ID		0x008 /* R */
#define VIRTIO_MMIO_VENDOR_ID		0x00c /* R */
#define VIRTIO_MMIO_DEVICE_FEATURES	0x010 /* R: 32 bits selected by ..._SEL */
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014 /* W */
#define VIRTIO_MMIO_DRIVER_FEATURES	0x020 /* W */
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024 /* W */
#define VIRTIO_MMIO_QUEUE_SEL		0x030 /* W */
#define VIRTIO_MMIO_QUEUE_NUM_MAX	0x034 /* R: 0 if the queue does not exist */
#define VIRTIO_MMIO_QUEUE_NUM		0x038 /* W */
#define VIRTIO_MMIO_QUEUE_READY		0x044 /* RW */
#define VIRTIO_MMIO_QUEUE_NOTIFY	0x050 /* W: queue index */
#define VIRTIO_MMIO_INTERRUPT_STATUS	0x060 /* R */
#define VIRTIO_MMIO_INTERRUPT_ACK	0x064 /* W */
#define VIRTIO_MMIO_STATUS		0x070 /* RW */
#define VIRTIO_MMIO_QUEUE_DESC_LOW	0x080 /* W */
#define VIRTIO_MMIO_QUEUE_DESC_HIGH	0x084 /* W */
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW	0x090 /* W: the available ring */
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH	0x094 /* W */
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW	0x0a0 /* W: the used ring */
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH	0x0a4 /* W */
#define VIRTIO_MMIO_SHM_SEL		0x0ac /* W */
#define VIRTIO_MMIO_SHM_LEN_LOW		0x0b0 /* R */
#define VIRTIO_MMIO_SHM_LEN_HIGH	0x0b4 /* R */
#define VIRTIO_MMIO_SHM_BASE_LOW	0x0b8 /* R */
#define VIRTIO_MMIO_SHM_BASE_HIGH	0x0bc /* R */
#define VIRTIO_MMIO_CONFIG_GENERATION	0x0fc /* R */
#define VIRTIO_MMIO_CONFIG		0x100 /* device-specific configuration */

#define VIRTIO_MMIO_MAGIC 0x74726976U /* "virt" little-endian */

/* InterruptStatus / InterruptACK bits (section 4.2.2, table 4.1). */
#define VIRTIO_MMIO_INT_VRING  0x1 /* used buffer notification */
#define VIRTIO_MMIO_INT_CONFIG 0x2 /* configuration change notification */

/* ---- split virtqueues (section 2.7) -------------------------------------- */

#define VIRTQ_DESC_F_NEXT     1 /* the chain continues at .next */
#define VIRTQ_DESC_F_WRITE    2 /* device-writable (else device-readable) */
#define VIRTQ_DESC_F_INDIRECT 4 /* the buffer is a table of descriptors */

#define VIRTQ_AVAIL_F_NO_INTERRUPT 1 /* driver: no used buffer notification wanted */
#define VIRTQ_USED_F_NO_NOTIFY	   1 /* device: no available buffer notification wanted */

/* Largest queue size a split ring may have (section 2.7). */
#define VIRTQ_MAX_SIZE 32768

/* Section 2.7.5: the descriptor table, 16-byte aligned. */
struct virtq_desc {
	uint64_t addr; /* guest-physical */
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/* Section 2.7.6: the available (driver) ring, 2-byte aligned. */
struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[]; /* queue size entries, then used_event (EVENT_IDX only) */
};

/* Section 2.7.8: the used (device) ring, 4-byte aligned. */
struct virtq_used_elem {
	uint32_t id;  /* head of the chain (uint32 for padding reasons) */
	uint32_t len; /* bytes the device wrote into the chain's writable buffers */
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[]; /* queue size entries, then avail_event */
};

/* Bytes of each ring part for a queue of num entries (section 2.7, table). */
#define VIRTQ_DESC_SIZE(num)  (16ULL * (num))
#define VIRTQ_AVAIL_SIZE(num) (6ULL + 2ULL * (num))
#define VIRTQ_USED_SIZE(num)  (6ULL + 8ULL * (num))

/* ---- block device (section 5.2) ------------------------------------------ */

#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX  2
#define VIRTIO_BLK_F_RO	      5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH    9

#define VIRTIO_BLK_T_IN	    0
#define VIRTIO_BLK_T_OUT    1
#define VIRTIO_BLK_T_FLUSH  4
#define VIRTIO_BLK_T_GET_ID 8

#define VIRTIO_BLK_S_OK	    0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_BLK_SECTOR_SIZE 512
#define VIRTIO_BLK_ID_BYTES    20

/* The request header: the first 16 device-readable bytes of a request. */
struct virtio_blk_req_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

/* Byte offsets of the configuration fields kvmini uses (section 5.2.4). */
#define VIRTIO_BLK_CFG_CAPACITY 0  /* le64, in 512-byte sectors */
#define VIRTIO_BLK_CFG_SIZE_MAX 8  /* le32 */
#define VIRTIO_BLK_CFG_SEG_MAX	12 /* le32 */
#define VIRTIO_BLK_CFG_BLK_SIZE 20 /* le32 */

/* ---- console device (section 5.3) ---------------------------------------- */

#define VIRTIO_CONSOLE_F_SIZE	     0
#define VIRTIO_CONSOLE_F_MULTIPORT   1
#define VIRTIO_CONSOLE_F_EMERG_WRITE 2

/* Without MULTIPORT: queue 0 is port 0's receiveq, queue 1 its transmitq. */
#define VIRTIO_CONSOLE_RX_QUEUE 0
#define VIRTIO_CONSOLE_TX_QUEUE 1

#define VIRTIO_CONSOLE_CFG_COLS	       0 /* le16 */
#define VIRTIO_CONSOLE_CFG_ROWS	       2 /* le16 */
#define VIRTIO_CONSOLE_CFG_MAX_PORTS   4 /* le32 */
#define VIRTIO_CONSOLE_CFG_EMERG_WRITE 8 /* le32, write-only: one character */

/* ---- entropy device (section 5.4): one requestq, no features, no config -- */

#endif /* KVMINI_VIRTIO_SPEC_H */
