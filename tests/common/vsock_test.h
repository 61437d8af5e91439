/* SPDX-License-Identifier: MIT */
/*
 * What the tests that play a virtio-vsock guest driver share (the unit test
 * tests/unit/test_virtio_vsock.c and the hardening probe
 * tests/hardening/seccomp_probe.c): the header of a packet the guest sends
 * (virtio 1.2 section 5.10.6). Header only, no test framework: the probe
 * does not link Check.
 */
#ifndef KVMINI_TESTS_VSOCK_TEST_H
#define KVMINI_TESTS_VSOCK_TEST_H

#include <stdint.h>

#include "kvmini/virtio_vsock.h"

/*
 * A well-formed stream packet header from the guest (CID guest_cid, port
 * guest_port) to the host (CID 2, port host_port), op with len payload bytes
 * and flags. Its receive buffer state (buf_alloc, fwd_cnt, section
 * 5.10.6.3) is 0: the caller sets what its driver has.
 */
static inline struct virtio_vsock_hdr vsock_test_guest_hdr(uint64_t guest_cid, uint16_t op,
							   uint32_t guest_port, uint32_t host_port,
							   uint32_t len, uint32_t flags)
{
	struct virtio_vsock_hdr h = {
		.src_cid = guest_cid,
		.dst_cid = VIRTIO_VSOCK_HOST_CID,
		.src_port = guest_port,
		.dst_port = host_port,
		.len = len,
		.type = VIRTIO_VSOCK_TYPE_STREAM,
		.op = op,
		.flags = flags,
	};
	return h;
}

#endif /* KVMINI_TESTS_VSOCK_TEST_H */
