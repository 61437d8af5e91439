// SPDX-License-Identifier: MIT
/*
 * The device options of `kvmini run`: --disk, --console, --net, --vsock and
 * --share, each one argument into struct vm_config (cli_devices.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "abi/kvmini_abi.h"
#include "cli_devices.h"

/* A ",ro" or ",rw" at the end of arg: drop it from *len; true for ",ro". */
static bool strip_ro_suffix(const char *arg, size_t *len)
{
	bool ro = *len >= 3 && strcmp(arg + *len - 3, ",ro") == 0;

	if (ro || (*len >= 3 && strcmp(arg + *len - 3, ",rw") == 0))
		*len -= 3;
	return ro;
}

enum cli_result cli_devices_disk(struct vm_config *cfg, const char *arg, char *err, size_t errlen)
{
	if (cfg->ndisks == CONFIG_MAX_DISKS)
		return error(err, errlen, "too many --disk options (at most %d)", CONFIG_MAX_DISKS);
	struct disk_config *d = &cfg->disks[cfg->ndisks];
	size_t len = strlen(arg);
	d->read_only = strip_ro_suffix(arg, &len);
	if (len == 0)
		return error(err, errlen, "--disk needs a path");
	if (len >= sizeof(d->path_buf))
		return error(err, errlen, "--disk path is too long");
	memcpy(d->path_buf, arg, len);
	d->path_buf[len] = '\0';
	d->path = d->path_buf;
	cfg->ndisks++;
	return CLI_RUN;
}

enum cli_result cli_devices_console(struct vm_config *cfg, const char *arg, char *err,
				    size_t errlen)
{
	if (strcmp(arg, "stdio") == 0) {
		cfg->console = CONSOLE_STDIO;
	} else if (strncmp(arg, "file:", 5) == 0 && arg[5]) {
		cfg->console = CONSOLE_FILE;
		cfg->console_path = arg + 5;
	} else {
		return error(err, errlen, "--console takes 'stdio' or 'file:PATH', not '%s'", arg);
	}
	return CLI_RUN;
}

int cli_check_net_fd(int fd, char *err, size_t errlen)
{
	int type = 0;
	socklen_t len = sizeof(type);

	/* Only queries: the fd is not touched until the board opens the backend. */
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return errbuf_set(err, errlen, -errno, "--net socket,fd=%d: %s", fd,
				  errno == ENOTSOCK ? "not a socket" : strerror(errno));
	if (type != SOCK_SEQPACKET && type != SOCK_DGRAM)
		return errbuf_set(err, errlen, -EINVAL,
				  "--net socket,fd=%d: a byte-stream socket; needs SOCK_SEQPACKET "
				  "or SOCK_DGRAM (one frame per datagram)",
				  fd);
	return 0;
}

/* "XX:XX:XX:XX:XX:XX" (hex, either case), a unicast address. 0 or -EINVAL. */
static int parse_mac(const char *text, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		const char *p = text + 3 * i;
		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) ||
		    p[2] != (i == 5 ? '\0' : ':'))
			return -EINVAL;
		char byte[3] = {p[0], p[1], '\0'};
		mac[i] = (uint8_t)strtoul(byte, NULL, 16);
	}
	/* A multicast source address is invalid on Ethernet (IEEE 802.3, bit 0 of byte 0). */
	return (mac[0] & 1) ? -EINVAL : 0;
}

/* "tcp:HOSTPORT-:GUESTPORT", both ports 1-65535. 0 or -EINVAL. */
static int parse_hostfwd(const char *text, struct net_hostfwd *fwd)
{
	unsigned int host, guest;
	char buf[32];

	if (strncmp(text, "tcp:", 4) != 0 || strlen(text) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, text + 4);
	char *sep = strstr(buf, "-:");
	if (!sep)
		return -EINVAL;
	*sep = '\0';
	if (cli_parse_uint(buf, 65535, &host) || cli_parse_uint(sep + 2, 65535, &guest) || !host ||
	    !guest)
		return -EINVAL;
	fwd->host_port = (uint16_t)host;
	fwd->guest_port = (uint16_t)guest;
	return 0;
}

/* One ",key=value" of --net KIND (opt points at it, NUL-terminated). */
static enum cli_result parse_net_opt(struct net_config *n, const char *kind, const char *opt,
				     bool *have_mac, bool *have_fd, char *err, size_t errlen)
{
	const char *eq = strchr(opt, '=');
	size_t klen = eq ? (size_t)(eq - opt) : strlen(opt);
	const char *val = eq ? eq + 1 : "";

#define KEY_IS(k) (klen == strlen(k) && strncmp(opt, k, klen) == 0)
	if (KEY_IS("mac")) {
		if (parse_mac(val, n->mac))
			return error(err, errlen,
				     "--net %s: mac='%s' is not a unicast MAC address "
				     "(XX:XX:XX:XX:XX:XX, first byte even)",
				     kind, val);
		*have_mac = true;
	} else if (KEY_IS("hostfwd") && n->kind == NET_USER) {
		if (n->nhostfwd == NET_SLIRP_MAX_HOSTFWD)
			return error(err, errlen, "--net user: too many hostfwd= (at most %d)",
				     NET_SLIRP_MAX_HOSTFWD);
		if (parse_hostfwd(val, &n->hostfwd[n->nhostfwd]))
			return error(err, errlen,
				     "--net user: hostfwd='%s' is not tcp:HOSTPORT-:GUESTPORT "
				     "with ports 1-65535",
				     val);
		n->nhostfwd++;
	} else if (KEY_IS("ifname") && n->kind == NET_TAP) {
		if (!*val || strlen(val) >= sizeof(n->ifname) || strchr(val, '/'))
			return error(err, errlen,
				     "--net tap: ifname='%s' is not an interface name (1-%zu "
				     "characters, no '/')",
				     val, sizeof(n->ifname) - 1);
		strcpy(n->ifname, val);
	} else if (KEY_IS("fd") && n->kind == NET_SOCKET) {
		unsigned int fd;
		/* 0-2 are the console's stdio. */
		if (cli_parse_uint(val, 65535, &fd) || fd <= 2)
			return error(err, errlen,
				     "--net socket: fd='%s' is not a file descriptor number (3 or "
				     "more)",
				     val);
		n->fd = (int)fd;
		*have_fd = true;
	} else {
		return error(err, errlen, "--net %s: unknown setting '%.*s'", kind, (int)klen, opt);
	}
#undef KEY_IS
	return CLI_RUN;
}

/* --net KIND[,key=value]... (see cli_usage). */
enum cli_result cli_devices_net(struct vm_config *cfg, const char *arg, char *err, size_t errlen)
{
	static const char *const kinds[] = {
		[NET_USER] = "user", [NET_TAP] = "tap", [NET_SOCKET] = "socket"};
	char buf[512];
	bool have_mac = false, have_fd = false;

	if (cfg->nnics == CONFIG_MAX_NICS)
		return error(err, errlen, "too many --net options (at most %d)", CONFIG_MAX_NICS);
	if (strlen(arg) >= sizeof(buf))
		return error(err, errlen, "--net: '%.40s...' is too long", arg);
	strcpy(buf, arg);
	char *save, *kind = strtok_r(buf, ",", &save);
	struct net_config *n = &cfg->nics[cfg->nnics];
	memset(n, 0, sizeof(*n));
	n->fd = -1;
	unsigned int k = 0;
	while (k < 3 && (!kind || strcmp(kind, kinds[k]) != 0))
		k++;
	if (k == 3)
		return error(err, errlen, "--net takes 'user', 'tap' or 'socket', not '%s'",
			     kind ? kind : "");
	n->kind = (enum net_kind)k;
	for (char *opt = strtok_r(NULL, ",", &save); opt; opt = strtok_r(NULL, ",", &save))
		if (parse_net_opt(n, kinds[k], opt, &have_mac, &have_fd, err, errlen) == CLI_ERROR)
			return CLI_ERROR;
	if (n->kind == NET_SOCKET) {
		if (!have_fd)
			return error(err, errlen, "--net socket needs fd=N");
		if (cli_check_net_fd(n->fd, err, errlen))
			return CLI_ERROR;
	}
	if (!have_mac) {
		static const uint8_t prefix[5] = {0x02, 0x4b, 0x56, 0x00, 0x00};
		memcpy(n->mac, prefix, sizeof(prefix));
		n->mac[5] = (uint8_t)cfg->nnics;
	}
	cfg->nnics++;
	return CLI_RUN;
}

/* --vsock CID,PATH (see cli_usage). path points into arg (argv), which outlives cfg. */
enum cli_result cli_devices_vsock(struct vm_config *cfg, const char *arg, char *err, size_t errlen)
{
	struct sockaddr_un addr;
	const char *comma = strchr(arg, ',');
	char cid[16];
	unsigned long long v;
	char *end;

	if (cfg->vsock_path)
		return error(err, errlen, "--vsock: only one virtio-vsock device is supported");
	if (!comma)
		return error(err, errlen, "--vsock takes CID,PATH, not '%s'", arg);
	size_t cid_len = (size_t)(comma - arg);
	if (cid_len == 0 || cid_len >= sizeof(cid))
		return error(err, errlen, "--vsock: '%.*s' is not a CID", (int)cid_len, arg);
	memcpy(cid, arg, cid_len);
	cid[cid_len] = '\0';
	errno = 0;
	v = strtoull(cid, &end, 10);
	/* 0-2 are reserved (2 is the host) and 0xffffffff is VMADDR_CID_ANY (section 5.10.4). */
	if (!isdigit((unsigned char)cid[0]) || errno || *end || v < 3 || v >= 0xffffffffull)
		return error(err, errlen,
			     "--vsock: CID '%s' is not a number from 3 to 4294967294 (0-2 are "
			     "reserved, 2 is the host)",
			     cid);
	const char *path = comma + 1;
	if (!*path)
		return error(err, errlen, "--vsock %s: the socket PATH is empty", cid);
	/* Room for the "_P" a guest connect appends, as vsock_unix_open() needs. */
	if (strlen(path) + sizeof("_4294967295") > sizeof(addr.sun_path))
		return error(err, errlen,
			     "--vsock: PATH '%.40s...' is too long for a Unix socket (at most %zu "
			     "bytes, to leave room for _PORT)",
			     path, sizeof(addr.sun_path) - sizeof("_4294967295"));
	cfg->vsock_cid = (uint32_t)v;
	cfg->vsock_path = path;
	return CLI_RUN;
}

/*
 * --share HOSTDIR,TAG[,ro] (see cli_usage). The tag is after the last comma,
 * so HOSTDIR may hold commas and TAG may not. HOSTDIR is checked at step 0
 * (virtiofsd_check_shares()), with the virtiofsd program.
 */
enum cli_result cli_devices_share(struct vm_config *cfg, const char *arg, char *err, size_t errlen)
{
	if (cfg->nshares == CONFIG_MAX_SHARES)
		return error(err, errlen, "too many --share options (at most %d)",
			     CONFIG_MAX_SHARES);
	struct share_config *sh = &cfg->shares[cfg->nshares];
	size_t len = strlen(arg);
	sh->read_only = strip_ro_suffix(arg, &len);
	const char *comma = memrchr(arg, ',', len);
	if (!comma || comma == arg)
		return error(err, errlen, "--share takes HOSTDIR,TAG[,ro], not '%s'", arg);
	size_t dir_len = (size_t)(comma - arg), tag_len = len - dir_len - 1;
	/* virtio 1.2 section 5.11.4: the tag is 36 bytes at most, and a guest mounts it by name. */
	if (tag_len == 0 || tag_len > sizeof(sh->tag) - 1)
		return error(err, errlen,
			     "--share %s: TAG must be 1 to %zu bytes (virtio-fs tag), not %zu", arg,
			     sizeof(sh->tag) - 1, tag_len);
	if (dir_len >= sizeof(sh->dir_buf))
		return error(err, errlen, "--share: HOSTDIR is too long");
	memcpy(sh->tag, comma + 1, tag_len);
	sh->tag[tag_len] = '\0';
	memcpy(sh->dir_buf, arg, dir_len);
	sh->dir_buf[dir_len] = '\0';
	sh->dir = sh->dir_buf;
	for (unsigned int i = 0; i < cfg->nshares; i++)
		if (strcmp(cfg->shares[i].tag, sh->tag) == 0)
			return error(err, errlen, "--share: tag '%s' is used twice", sh->tag);
	cfg->nshares++;
	return CLI_RUN;
}
