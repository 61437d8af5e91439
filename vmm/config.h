/* SPDX-License-Identifier: MIT */
/*
 * What the user asked for on the command line, parsed by vmm/cli.c and read
 * by everything main.c sets up. Nothing here is touched after setup.
 */
#ifndef KVMINI_CONFIG_H
#define KVMINI_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "host/seccomp.h"	/* enum seccomp_extras */
#include "kvmini/net_backend.h" /* struct net_hostfwd, NET_SLIRP_MAX_HOSTFWD */

#define CONFIG_MAX_DISKS  4
#define CONFIG_MAX_NICS	  4
#define CONFIG_MAX_SHARES 4
/* The virtiofsd --share runs unless KVMINI_VIRTIOFSD names another (host/virtiofsd.c). */
#define CONFIG_VIRTIOFSD_DEFAULT "/usr/lib/qemu/virtiofsd"

struct disk_config {
	const char *path;    /* points into path_buf */
	bool read_only;	     /* ",ro" suffix */
	char path_buf[4096]; /* the path without its ",ro"/",rw" suffix */
};

/* One --share HOSTDIR,TAG[,ro]: a virtio-fs device served by virtiofsd. */
struct share_config {
	const char *dir; /* points into dir_buf */
	char tag[37];	 /* 1-36 bytes (virtio 1.2 section 5.11.4), NUL-terminated */
	bool read_only;	 /* ",ro": the directory is remounted read-only for virtiofsd */
	char dir_buf[4096];
};

enum console_kind {
	CONSOLE_NONE,  /* no virtio-console device */
	CONSOLE_STDIO, /* --console stdio: virtio-console on stdin/stdout */
	CONSOLE_FILE,  /* --console file:PATH: output appended to PATH, no input */
};

enum net_kind {
	NET_USER,   /* --net user: libslirp (devices/backends/net_slirp.c) */
	NET_TAP,    /* --net tap: /dev/net/tun (devices/backends/net_tap.c) */
	NET_SOCKET, /* --net socket,fd=N: an inherited datagram socket (net_socket.c) */
};

/* One --net: a virtio-net device on one backend. */
struct net_config {
	enum net_kind kind;
	/*
	 * The device's MAC: mac= if given, else 02:4b:56:00:00:NN with NN the
	 * NIC's index among the --net options (0, 1, ...): locally
	 * administered (bit 1 of the first byte) and unicast (bit 0 clear),
	 * the same on every run. Two VMs on one network need mac= to differ.
	 */
	uint8_t mac[6];
	char ifname[16]; /* tap: ifname=, "" lets the kernel pick tapN */
	int fd;		 /* socket: fd= */
	struct net_hostfwd hostfwd[NET_SLIRP_MAX_HOSTFWD]; /* user: hostfwd= */
	unsigned int nhostfwd;
};

struct vm_config {
	const char *kernel_path;
	const char *initrd_path;  /* NULL: none */
	const char *cmdline;	  /* NULL: empty */
	const char *symbols_path; /* --symbols System.map, NULL: none */
	uint64_t mem_size;	  /* bytes */
	unsigned int cpus;

	struct disk_config disks[CONFIG_MAX_DISKS];
	unsigned int ndisks;
	enum console_kind console;
	const char *console_path; /* for CONSOLE_FILE */
	bool rng;		  /* --rng: virtio-rng device */
	struct net_config nics[CONFIG_MAX_NICS];
	unsigned int nnics;
	/* --vsock CID,PATH: a virtio-vsock device (virtio_vsock.c); vsock_path NULL: none */
	uint32_t vsock_cid;	/* the guest's CID, 3 to 0xfffffffe (virtio 1.2 section 5.10.4) */
	const char *vsock_path; /* the Unix socket host programs connect to; PATH_P for port P */
	struct share_config shares[CONFIG_MAX_SHARES];
	unsigned int nshares;

	/*
	 * The control socket (docs/control.md): --control PATH, or with only
	 * --name NAME, RUNTIME_DIR/NAME.sock (host/control_client.h); both
	 * NULL: none. name is also what `kvmini list` and status show.
	 */
	const char *control_path;
	const char *name;

	/* `kvmini ctl TARGET CMD [ARG]` (vmm/ctl.c): TARGET a socket path or a VM name. */
	const char *ctl_target;
	const char *ctl_cmd;
	const char *ctl_arg; /* snapshot's DIR, else NULL */

	/* Snapshots (vmm/host/snapshot.c, docs/snapshot.md). */
	const char *snapshot_dir; /* --snapshot-on ready DIR: snapshot when the guest is ready */
	bool exit_after_snapshot; /* --exit-after-snapshot: end the run (0) once it is written */
	/* `kvmini restore DIR [-- CMD...]` (vmm/host/restore.c); restore_dir NULL: a run */
	const char *restore_dir;
	char **restore_cmd; /* the words after --, handed to the guest's console; NULL: none */
	int restore_ncmd;

	bool trace;		/* --trace */
	bool boot_times;	/* --boot-times */
	bool seccomp;		/* --seccomp=on|off (default on) */
	unsigned int timeout_s; /* --timeout, 0: none */
	int verbosity;		/* -v count */
};

/*
 * Does the monitor open host sockets while the guest runs: libslirp for a
 * --net user NIC, the --vsock backend (accept, connect to PATH_P), or the
 * control socket (accept4, send, and unlink at teardown)?
 */
static inline bool config_needs_host_sockets(const struct vm_config *cfg)
{
	if (cfg->vsock_path || cfg->control_path || cfg->name)
		return true;
	for (unsigned int i = 0; i < cfg->nnics; i++)
		if (cfg->nics[i].kind == NET_USER)
			return true;
	return false;
}

/*
 * May the run write a snapshot while the guest runs, so that its
 * system-call filter must allow the snapshot writer's calls
 * (host/seccomp.h, SECCOMP_SNAPSHOT): --snapshot-on, or a control socket
 * (--control, --name), whose snapshot command may come at any time?
 */
static inline bool config_needs_snapshot_calls(const struct vm_config *cfg)
{
	return cfg->snapshot_dir || cfg->control_path || cfg->name;
}

/*
 * The groups of system calls a run's filter adds to every VM's (enum
 * seccomp_extras, host/seccomp.h): devices is the VM's configuration (a
 * restored VM's is the snapshot's), opts the command line's, whose control
 * socket and --snapshot-on count. A plain run gets none: the narrowest
 * program.
 */
static inline unsigned int config_seccomp_extras(const struct vm_config *devices,
						 const struct vm_config *opts)
{
	unsigned int extras = 0;

	if (config_needs_host_sockets(devices) || config_needs_host_sockets(opts))
		extras |= SECCOMP_HOST_SOCKETS;
	if (config_needs_snapshot_calls(opts))
		extras |= SECCOMP_SNAPSHOT;
	return extras;
}

#endif /* KVMINI_CONFIG_H */
