// SPDX-License-Identifier: MIT
/* `kvmini run` options -> struct vm_config. No side effects beyond printing help. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "abi/kvmini_abi.h"
#include "cli.h"
#include "errbuf.h"
#include "host/control_client.h"

/*
 * The exit statuses `kvmini --help` lists, built from the names in
 * abi/kvmini_abi.h so that the numbers have exactly one home.
 */
static const struct {
	int status;
	const char *meaning;
} exit_statuses[] = {
	{KVMINI_STATUS_OK, "the guest powered off or rebooted, or `kvmini ctl stop`"},
	{KVMINI_STATUS_SETUP_ERROR, "setup error: bad command line, input file or KVM setup"},
	{KVMINI_STATUS_KILLED, "ended by `kvmini ctl kill`"},
	{KVMINI_STATUS_GUEST_HUNG, "guest hung: a vCPU halted with interrupts off"},
	{KVMINI_STATUS_GUEST_CRASH, "guest crash (registers and code bytes on stderr)"},
	{KVMINI_STATUS_PANIC, "guest kernel panic"},
	{KVMINI_STATUS_SECCOMP, "the monitor broke its own seccomp filter"},
	{KVMINI_STATUS_SIGNAL, "stopped by a signal (SIGINT, SIGTERM, SIGHUP) or Ctrl-A x"},
	{KVMINI_STATUS_TIMEOUT, "--timeout expired"},
};

void cli_usage(FILE *out)
{
	fprintf(out,
		"Usage: kvmini [-v] run --kernel FILE [options]\n"
		"       kvmini [-v] restore DIR [restore options] [-- CMD...]\n"
		"       kvmini host-info\n"
		"       kvmini ctl PATH|NAME status|pause|resume|stop|kill|snapshot DIR\n"
		"       kvmini list\n"
		"       kvmini oci [--root DIR] COMMAND ...   (kvmini oci --help)\n"
		"       kvmini --help | --version\n"
		"\n"
		"Boot a guest under KVM. FILE is the tiny test kernel (an ELF), Linux as a\n"
		"bzImage or a vmlinux with a PVH entry note, or a multiboot v1 kernel such as a\n"
		"kvm-unit-tests x86/NAME.flat (it gets QEMU's isa-debug-exit at port 0xf4,\n"
		"fw_cfg at 0x510 and pc-testdev; --initrd is its one module, the command line is\n"
		"\"FILE CMDLINE\").\n"
		"\n"
		"host-info prints, as JSON, what kvmini decided about this KVM host: its kind,\n"
		"the Linux command-line additions and hidden KVM features it needs, and\n"
		"whether /dev/kvm is usable (it works without /dev/kvm).\n"
		"\n"
		"ctl sends one command to a running VM's control socket (--control PATH, or\n"
		"the VM's --name) and prints the reply: status as JSON; pause and resume its\n"
		"vCPUs; stop ends the run with status 0 (disks flushed); kill ends it with\n"
		"status %d. Exit status 0 if the VM did it, 1 if not. list shows the VMs\n"
		"with a --name in the runtime directory ($KVMINI_RUNTIME_DIR, else\n"
		"/run/kvmini for root, else $XDG_RUNTIME_DIR/kvmini): NAME PID STATE VCPUS\n"
		"MEM, and \"stale\" for a socket whose VM is gone. See docs/control.md.\n"
		"\n"
		"oci is an OCI runtime with runc's command line (create, start, state, kill,\n"
		"delete, run, list, spec, features): each container is a microVM.\n"
		"\n"
		"Options for run:\n"
		"  -k, --kernel FILE      guest kernel (required)\n"
		"  -m, --mem SIZE         guest RAM, e.g. 128M, 2G; a bare number is MiB\n"
		"                         (default 128M, from 4M up to 64G and the host's RAM)\n"
		"  -c, --cpus N           number of vCPUs, 1-%d (default 1)\n"
		"      --cmdline STR      kernel command line\n"
		"      --initrd FILE      initial ramdisk (Linux), or module (multiboot)\n"
		"      --disk PATH[,ro]   virtio-blk disk on a raw image; repeatable (up to %d)\n"
		"      --console stdio|file:PATH\n"
		"                         add a virtio-console on stdio, or writing to PATH\n"
		"      --rng              add a virtio-rng device (host getrandom())\n"
		"      --net user[,hostfwd=tcp:HOSTPORT-:GUESTPORT]...[,mac=MAC]\n"
		"      --net tap[,ifname=NAME][,mac=MAC]\n"
		"      --net socket,fd=N[,mac=MAC]\n"
		"                         add a virtio-net device; repeatable (up to %d). user:\n"
		"                         user-mode network (libslirp), hostfwd forwards\n"
		"                         127.0.0.1:HOSTPORT to the guest (repeatable); tap: a\n"
		"                         TAP interface (needs CAP_NET_ADMIN); socket: an\n"
		"                         inherited connected SOCK_SEQPACKET or SOCK_DGRAM socket,\n"
		"                         one frame per datagram. Without mac=, NIC n (from 0)\n"
		"                         gets 02:4b:56:00:00:0n\n"
		"      --vsock CID,PATH   add a virtio-vsock device: the guest's CID (3 or more);\n"
		"                         host programs connect to the Unix socket PATH and\n"
		"                         write \"CONNECT PORT\\n\" to reach guest port PORT; a guest\n"
		"                         connect to host port P goes to the socket PATH_P\n"
		"      --share HOSTDIR,TAG[,ro]\n"
		"                         share a host directory (virtio-fs, served by virtiofsd;\n"
		"                         needs root): in Linux, mount -t virtiofs TAG /mnt. TAG\n"
		"                         is 1-36 bytes; ro makes every write fail (EROFS);\n"
		"                         repeatable (up to %d). KVMINI_VIRTIOFSD names the\n"
		"                         virtiofsd program (default %s)\n"
		"      --symbols FILE     guest System.map, to name functions in crash reports\n"
		"      --trace            print every VM exit, and counts per exit reason at the end\n"
		"      --boot-times       print boot-phase timestamps at exit\n"
		"      --timeout SECONDS  stop a guest still running after SECONDS (status %d)\n"
		"      --seccomp on|off   system-call filter after setup (default on)\n"
		"      --control PATH     control socket (mode 0600) for kvmini ctl\n"
		"      --name NAME        name the VM for kvmini ctl and list; without\n"
		"                         --control, its socket is RUNTIME_DIR/NAME.sock\n"
		"      --snapshot-on ready DIR\n"
		"                         when the guest writes READY to the test device, write a\n"
		"                         snapshot into DIR (docs/snapshot.md) and run on; the\n"
		"                         system-call filter is then off (a snapshot writes files)\n"
		"      --exit-after-snapshot\n"
		"                         end the run (status 0) once the snapshot is written\n"
		"\n"
		"restore DIR runs the VM a snapshot directory holds, from where it stopped.\n"
		"Every file is checked (format version, host kind, sizes, checksums, disks)\n"
		"before /dev/kvm is opened. Options for restore:\n"
		"      --disk PATH[,ro]   use PATH for the snapshot's next disk (in order); it must\n"
		"                         have the size the snapshot's had (a copy for each clone)\n"
		"      --vsock CID,PATH   the vsock socket at PATH (CID must be the snapshot's)\n"
		"      --timeout, --seccomp, --trace, --boot-times, --control, --name\n"
		"                         as for run\n"
		"      -- CMD...          the words of CMD, joined by spaces, and a newline are\n"
		"                         the guest console's input (its /init runs that line)\n"
		"\n"
		"Options anywhere (before or after the command):\n"
		"  -v, --verbose          more messages (repeat for debug)\n"
		"  -h, --help             this text\n"
		"  -V, --version          print the version\n"
		"\n"
		"Exit status: the code the guest wrote to the test device, (v << 1) | 1 when\n"
		"a multiboot guest wrote v to port 0xf4 (QEMU's isa-debug-exit), or one of\n",
		KVMINI_STATUS_KILLED, CLI_MAX_CPUS, CONFIG_MAX_DISKS, CONFIG_MAX_NICS,
		CONFIG_MAX_SHARES, CONFIG_VIRTIOFSD_DEFAULT, KVMINI_STATUS_TIMEOUT);
	for (size_t i = 0; i < sizeof(exit_statuses) / sizeof(exit_statuses[0]); i++)
		fprintf(out, "  %3d  %s\n", exit_statuses[i].status, exit_statuses[i].meaning);
}

/* Write the reason into err and give up: return error(err, errlen, "...", ...); */
#define error(err, errlen, ...) ((enum cli_result)errbuf_set(err, errlen, CLI_ERROR, __VA_ARGS__))

int cli_parse_size(const char *text, uint64_t *bytes)
{
	char *end;
	unsigned int shift = 20; /* bare number: MiB */

	if (!text || !isdigit((unsigned char)text[0]))
		return -EINVAL;
	errno = 0;
	unsigned long long n = strtoull(text, &end, 10);
	if (errno)
		return -EINVAL;
	switch (toupper((unsigned char)*end)) {
	case '\0':
		break;
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	case 'T':
		shift = 40;
		break;
	case 'B':
		shift = 0;
		break;
	default:
		return -EINVAL;
	}
	if (*end) {
		end++;
		/* Accept "K", "KB", "KiB" (all binary); nothing else may follow. */
		if (strcasecmp(end, "iB") == 0 || strcasecmp(end, "B") == 0)
			end += strlen(end);
		if (*end)
			return -EINVAL;
	}
	if (n > (UINT64_MAX >> shift))
		return -EINVAL;
	*bytes = (uint64_t)n << shift;
	return 0;
}

static int parse_uint(const char *text, unsigned long max, unsigned int *out)
{
	char *end;

	if (!text || !isdigit((unsigned char)text[0]))
		return -EINVAL;
	errno = 0;
	unsigned long v = strtoul(text, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

/* A ",ro" or ",rw" at the end of arg: drop it from *len; true for ",ro". */
static bool strip_ro_suffix(const char *arg, size_t *len)
{
	bool ro = *len >= 3 && strcmp(arg + *len - 3, ",ro") == 0;

	if (ro || (*len >= 3 && strcmp(arg + *len - 3, ",rw") == 0))
		*len -= 3;
	return ro;
}

static enum cli_result parse_disk(struct vm_config *cfg, const char *arg, char *err, size_t errlen)
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

static enum cli_result parse_console(struct vm_config *cfg, const char *arg, char *err,
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
	if (parse_uint(buf, 65535, &host) || parse_uint(sep + 2, 65535, &guest) || !host || !guest)
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
		if (parse_uint(val, 65535, &fd) || fd <= 2)
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
static enum cli_result parse_net(struct vm_config *cfg, const char *arg, char *err, size_t errlen)
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
static enum cli_result parse_vsock(struct vm_config *cfg, const char *arg, char *err, size_t errlen)
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
static enum cli_result parse_share(struct vm_config *cfg, const char *arg, char *err, size_t errlen)
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

static enum cli_result check_mem(uint64_t mem, uint64_t host_ram, const char *arg, char *err,
				 size_t errlen)
{
	if (mem < CLI_MIN_MEM)
		return error(err, errlen, "--mem %s is too small: at least 4M", arg);
	if (mem > CLI_MAX_MEM)
		return error(err, errlen, "--mem %s is too large: kvmini supports at most 64G",
			     arg);
	if (host_ram && mem > host_ram)
		return error(err, errlen, "--mem %s is more than this host's %llu MiB of RAM", arg,
			     (unsigned long long)(host_ram >> 20));
	if (mem & 0xfff)
		return error(err, errlen, "--mem %s is not a whole number of 4 KiB pages", arg);
	return CLI_RUN;
}

enum {
	OPT_CMDLINE = 256,
	OPT_INITRD,
	OPT_DISK,
	OPT_CONSOLE,
	OPT_RNG,
	OPT_NET,
	OPT_VSOCK,
	OPT_SHARE,
	OPT_SYMBOLS,
	OPT_TRACE,
	OPT_BOOT_TIMES,
	OPT_TIMEOUT,
	OPT_SECCOMP,
	OPT_CONTROL,
	OPT_NAME,
	OPT_SNAPSHOT_ON,
	OPT_EXIT_AFTER_SNAPSHOT,
};

static const struct option long_options[] = {
	{"kernel", required_argument, NULL, 'k'},
	{"mem", required_argument, NULL, 'm'},
	{"cpus", required_argument, NULL, 'c'},
	{"cmdline", required_argument, NULL, OPT_CMDLINE},
	{"initrd", required_argument, NULL, OPT_INITRD},
	{"disk", required_argument, NULL, OPT_DISK},
	{"console", required_argument, NULL, OPT_CONSOLE},
	{"rng", no_argument, NULL, OPT_RNG},
	{"net", required_argument, NULL, OPT_NET},
	{"vsock", required_argument, NULL, OPT_VSOCK},
	{"share", required_argument, NULL, OPT_SHARE},
	{"symbols", required_argument, NULL, OPT_SYMBOLS},
	{"trace", no_argument, NULL, OPT_TRACE},
	{"boot-times", no_argument, NULL, OPT_BOOT_TIMES},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"seccomp", required_argument, NULL, OPT_SECCOMP},
	{"control", required_argument, NULL, OPT_CONTROL},
	{"name", required_argument, NULL, OPT_NAME},
	{"snapshot-on", required_argument, NULL, OPT_SNAPSHOT_ON},
	{"exit-after-snapshot", no_argument, NULL, OPT_EXIT_AFTER_SNAPSHOT},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

/* `restore` takes these; the VM's shape comes from the snapshot. */
static const struct option restore_options[] = {
	{"disk", required_argument, NULL, OPT_DISK},
	{"vsock", required_argument, NULL, OPT_VSOCK},
	{"trace", no_argument, NULL, OPT_TRACE},
	{"boot-times", no_argument, NULL, OPT_BOOT_TIMES},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"seccomp", required_argument, NULL, OPT_SECCOMP},
	{"control", required_argument, NULL, OPT_CONTROL},
	{"name", required_argument, NULL, OPT_NAME},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

/* One option of `run`. CLI_RUN means "fine, go on". */
static enum cli_result parse_option(int opt, char *arg, uint64_t host_ram, struct vm_config *cfg,
				    char *err, size_t errlen)
{
	switch (opt) {
	case 'k':
		cfg->kernel_path = arg;
		return CLI_RUN;
	case 'm':
		if (cli_parse_size(arg, &cfg->mem_size))
			return error(err, errlen, "--mem: '%s' is not a size (examples: 512M, 2G)",
				     arg);
		return check_mem(cfg->mem_size, host_ram, arg, err, errlen);
	case 'c':
		if (parse_uint(arg, CLI_MAX_CPUS, &cfg->cpus) || cfg->cpus == 0)
			return error(err, errlen, "--cpus: '%s' is not a number from 1 to %d", arg,
				     CLI_MAX_CPUS);
		return CLI_RUN;
	case OPT_CMDLINE:
		cfg->cmdline = arg;
		return CLI_RUN;
	case OPT_INITRD:
		cfg->initrd_path = arg;
		return CLI_RUN;
	case OPT_DISK:
		return parse_disk(cfg, arg, err, errlen);
	case OPT_CONSOLE:
		return parse_console(cfg, arg, err, errlen);
	case OPT_RNG:
		cfg->rng = true;
		return CLI_RUN;
	case OPT_NET:
		return parse_net(cfg, arg, err, errlen);
	case OPT_VSOCK:
		return parse_vsock(cfg, arg, err, errlen);
	case OPT_SHARE:
		return parse_share(cfg, arg, err, errlen);
	case OPT_SYMBOLS:
		cfg->symbols_path = arg;
		return CLI_RUN;
	case OPT_TRACE:
		cfg->trace = true;
		return CLI_RUN;
	case OPT_BOOT_TIMES:
		cfg->boot_times = true;
		return CLI_RUN;
	case OPT_TIMEOUT:
		if (parse_uint(arg, 86400 * 365, &cfg->timeout_s) || cfg->timeout_s == 0)
			return error(err, errlen,
				     "--timeout: '%s' is not a whole number of seconds", arg);
		return CLI_RUN;
	case OPT_SECCOMP:
		if (strcmp(arg, "on") == 0)
			cfg->seccomp = true;
		else if (strcmp(arg, "off") == 0)
			cfg->seccomp = false;
		else
			return error(err, errlen, "--seccomp takes 'on' or 'off', not '%s'", arg);
		return CLI_RUN;
	case OPT_CONTROL:
		if (!*arg || strlen(arg) >= sizeof(((struct sockaddr_un *)0)->sun_path))
			return error(err, errlen,
				     "--control: '%.40s' is not a socket path (1 to %zu bytes)",
				     arg, sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
		cfg->control_path = arg;
		return CLI_RUN;
	case OPT_NAME:
		if (!control_name_valid(arg))
			return error(err, errlen,
				     "--name: '%.80s' is not a VM name (1-%d characters from A-Z "
				     "a-z 0-9 . _ -, not starting with '.')",
				     arg, CONTROL_NAME_MAX);
		cfg->name = arg;
		return CLI_RUN;
	case OPT_EXIT_AFTER_SNAPSHOT:
		cfg->exit_after_snapshot = true;
		return CLI_RUN;
	case 'v':
		cfg->verbosity++;
		return CLI_RUN;
	default:
		return error(err, errlen, "unknown option (see kvmini --help)");
	}
}

/* Print the version line. */
static enum cli_result print_version(FILE *out)
{
	fprintf(out, "kvmini %s\n", KVMINI_VERSION);
	return CLI_EXIT_OK;
}

/*
 * One option written before the command: only the global ones (-v, -h, -V
 * and their long names) may stand there. "-vv" counts twice. CLI_RUN means
 * "fine, go on".
 */
static enum cli_result parse_global(const char *arg, struct vm_config *cfg, FILE *out, char *err,
				    size_t errlen)
{
	if (strcmp(arg, "--verbose") == 0) {
		cfg->verbosity++;
		return CLI_RUN;
	}
	if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
		cli_usage(out);
		return CLI_EXIT_OK;
	}
	if (strcmp(arg, "--version") == 0 || strcmp(arg, "-V") == 0)
		return print_version(out);
	if (arg[0] == '-' && arg[1] == 'v' && arg[1 + strspn(arg + 1, "v")] == '\0') {
		cfg->verbosity += (int)strlen(arg + 1);
		return CLI_RUN;
	}
	return error(err, errlen,
		     "unknown option '%s' before the command: only -v, -h and -V may come "
		     "first (see kvmini --help)",
		     arg);
}

/*
 * getopt over args[0..nargs) (args[0] is the command) with the given
 * short options and table; each option goes to parse_option(). --snapshot-on takes two words,
 * "ready" and DIR. CLI_RUN when every option was fine; *first_arg is then
 * where the non-option words begin.
 */
static enum cli_result parse_options(int nargs, char **args, const char *shortopts,
				     const struct option *table, uint64_t host_ram,
				     struct vm_config *cfg, FILE *out, char *err, size_t errlen,
				     int *first_arg)
{
	/*
	 * getopt keeps its state in globals, including a pointer into the
	 * previous argv (glibc's __nextchar). optind = 1 only rewinds the
	 * index; optind = 0 makes glibc start over completely, so a second
	 * cli_parse() in the same process (the unit tests, a fuzzer) never
	 * reads the first call's strings.
	 */
	optind = 0;
	opterr = 0;
	int opt;
	while ((opt = getopt_long(nargs, args, shortopts, table, NULL)) != -1) {
		if (opt == 'h') {
			cli_usage(out);
			return CLI_EXIT_OK;
		}
		if (opt == 'V')
			return print_version(out);
		if (opt == ':')
			return error(err, errlen, "option '%s' needs a value", args[optind - 1]);
		if (opt == '?') {
			if (optopt)
				return error(err, errlen,
					     "unknown option '-%c' (see kvmini --help)", optopt);
			return error(err, errlen, "unknown option '%s' (see kvmini --help)",
				     args[optind - 1]);
		}
		if (opt == OPT_SNAPSHOT_ON) {
			if (strcmp(optarg, "ready"))
				return error(err, errlen,
					     "--snapshot-on takes 'ready DIR', not '%s' (the "
					     "only moment is the guest's READY marker)",
					     optarg);
			if (optind >= nargs || !args[optind][0])
				return error(err, errlen, "--snapshot-on ready needs a directory");
			cfg->snapshot_dir = args[optind++];
			continue;
		}
		if (parse_option(opt, optarg, host_ram, cfg, err, errlen) == CLI_ERROR)
			return CLI_ERROR;
	}
	*first_arg = optind;
	return CLI_RUN;
}

/* The options of `run`, from args[0] == "run" on. */
static enum cli_result parse_run(int nargs, char **args, uint64_t host_ram, struct vm_config *cfg,
				 FILE *out, char *err, size_t errlen)
{
	int first;
	enum cli_result r = parse_options(nargs, args, ":k:m:c:vhV", long_options, host_ram, cfg,
					  out, err, errlen, &first);
	if (r != CLI_RUN)
		return r;
	if (first < nargs)
		return error(err, errlen, "unexpected argument '%s'", args[first]);
	if (!cfg->kernel_path)
		return error(err, errlen, "no kernel given: use --kernel FILE");
	if (cfg->exit_after_snapshot && !cfg->snapshot_dir)
		return error(err, errlen, "--exit-after-snapshot needs --snapshot-on ready DIR");
	if (cfg->snapshot_dir && cfg->nnics)
		return error(err, errlen,
			     "--snapshot-on cannot be used with --net: virtio-net has no device "
			     "state yet");
	if (cfg->snapshot_dir && cfg->nshares)
		return error(err, errlen,
			     "--snapshot-on cannot be used with --share: a virtio-fs device's "
			     "queues live in virtiofsd, which cannot be saved");
	return CLI_RUN;
}

/* `ctl TARGET CMD [DIR]`, from TARGET on: nargs words in args. */
static enum cli_result parse_ctl(int nargs, char **args, struct vm_config *cfg, char *err,
				 size_t errlen)
{
	static const char *const no_arg[] = {"status", "pause", "resume", "stop", "kill"};

	if (nargs < 2)
		return error(err, errlen,
			     "ctl needs a VM and a command: kvmini ctl PATH|NAME "
			     "status|pause|resume|stop|kill|snapshot DIR");
	cfg->ctl_target = args[0];
	cfg->ctl_cmd = args[1];
	if (!*args[0])
		return error(err, errlen, "ctl: the VM (a socket path or a name) is empty");
	if (strcmp(args[1], "snapshot") == 0) {
		if (nargs != 3 || !*args[2])
			return error(err, errlen, "ctl snapshot needs one directory: snapshot DIR");
		cfg->ctl_arg = args[2];
		return CLI_CTL;
	}
	for (size_t i = 0; i < sizeof(no_arg) / sizeof(no_arg[0]); i++) {
		if (strcmp(args[1], no_arg[i]) != 0)
			continue;
		if (nargs > 2)
			return error(err, errlen, "ctl %s takes no argument, not '%s'", args[1],
				     args[2]);
		return CLI_CTL;
	}
	return error(err, errlen,
		     "ctl: unknown command '%s' (status, pause, resume, stop, kill, snapshot DIR)",
		     args[1]);
}

/* `restore DIR [options] [-- CMD...]`, from args[0] == "restore" on. */
static enum cli_result parse_restore(int nargs, char **args, uint64_t host_ram,
				     struct vm_config *cfg, FILE *out, char *err, size_t errlen)
{
	/* getopt must not see CMD: its words may look like options. */
	int end = 1;
	while (end < nargs && strcmp(args[end], "--"))
		end++;
	if (end < nargs) {
		cfg->restore_cmd = args + end + 1;
		cfg->restore_ncmd = nargs - end - 1;
		if (!cfg->restore_ncmd)
			return error(err, errlen, "nothing after -- (give the guest a command)");
	}
	int first;
	enum cli_result r = parse_options(end, args, ":vhV", restore_options, host_ram, cfg, out,
					  err, errlen, &first);
	if (r != CLI_RUN)
		return r;
	if (first >= end || !args[first][0])
		return error(err, errlen, "restore needs a snapshot directory: kvmini restore DIR");
	if (first + 1 < end)
		return error(err, errlen, "unexpected argument '%s'", args[first + 1]);
	cfg->restore_dir = args[first];
	return CLI_RESTORE;
}

enum cli_result cli_parse(int argc, char **argv, uint64_t host_ram, struct vm_config *cfg,
			  FILE *out, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_size = 128ull << 20;
	cfg->cpus = 1;
	cfg->seccomp = true;
	err[0] = '\0';

	/* Global options may come before the command: `kvmini -v run ...`. */
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		enum cli_result r = parse_global(argv[i], cfg, out, err, errlen);
		if (r != CLI_RUN)
			return r;
	}
	if (i >= argc)
		return error(err, errlen, "no command given (try: kvmini run --kernel FILE)");
	if (strcmp(argv[i], "help") == 0) {
		cli_usage(out);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[i], "host-info") == 0) {
		if (i + 1 < argc)
			return error(err, errlen, "host-info takes no arguments, not '%s'",
				     argv[i + 1]);
		return CLI_HOST_INFO;
	}
	if (strcmp(argv[i], "ctl") == 0)
		return parse_ctl(argc - i - 1, argv + i + 1, cfg, err, errlen);
	if (strcmp(argv[i], "list") == 0) {
		if (i + 1 < argc)
			return error(err, errlen, "list takes no arguments, not '%s'", argv[i + 1]);
		return CLI_LIST;
	}
	if (strcmp(argv[i], "restore") == 0)
		return parse_restore(argc - i, argv + i, host_ram, cfg, out, err, errlen);
	if (strcmp(argv[i], "run") != 0)
		return error(err, errlen, "unknown command '%s' (try: kvmini --help)", argv[i]);
	/* getopt sees "run" as its argv[0]. */
	return parse_run(argc - i, argv + i, host_ram, cfg, out, err, errlen);
}
