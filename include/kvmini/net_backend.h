/* SPDX-License-Identifier: MIT */
/*
 * The host side of a virtio-net device: where the guest's Ethernet frames go
 * and where the frames for the guest come from.
 *
 * A backend moves whole frames, one per call, never blocking:
 *   - send() hands one frame (as an iovec, so the device can pass guest
 *     buffers without a copy) to the host;
 *   - recv() returns the next frame for the guest, or -EAGAIN when there is
 *     none yet;
 *   - fd is what the monitor's I/O thread watches: when it becomes readable,
 *     recv() may have a frame; when it becomes writable after send() said
 *     -EAGAIN, send() may succeed again. Watch it edge-triggered (EPOLLIN |
 *     EPOLLOUT | EPOLLET): the device stops calling recv() while the guest
 *     posts no receive buffers, and a level-triggered watch would then fire
 *     forever.
 *
 * When has_vnet_hdr is set, every frame in both directions starts with the
 * 12-byte struct virtio_net_hdr (a TAP with IFF_VNET_HDR works that way), so
 * checksum and segmentation offloads can pass through; otherwise frames are
 * plain Ethernet and the device adds or strips the header itself.
 *
 * Three kinds: net_socket (a connected datagram socket, one datagram per
 * frame; what the unit tests use), net_tap (/dev/net/tun) and net_slirp
 * (user-mode networking on libslirp, when the build has it).
 */
#ifndef KVMINI_NET_BACKEND_H
#define KVMINI_NET_BACKEND_H

#include <netinet/in.h> /* struct in_addr */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

struct net_backend;

struct net_backend_ops {
	/* Send one frame. 0, -EAGAIN when the host cannot take it now, or -errno. */
	int (*send)(struct net_backend *be, const struct iovec *iov, unsigned int n);
	/* Take the next frame into buf. Its length, -EAGAIN when none is waiting, or -errno. */
	ssize_t (*recv)(struct net_backend *be, void *buf, size_t size);
	/*
	 * The guest's offload choice (which of checksum / TSO it accepts on
	 * receive), so that the host never hands it a frame it cannot take.
	 * Only called when has_vnet_hdr. May be NULL.
	 */
	void (*set_offloads)(struct net_backend *be, bool csum, bool tso4, bool tso6);
	/* Release everything; be is freed. */
	void (*close)(struct net_backend *be);
};

struct net_backend {
	const struct net_backend_ops *ops;
	const char *kind; /* "socket", "tap", "slirp": for messages */
	int fd;		  /* readable when recv() may have a frame; watch with EPOLLET */
	bool has_vnet_hdr;
};

/* The slirp port forwarding rule: TCP 127.0.0.1:host_port -> guest:guest_port. */
struct net_hostfwd {
	uint16_t host_port;
	uint16_t guest_port;
};

#define NET_SLIRP_MAX_HOSTFWD 8

/*
 * A backend on fd, a connected SOCK_SEQPACKET or SOCK_DGRAM socket (one
 * datagram is one Ethernet frame). Takes ownership of fd (closed by close())
 * and makes it non-blocking. 0 and *out, -EINVAL (with a message) when fd is
 * not such a socket, or -errno.
 */
int net_socket_open(struct net_backend **out, int fd);

/*
 * A TAP interface from /dev/net/tun with IFF_TAP | IFF_NO_PI | IFF_VNET_HDR
 * and a 12-byte vnet header. ifname may be NULL (the kernel picks tapN); the
 * name it got is copied into name_out (IFNAMSIZ bytes) when that is not NULL.
 * Returns 0 and *out, or -errno with a message naming the cause: -ENOENT
 * when /dev/net/tun is missing, -EPERM when the caller lacks CAP_NET_ADMIN.
 */
int net_tap_open(struct net_backend **out, const char *ifname, char *name_out);

/*
 * User-mode networking: libslirp's defaults (network 10.0.2.0/24, host
 * 10.0.2.2, the guest's DHCP lease 10.0.2.15) and the given TCP port
 * forwards, each bound to 127.0.0.1 only. The guest's DNS server (DHCP) is
 * net_slirp_dns_choose()'s, read from /etc/resolv.conf here: call before
 * the system-call filter. Returns 0 and *out,
 * -ENOTSUP (with a message) when the build has no libslirp, or -errno.
 */
int net_slirp_open(struct net_backend **out, const struct net_hostfwd *fwd, unsigned int nfwd);

/* Does this build have libslirp? */
bool net_slirp_available(void);

/*
 * The first IPv4 "nameserver" of resolv.conf(5) text (NUL-terminated) in
 * *server. 0, or -ENOENT when there is none.
 */
int net_slirp_dns_parse(const char *text, struct in_addr *server);

/*
 * The DNS server to give a --net user guest, one it reaches through slirp's
 * NAT without libslirp's forwarder (devices/backends/net_slirp_dns.c says
 * why): true and *server, from resolv_conf's first IPv4 nameserver: that
 * one if reachable (not loopback, not 0.0.0.0, outside vnetwork/vnetmask);
 * vhost, slirp's way to the host's 127.0.0.1, for 127.0.0.1 or no
 * nameserver; for systemd-resolved's stub 127.0.0.53, resolved_conf's first
 * (NULL: none) if reachable. false, *server untouched and a warning logged,
 * when there is none such (another loopback address, an unreadable file):
 * keep libslirp's forwarder then. Reads the files: call at setup, before
 * the system-call filter.
 */
bool net_slirp_dns_choose(const char *resolv_conf, const char *resolved_conf,
			  struct in_addr vnetwork, struct in_addr vnetmask, struct in_addr vhost,
			  struct in_addr *server);

/* Send, receive, close through the ops (NULL-safe close). */
static inline int net_backend_send(struct net_backend *be, const struct iovec *iov, unsigned int n)
{
	return be->ops->send(be, iov, n);
}

static inline ssize_t net_backend_recv(struct net_backend *be, void *buf, size_t size)
{
	return be->ops->recv(be, buf, size);
}

static inline void net_backend_close(struct net_backend *be)
{
	if (be)
		be->ops->close(be);
}

#endif /* KVMINI_NET_BACKEND_H */
