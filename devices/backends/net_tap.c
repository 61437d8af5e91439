// SPDX-License-Identifier: MIT
/*
 * A network backend on a TAP interface (Linux Documentation/networking/tuntap.rst).
 *
 * IFF_TAP: Ethernet frames, not IP packets. IFF_NO_PI: no 4-byte packet
 * information prefix. IFF_VNET_HDR with TUNSETVNETHDRSZ 12: every frame
 * read or written starts with the same 12-byte struct virtio_net_hdr that
 * virtio 1.2 section 5.1.6 puts before a frame in the rings, so the
 * checksum and segmentation offloads the guest negotiated pass through the
 * kernel unchanged. TUNSETOFFLOAD tells the kernel which offloads the guest
 * accepts on receive; until then it gets plain, fully checksummed frames.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvmini/log.h"
#include "kvmini/net_backend.h"

#define TUN_PATH      "/dev/net/tun"
#define VNET_HDR_SIZE 12 /* struct virtio_net_hdr with num_buffers (VIRTIO_F_VERSION_1) */

static int tap_send(struct net_backend *be, const struct iovec *iov, unsigned int n)
{
	for (;;) {
		/* One writev is one frame: the tap never splits or joins them. */
		ssize_t r = writev(be->fd, iov, (int)n);
		if (r >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

static ssize_t tap_recv(struct net_backend *be, void *buf, size_t size)
{
	for (;;) {
		ssize_t r = read(be->fd, buf, size);
		if (r >= 0)
			return r;
		if (errno != EINTR)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
}

static void tap_set_offloads(struct net_backend *be, bool csum, bool tso4, bool tso6)
{
	unsigned int off =
		(csum ? TUN_F_CSUM : 0) | (tso4 ? TUN_F_TSO4 : 0) | (tso6 ? TUN_F_TSO6 : 0);

	if (ioctl(be->fd, TUNSETOFFLOAD, off) < 0)
		log_warn("tap: TUNSETOFFLOAD %#x: %s", off, strerror(errno));
}

static void tap_close(struct net_backend *be)
{
	close(be->fd);
	free(be);
}

static const struct net_backend_ops tap_ops = {
	.send = tap_send,
	.recv = tap_recv,
	.set_offloads = tap_set_offloads,
	.close = tap_close,
};

/* Open /dev/net/tun, naming the usual causes of failure. */
static int tap_open_dev(void)
{
	int fd = open(TUN_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	int err = -errno;
	if (errno == ENOENT)
		log_error("tap: %s is missing (load the tun module: modprobe tun)", TUN_PATH);
	else if (errno == EACCES || errno == EPERM)
		log_error("tap: cannot open %s: %s (needs root or CAP_NET_ADMIN)", TUN_PATH,
			  strerror(errno));
	else
		log_error("tap: cannot open %s: %s", TUN_PATH, strerror(errno));
	return err;
}

int net_tap_open(struct net_backend **out, const char *ifname, char *name_out)
{
	struct ifreq ifr;
	int vnet_hdr_size = VNET_HDR_SIZE;
	int err;

	if (ifname && strlen(ifname) >= IFNAMSIZ) {
		log_error("tap: interface name '%s' is longer than %d characters", ifname,
			  IFNAMSIZ - 1);
		return -EINVAL;
	}
	int fd = tap_open_dev();
	if (fd < 0)
		return fd;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ifname)
		strcpy(ifr.ifr_name, ifname);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		err = -errno;
		if (errno == EPERM)
			log_error("tap: creating '%s' needs CAP_NET_ADMIN (run as root, or "
				  "create it beforehand with ip tuntap add ... user $USER)",
				  ifname ? ifname : "tapN");
		else
			log_error("tap: TUNSETIFF '%s': %s", ifname ? ifname : "tapN",
				  strerror(errno));
		goto fail;
	}
	if (ioctl(fd, TUNSETVNETHDRSZ, &vnet_hdr_size) < 0) {
		err = -errno;
		log_error("tap: TUNSETVNETHDRSZ %d: %s", vnet_hdr_size, strerror(errno));
		goto fail;
	}
	/* No offloads toward the guest until it has negotiated them. */
	if (ioctl(fd, TUNSETOFFLOAD, 0) < 0) {
		err = -errno;
		log_error("tap: TUNSETOFFLOAD: %s", strerror(errno));
		goto fail;
	}
	struct net_backend *be = calloc(1, sizeof(*be));
	if (!be) {
		err = -ENOMEM;
		goto fail;
	}
	be->ops = &tap_ops;
	be->kind = "tap";
	be->fd = fd;
	be->has_vnet_hdr = true;
	if (name_out)
		memcpy(name_out, ifr.ifr_name, IFNAMSIZ);
	*out = be;
	return 0;
fail:
	close(fd);
	return err;
}
