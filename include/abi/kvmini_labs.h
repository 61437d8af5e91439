/* SPDX-License-Identifier: MIT */
/*
 * The guest <-> monitor ABI of the coursework labs (docs/labs/): the devices
 * that only kvmini-lab has (vmm/board/board_labs.c). Like kvmini_abi.h, plain
 * constants only, for the monitor AND the tiny guest.
 */
#ifndef KVMINI_LABS_ABI_H
#define KVMINI_LABS_ABI_H

/* ---- lab 2: a clock on the port-I/O bus (devices/labs/lab_clock.c) ----------- */

/*
 * Four 32-bit little-endian registers. An access may be 1, 2 or 4 bytes wide
 * and start at any byte of a register, but must stay inside that register
 * (like the test device's, include/kvmini/testdev.h). Anything else reads as
 * 0, and such writes are ignored.
 *
 *   ID       R  LAB_CLOCK_MAGIC
 *   CONTROL  W  LAB_CLOCK_LATCH (whole register, 4 bytes): copy the current
 *               time into the latch; any other write is ignored. Reads 0.
 *   LOW      R  bits 31:0 of the latch
 *   HIGH     R  bits 63:32 of the latch
 *
 * The time is in nanoseconds since the device was created, from the host's
 * CLOCK_MONOTONIC: it never goes backwards. The latch starts at 0 and holds
 * its value until the next LATCH: reading LOW and then HIGH gives the two
 * halves of ONE time, which two reads of a running counter would not (HIGH
 * may step between them).
 */
#define LAB_CLOCK_PORT	  0x510
#define LAB_CLOCK_SIZE	  0x10
#define LAB_CLOCK_ID	  0x0
#define LAB_CLOCK_CONTROL 0x4
#define LAB_CLOCK_LOW	  0x8
#define LAB_CLOCK_HIGH	  0xc
#define LAB_CLOCK_MAGIC	  0x314b4c43U /* "CLK1" little-endian */
#define LAB_CLOCK_LATCH	  0x1

/* ---- lab 4: a virtio echo device (devices/labs/lab_echo.c) ------------------- */

/*
 * A virtio device (virtio 1.2 section 2) with one queue, the requestq. A
 * request is one descriptor chain: device-readable buffers with the input,
 * then device-writable buffers for the answer. The device copies the input
 * into the writable buffers (as far as they reach) and returns the chain
 * with the number of bytes written as the used length.
 *
 * Feature bit LAB_ECHO_F_UPPER: if negotiated, the answer has the ASCII
 * letters a-z turned into A-Z; every other byte is copied unchanged.
 *
 * Configuration space (read-only, little-endian):
 *   0x0  le32 bytes_echoed: total bytes written into answers since reset
 *
 * The device ID is not one of virtio's (section 5 assigns 1 to 45 so far):
 * 0xec40 is far above them, so no real driver (Linux's) claims the device.
 */
#define LAB_ECHO_DEVICE_ID	  0xec40
#define LAB_ECHO_F_UPPER	  0
#define LAB_ECHO_QUEUE_SIZE	  16
#define LAB_ECHO_CFG_BYTES_ECHOED 0x0
#define LAB_ECHO_CONFIG_SIZE	  4

/* ---- labs 1, 5: boot markers of the students' own programs -------------- */

#define LAB_MARKER_STUDENT 42 /* any value a guest writes to KVMINI_TESTDEV_MARKER */

#endif /* KVMINI_LABS_ABI_H */
