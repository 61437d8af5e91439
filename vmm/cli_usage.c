// SPDX-License-Identifier: MIT
/* `kvmini --help` and `--version`: the usage text, the exit-status table (cli.h), the version. */
#include <stdio.h>

#include "abi/kvmini_abi.h"
#include "cli.h"

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
		"delete, run, list, ps, pause, resume, spec, features): each container is a\n"
		"microVM. Called as kvmini-oci (the installed symlink), kvmini is `kvmini\n"
		"oci`: the path to give podman (--runtime) and containerd (--runc-binary,\n"
		"BinaryName).\n"
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
		"                         snapshot into DIR (docs/snapshot.md) and run on (the\n"
		"                         system-call filter then also allows writing it)\n"
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

void cli_version(FILE *out)
{
	fprintf(out, "kvmini %s\n", KVMINI_VERSION);
}
