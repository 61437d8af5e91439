// SPDX-License-Identifier: MIT
/* CLI parsing: sizes, bad values, defaults. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "abi/kvmini_abi.h"
#include "cli.h"
#include "unit_run.h"

#define GIB (1ull << 30)
#define MIB (1ull << 20)

static enum cli_result parse(struct vm_config *cfg, char *err, int argc, char **argv)
{
	FILE *out = fopen("/dev/null", "w");
	enum cli_result r = cli_parse(argc, argv, 24 * GIB, cfg, out, err, 256);
	fclose(out);
	return r;
}

#define PARSE(cfg, err, ...)                                                                       \
	({                                                                                         \
		char *argv_[] = {"kvmini", __VA_ARGS__, NULL};                                     \
		parse(cfg, err, (int)(sizeof(argv_) / sizeof(argv_[0])) - 1, argv_);               \
	})

START_TEST(sizes_with_suffixes)
{
	uint64_t b;
	ck_assert_int_eq(cli_parse_size("128M", &b), 0);
	ck_assert_uint_eq(b, 128 * MIB);
	ck_assert_int_eq(cli_parse_size("2G", &b), 0);
	ck_assert_uint_eq(b, 2 * GIB);
	ck_assert_int_eq(cli_parse_size("4096k", &b), 0);
	ck_assert_uint_eq(b, 4 * MIB);
	ck_assert_int_eq(cli_parse_size("1T", &b), 0);
	ck_assert_uint_eq(b, 1024 * GIB);
	ck_assert_int_eq(cli_parse_size("512MiB", &b), 0);
	ck_assert_uint_eq(b, 512 * MIB);
	ck_assert_int_eq(cli_parse_size("64", &b), 0); /* bare number: MiB */
	ck_assert_uint_eq(b, 64 * MIB);
}
END_TEST

START_TEST(bad_sizes)
{
	uint64_t b = 42;
	const char *bad[] = {"",
			     "M",
			     "-1G",
			     "1.5G",
			     "12Q",
			     "1GG",
			     "99999999999999999999",
			     "18446744073709551615T",
			     " 1G",
			     "1G "};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(cli_parse_size(bad[i], &b) == -22, "'%s' accepted", bad[i]);
	ck_assert_uint_eq(b, 42); /* untouched on error */
}
END_TEST

START_TEST(defaults)
{
	struct vm_config cfg;
	char err[256];
	ck_assert_int_eq(PARSE(&cfg, err, "run", "--kernel", "k.elf"), CLI_RUN);
	ck_assert_str_eq(cfg.kernel_path, "k.elf");
	ck_assert_uint_eq(cfg.mem_size, 128 * MIB);
	ck_assert_uint_eq(cfg.cpus, 1);
	ck_assert(cfg.seccomp);
	ck_assert_ptr_null(cfg.cmdline);
}
END_TEST

START_TEST(all_options)
{
	struct vm_config cfg;
	char err[256];
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "vmlinux", "--mem", "1G", "--cpus", "4",
			       "--cmdline", "console=ttyS0 quiet", "--initrd", "i.cpio", "--disk",
			       "a.img", "--disk", "b.img,ro", "--console", "file:/tmp/out", "--rng",
			       "--trace", "--boot-times", "--timeout", "30", "--seccomp", "off",
			       "-v", "-v"),
			 CLI_RUN);
	ck_assert_uint_eq(cfg.mem_size, GIB);
	ck_assert_uint_eq(cfg.cpus, 4);
	ck_assert_str_eq(cfg.cmdline, "console=ttyS0 quiet");
	ck_assert_str_eq(cfg.initrd_path, "i.cpio");
	ck_assert_uint_eq(cfg.ndisks, 2);
	ck_assert_str_eq(cfg.disks[0].path, "a.img");
	ck_assert(!cfg.disks[0].read_only);
	ck_assert_str_eq(cfg.disks[1].path, "b.img");
	ck_assert(cfg.disks[1].read_only);
	ck_assert_int_eq(cfg.console, CONSOLE_FILE);
	ck_assert_str_eq(cfg.console_path, "/tmp/out");
	ck_assert(cfg.rng && cfg.trace && cfg.boot_times && !cfg.seccomp);
	ck_assert_uint_eq(cfg.timeout_s, 30);
	ck_assert_int_eq(cfg.verbosity, 2);
}
END_TEST

/* Each bad command line is refused with a message that names the problem. */
START_TEST(bad_values)
{
	struct vm_config cfg;
	char err[256];

	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--mem", "0"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "too small"));
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--mem", "1T"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "too large"));
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--mem", "32G"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "host"));
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--mem", "lots"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "not a size"));
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--cpus", "0"), CLI_ERROR);
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--cpus", "65"), CLI_ERROR);
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--cpus", "2x"), CLI_ERROR);
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--timeout", "0"), CLI_ERROR);
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--seccomp", "maybe"), CLI_ERROR);
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--console", "tcp:1"), CLI_ERROR);
	ck_assert_int_eq(PARSE(&cfg, err, "run", "--mem", "64M"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "no kernel"));
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--bogus"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "--bogus"));
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "needs a value"));
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "extra"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "extra"));
	ck_assert_int_eq(PARSE(&cfg, err, "fly"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "fly"));
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--disk", "a", "--disk", "b", "--disk",
			       "c", "--disk", "d", "--disk", "e"),
			 CLI_ERROR);
}
END_TEST

START_TEST(help_and_version)
{
	struct vm_config cfg;
	char err[256];
	ck_assert_int_eq(PARSE(&cfg, err, "--help"), CLI_EXIT_OK);
	ck_assert_int_eq(PARSE(&cfg, err, "--version"), CLI_EXIT_OK);
	ck_assert_int_eq(PARSE(&cfg, err, "run", "--help"), CLI_EXIT_OK);
}
END_TEST

/* Parse a copy of args on the heap, then free it: what a second parse must not read. */
static enum cli_result parse_heap_copy(struct vm_config *cfg, char *err, int argc,
				       const char *const *args)
{
	char *argv[16];
	ck_assert_int_lt(argc, 16);
	for (int i = 0; i < argc; i++)
		argv[i] = strdup(args[i]);
	argv[argc] = NULL;
	enum cli_result r = parse(cfg, err, argc, argv);
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return r;
}

/*
 * getopt remembers a pointer into the last argv it saw (glibc's
 * __nextchar). A parse that stops inside a cluster of short options
 * ("-vqc2": error at 'q') leaves it on "c2"; if the next parse did not
 * start over it would take a phantom "-c 2" from the old, here freed,
 * argv: wrong results, and a use-after-free (which ASan cannot see,
 * because the read happens inside the uninstrumented glibc).
 */
START_TEST(parse_twice)
{
	struct vm_config cfg;
	char err[256];
	const char *first[] = {"kvmini", "run", "-k", "one.elf", "-v"};
	const char *second[] = {"kvmini", "run", "--kernel", "two.elf", "--mem", "64M"};
	const char *stops_in_cluster[] = {"kvmini", "run", "-k", "k", "-vqc2"};

	ck_assert_int_eq(parse_heap_copy(&cfg, err, 5, first), CLI_RUN);
	ck_assert_int_eq(cfg.verbosity, 1);
	ck_assert_int_eq(parse_heap_copy(&cfg, err, 5, stops_in_cluster), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "'-q'"));
	ck_assert_int_eq(parse_heap_copy(&cfg, err, 6, second), CLI_RUN);
	ck_assert_uint_eq(cfg.cpus, 1); /* no "-c 2" left over */
	ck_assert_uint_eq(cfg.mem_size, 64 * MIB);
	ck_assert_int_eq(cfg.verbosity, 0);
	ck_assert_int_eq(parse_heap_copy(&cfg, err, 5, first), CLI_RUN);
	ck_assert_int_eq(cfg.verbosity, 1);
}
END_TEST

/* -v, -h and -V may come before the command as well as after it. */
START_TEST(global_options_first)
{
	struct vm_config cfg;
	char err[256];

	ck_assert_int_eq(PARSE(&cfg, err, "-v", "run", "-k", "k"), CLI_RUN);
	ck_assert_int_eq(cfg.verbosity, 1);
	ck_assert_int_eq(PARSE(&cfg, err, "--verbose", "-vv", "run", "-k", "k", "-v"), CLI_RUN);
	ck_assert_int_eq(cfg.verbosity, 4);
	ck_assert_int_eq(PARSE(&cfg, err, "-h"), CLI_EXIT_OK);
	ck_assert_int_eq(PARSE(&cfg, err, "-v", "--help"), CLI_EXIT_OK);
	ck_assert_int_eq(PARSE(&cfg, err, "-V", "run"), CLI_EXIT_OK);
	ck_assert_int_eq(PARSE(&cfg, err, "help"), CLI_EXIT_OK);
	/* A run option before the command is still an error, and says so. */
	ck_assert_int_eq(PARSE(&cfg, err, "--kernel", "k", "run"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "'--kernel' before the command"));
	ck_assert_int_eq(PARSE(&cfg, err, "-v"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "no command"));
	ck_assert_int_eq(PARSE(&cfg, err, "-v", "fly"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "unknown command 'fly'"));
}
END_TEST

/* The help text lists every exit status from abi/kvmini_abi.h, by its number. */
START_TEST(help_lists_statuses)
{
	char buf[8192] = {0};
	FILE *out = fmemopen(buf, sizeof(buf) - 1, "w");
	ck_assert_ptr_nonnull(out);
	cli_usage(out);
	fclose(out);
	const int statuses[] = {KVMINI_STATUS_SETUP_ERROR, KVMINI_STATUS_GUEST_HUNG,
				KVMINI_STATUS_GUEST_CRASH, KVMINI_STATUS_PANIC,
				KVMINI_STATUS_SECCOMP,	   KVMINI_STATUS_SIGNAL,
				KVMINI_STATUS_TIMEOUT,	   KVMINI_STATUS_KILLED};
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		char line[16];
		snprintf(line, sizeof(line), "\n  %3d  ", statuses[i]);
		ck_assert_msg(strstr(buf, line), "status %d missing from --help", statuses[i]);
		/* timeout(1) and the shell own 124-127. */
		ck_assert_int_lt(statuses[i], 124);
	}
}
END_TEST

/* --net: each kind, each setting, the derived MACs. */
START_TEST(net_forms)
{
	struct vm_config cfg;
	char err[256], fdarg[64];
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	snprintf(fdarg, sizeof(fdarg), "socket,fd=%d", sv[0]);
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--net", "user", "--net",
			       "tap,ifname=kvmtap0,mac=52:54:00:AB:cd:ef", "--net", fdarg, "--net",
			       "user,hostfwd=tcp:2222-:22,hostfwd=tcp:8080-:80"),
			 CLI_RUN);
	ck_assert_uint_eq(cfg.nnics, 4);

	ck_assert_int_eq(cfg.nics[0].kind, NET_USER);
	ck_assert_uint_eq(cfg.nics[0].nhostfwd, 0);
	const uint8_t mac0[6] = {0x02, 0x4b, 0x56, 0x00, 0x00, 0x00};
	ck_assert_mem_eq(cfg.nics[0].mac, mac0, 6);

	ck_assert_int_eq(cfg.nics[1].kind, NET_TAP);
	ck_assert_str_eq(cfg.nics[1].ifname, "kvmtap0");
	const uint8_t mac1[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};
	ck_assert_mem_eq(cfg.nics[1].mac, mac1, 6);

	ck_assert_int_eq(cfg.nics[2].kind, NET_SOCKET);
	ck_assert_int_eq(cfg.nics[2].fd, sv[0]);
	const uint8_t mac2[6] = {0x02, 0x4b, 0x56, 0x00, 0x00, 0x02}; /* NIC 2 */
	ck_assert_mem_eq(cfg.nics[2].mac, mac2, 6);

	ck_assert_int_eq(cfg.nics[3].kind, NET_USER);
	ck_assert_uint_eq(cfg.nics[3].nhostfwd, 2);
	ck_assert_uint_eq(cfg.nics[3].hostfwd[0].host_port, 2222);
	ck_assert_uint_eq(cfg.nics[3].hostfwd[0].guest_port, 22);
	ck_assert_uint_eq(cfg.nics[3].hostfwd[1].host_port, 8080);
	ck_assert_uint_eq(cfg.nics[3].hostfwd[1].guest_port, 80);

	/* A tap without ifname: the kernel picks the name. A DGRAM socket is fine too. */
	close(sv[0]);
	close(sv[1]);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	snprintf(fdarg, sizeof(fdarg), "socket,fd=%d,mac=02:00:00:00:00:01", sv[0]);
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--net", "tap", "--net", fdarg),
			 CLI_RUN);
	ck_assert_str_eq(cfg.nics[0].ifname, "");
	ck_assert_uint_eq(cfg.nics[1].mac[5], 1);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/*
 * Expect `run -k k OPT ARG` to be refused with a message naming OPT and
 * containing want.
 */
static void option_refused(const char *opt, const char *arg, const char *want)
{
	struct vm_config cfg;
	char err[256];

	ck_assert_msg(PARSE(&cfg, err, "run", "-k", "k", (char *)opt, (char *)arg) == CLI_ERROR,
		      "%s %s accepted", opt, arg);
	ck_assert_msg(strstr(err, opt) && strstr(err, want), "%s %s: '%s' lacks '%s'", opt, arg,
		      err, want);
}

/* Expect --net ARG to be refused with a message containing want (and naming --net). */
static void net_refused(const char *arg, const char *want)
{
	option_refused("--net", arg, want);
}

START_TEST(net_errors)
{
	char arg[64];

	net_refused("bridge", "not 'bridge'");
	net_refused("", "not ''");
	net_refused("user,mac=02:4b:56:00:00", "mac=");
	net_refused("user,mac=02:4b:56:00:00:0g", "mac=");
	net_refused("user,mac=02:4b:56:00:00:001", "mac=");
	net_refused("user,mac=01:00:5e:00:00:01", "unicast"); /* multicast */
	net_refused("user,hostfwd=tcp:0-:22", "hostfwd=");
	net_refused("user,hostfwd=tcp:65536-:22", "hostfwd=");
	net_refused("user,hostfwd=tcp:2222-:", "hostfwd=");
	net_refused("user,hostfwd=udp:53-:53", "hostfwd=");
	net_refused("user,hostfwd=tcp:22:22", "hostfwd=");
	net_refused("user,hostfwd=tcp:x-:22", "hostfwd=");
	net_refused("user,hostfwd=tcp:1-:1,hostfwd=tcp:2-:2,hostfwd=tcp:3-:3,hostfwd=tcp:4-:4,"
		    "hostfwd=tcp:5-:5,hostfwd=tcp:6-:6,hostfwd=tcp:7-:7,hostfwd=tcp:8-:8,"
		    "hostfwd=tcp:9-:9",
		    "too many hostfwd");
	net_refused("user,ifname=tap0", "unknown setting 'ifname'");
	net_refused("tap,hostfwd=tcp:1-:1", "unknown setting 'hostfwd'");
	net_refused("tap,ifname=", "ifname=");
	net_refused("tap,ifname=a-very-long-name0", "ifname=");
	net_refused("tap,speed=10", "unknown setting 'speed'");
	net_refused("socket", "needs fd=N");
	net_refused("socket,fd=", "fd=");
	net_refused("socket,fd=1", "fd=");
	net_refused("socket,fd=-3", "fd=");

	/* The fd must be an open datagram socket: not closed, not a file, not a stream. */
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	snprintf(arg, sizeof(arg), "socket,fd=%d", sv[0]);
	net_refused(arg, "byte-stream");
	close(sv[0]);
	close(sv[1]);
	/* A closed fd (parse() itself opens one, which could reuse sv[0]'s number). */
	net_refused("socket,fd=4000", "Bad file descriptor");
	int file = open("/dev/null", O_RDONLY);
	ck_assert_int_ge(file, 3);
	snprintf(arg, sizeof(arg), "socket,fd=%d", file);
	net_refused(arg, "not a socket");
	close(file);
}
END_TEST

START_TEST(net_too_many)
{
	struct vm_config cfg;
	char err[256];

	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--net", "user", "--net", "user",
			       "--net", "user", "--net", "user", "--net", "user"),
			 CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "too many --net"));
	/* Without --net there is no NIC. */
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k"), CLI_RUN);
	ck_assert_uint_eq(cfg.nnics, 0);
}
END_TEST

/* --vsock CID,PATH: the CID and the path as given; none without the option. */
START_TEST(vsock_forms)
{
	struct vm_config cfg;
	char err[256];

	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k"), CLI_RUN);
	ck_assert_ptr_null(cfg.vsock_path);
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--vsock", "3,/tmp/v.sock"), CLI_RUN);
	ck_assert_uint_eq(cfg.vsock_cid, 3);
	ck_assert_str_eq(cfg.vsock_path, "/tmp/v.sock");
	/* The largest CID the model takes, and a path with a comma in it. */
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--vsock", "4294967294,a,b"), CLI_RUN);
	ck_assert_uint_eq(cfg.vsock_cid, 4294967294u);
	ck_assert_str_eq(cfg.vsock_path, "a,b");
}
END_TEST

START_TEST(snapshot_and_restore_forms)
{
	struct vm_config cfg;
	char err[256];

	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--snapshot-on", "ready", "snap/",
			       "--exit-after-snapshot", "--mem", "64M"),
			 CLI_RUN);
	ck_assert_str_eq(cfg.snapshot_dir, "snap/");
	ck_assert(cfg.exit_after_snapshot);
	ck_assert_uint_eq(cfg.mem_size, 64 * MIB); /* options after DIR still count */
	ck_assert_ptr_null(cfg.restore_dir);

	/* cfg points into argv (the words after --): argv must outlive it. */
	char *argv[] = {"kvmini",	   "-v",	"restore", "snap", "--disk",
			"d.img,ro",	   "--timeout", "9",	   "--",   "echo",
			"--not-an-option", "x",		NULL};
	ck_assert_int_eq(parse(&cfg, err, 12, argv), CLI_RESTORE);
	ck_assert_str_eq(cfg.restore_dir, "snap");
	ck_assert_uint_eq(cfg.ndisks, 1);
	ck_assert(cfg.disks[0].read_only);
	ck_assert_uint_eq(cfg.timeout_s, 9);
	ck_assert_int_eq(cfg.verbosity, 1);
	ck_assert_int_eq(cfg.restore_ncmd, 3);
	ck_assert_str_eq(cfg.restore_cmd[0], "echo");
	ck_assert_str_eq(cfg.restore_cmd[1], "--not-an-option");
	/* DIR after the options, and no command. */
	ck_assert_int_eq(PARSE(&cfg, err, "restore", "--seccomp", "off", "snap"), CLI_RESTORE);
	ck_assert_str_eq(cfg.restore_dir, "snap");
	ck_assert(!cfg.seccomp);
	ck_assert_int_eq(cfg.restore_ncmd, 0);
}
END_TEST

START_TEST(snapshot_and_restore_errors)
{
	struct vm_config cfg;
	char err[256];

	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--snapshot-on", "boot", "d"),
			 CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "'ready DIR'"));
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--snapshot-on", "ready"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "needs a directory"));
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--exit-after-snapshot"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "--snapshot-on"));
	ck_assert_int_eq(
		PARSE(&cfg, err, "run", "-k", "k", "--net", "user", "--snapshot-on", "ready", "d"),
		CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "virtio-net"));
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--share", "/tmp,t", "--snapshot-on",
			       "ready", "d"),
			 CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "virtiofsd"));
	ck_assert_int_eq(PARSE(&cfg, err, "restore"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "snapshot directory"));
	ck_assert_int_eq(PARSE(&cfg, err, "restore", "a", "b"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "unexpected argument 'b'"));
	ck_assert_int_eq(PARSE(&cfg, err, "restore", "a", "--"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "nothing after --"));
	/* What only a run chooses: the snapshot decides the kernel, RAM and vCPUs. */
	ck_assert_int_eq(PARSE(&cfg, err, "restore", "a", "--mem", "1G"), CLI_ERROR);
	ck_assert_int_eq(PARSE(&cfg, err, "restore", "a", "-k", "k"), CLI_ERROR);
	ck_assert_int_eq(PARSE(&cfg, err, "restore", "a", "--snapshot-on", "ready", "d"),
			 CLI_ERROR);
}
END_TEST

/* Expect --vsock ARG to be refused with a message containing want (and naming --vsock). */
static void vsock_refused(const char *arg, const char *want)
{
	option_refused("--vsock", arg, want);
}

START_TEST(vsock_errors)
{
	struct vm_config cfg;
	char err[256];
	/* sun_path is 108 bytes: PATH + "_4294967295" + NUL must fit. */
	char path[128], arg[160];

	vsock_refused("/tmp/v.sock", "CID,PATH");
	vsock_refused(",/tmp/v.sock", "not a CID");
	vsock_refused("0,/tmp/v.sock", "from 3 to 4294967294");
	vsock_refused("2,/tmp/v.sock", "2 is the host");
	vsock_refused("4294967295,/tmp/v.sock", "from 3 to 4294967294");
	vsock_refused("99999999999,/tmp/v.sock", "from 3 to 4294967294");
	vsock_refused("-3,/tmp/v.sock", "not a number");
	vsock_refused("3x,/tmp/v.sock", "not a number");
	vsock_refused("3,", "PATH is empty");

	memset(path, 'p', sizeof(path));
	path[108 - 12] = '\0'; /* 96 bytes: the longest that fits */
	snprintf(arg, sizeof(arg), "3,%s", path);
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--vsock", arg), CLI_RUN);
	path[108 - 12] = 'p';
	path[108 - 11] = '\0';
	snprintf(arg, sizeof(arg), "3,%s", path);
	vsock_refused(arg, "too long");

	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--vsock", "3,a", "--vsock", "4,b"),
			 CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "--vsock"));
	ck_assert_ptr_nonnull(strstr(err, "only one"));
}
END_TEST

/* --share HOSTDIR,TAG[,ro]: the tag after the last comma, repeatable; none by default. */
START_TEST(share_forms)
{
	struct vm_config cfg;
	char err[256];
	char tag36[64], arg[128];

	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k"), CLI_RUN);
	ck_assert_uint_eq(cfg.nshares, 0);
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--share", "/srv/a,data", "--share",
			       "/srv/b,c,logs,ro"),
			 CLI_RUN);
	ck_assert_uint_eq(cfg.nshares, 2);
	ck_assert_str_eq(cfg.shares[0].dir, "/srv/a");
	ck_assert_str_eq(cfg.shares[0].tag, "data");
	ck_assert(!cfg.shares[0].read_only);
	ck_assert_str_eq(cfg.shares[1].dir, "/srv/b,c"); /* HOSTDIR may hold commas */
	ck_assert_str_eq(cfg.shares[1].tag, "logs");
	ck_assert(cfg.shares[1].read_only);
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--share", "/srv,t,rw"), CLI_RUN);
	ck_assert(!cfg.shares[0].read_only);
	/* 36 bytes is the longest tag (virtio 1.2 section 5.11.4). */
	memset(tag36, 't', 36);
	tag36[36] = '\0';
	snprintf(arg, sizeof(arg), "/srv,%s", tag36);
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--share", arg), CLI_RUN);
	ck_assert_str_eq(cfg.shares[0].tag, tag36);
}
END_TEST

START_TEST(share_errors)
{
	struct vm_config cfg;
	char err[256];
	char arg[128];

	option_refused("--share", "/srv", "HOSTDIR,TAG");
	option_refused("--share", ",tag", "HOSTDIR,TAG");
	option_refused("--share", "/srv,", "TAG must be 1 to 36 bytes");
	option_refused("--share", "/srv,,ro", "TAG must be 1 to 36 bytes");
	snprintf(arg, sizeof(arg), "/srv,%s", "0123456789abcdef0123456789abcdef01234"); /* 37 */
	option_refused("--share", arg, "TAG must be 1 to 36 bytes");
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--share", "/a,t", "--share", "/b,t"),
			 CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "tag 't' is used twice"));
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--share", "/a,1", "--share", "/a,2",
			       "--share", "/a,3", "--share", "/a,4", "--share", "/a,5"),
			 CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "too many --share"));
}
END_TEST

/* --control PATH and --name NAME of run; a control socket selects the host-sockets filter. */
START_TEST(control_options)
{
	struct vm_config cfg;
	char err[256], path[120];

	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k"), CLI_RUN);
	ck_assert_ptr_null(cfg.control_path);
	ck_assert_ptr_null(cfg.name);
	ck_assert(!config_needs_host_sockets(&cfg));
	ck_assert(!config_needs_snapshot_calls(&cfg)); /* a plain run: the base filter */
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--control", "/tmp/c.sock"), CLI_RUN);
	ck_assert_str_eq(cfg.control_path, "/tmp/c.sock");
	ck_assert(config_needs_host_sockets(&cfg));
	ck_assert(config_needs_snapshot_calls(&cfg)); /* ctl snapshot DIR may come */
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--name", "web-1.a_b"), CLI_RUN);
	ck_assert_str_eq(cfg.name, "web-1.a_b");
	ck_assert(config_needs_host_sockets(&cfg));
	ck_assert(config_needs_snapshot_calls(&cfg));
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--snapshot-on", "ready", "d"),
			 CLI_RUN);
	ck_assert(!config_needs_host_sockets(&cfg));
	ck_assert(config_needs_snapshot_calls(&cfg));

	const char *bad_names[] = {"", ".x", "..", "a/b", "a b", "\xc3\xa9"};
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		ck_assert_msg(PARSE(&cfg, err, "run", "-k", "k", "--name", (char *)bad_names[i]) ==
				      CLI_ERROR,
			      "--name '%s' accepted", bad_names[i]);
		ck_assert_ptr_nonnull(strstr(err, "--name"));
	}
	memset(path, 'p', sizeof(path));
	path[108] = '\0'; /* one byte more than sun_path holds with its NUL */
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--control", path), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "--control"));
	ck_assert_int_eq(PARSE(&cfg, err, "run", "-k", "k", "--control", ""), CLI_ERROR);
	/* restore takes them too: a restored VM gets its own socket. */
	ck_assert_int_eq(
		PARSE(&cfg, err, "restore", "snap", "--name", "r1", "--control", "/tmp/r.sock"),
		CLI_RESTORE);
	ck_assert_str_eq(cfg.name, "r1");
	ck_assert_str_eq(cfg.control_path, "/tmp/r.sock");
	ck_assert(config_needs_host_sockets(&cfg));
	ck_assert(config_needs_snapshot_calls(&cfg));
}
END_TEST

/* kvmini ctl TARGET CMD [DIR] and kvmini list. */
START_TEST(ctl_and_list)
{
	struct vm_config cfg;
	char err[256];

	ck_assert_int_eq(PARSE(&cfg, err, "ctl", "vm1", "status"), CLI_CTL);
	ck_assert_str_eq(cfg.ctl_target, "vm1");
	ck_assert_str_eq(cfg.ctl_cmd, "status");
	ck_assert_ptr_null(cfg.ctl_arg);
	ck_assert_int_eq(PARSE(&cfg, err, "-v", "ctl", "/run/x.sock", "snapshot", "/tmp/s"),
			 CLI_CTL);
	ck_assert_str_eq(cfg.ctl_arg, "/tmp/s");
	static const char *const ok[] = {"pause", "resume", "stop", "kill"};
	for (size_t i = 0; i < 4; i++)
		ck_assert_int_eq(PARSE(&cfg, err, "ctl", "vm1", (char *)ok[i]), CLI_CTL);
	ck_assert_int_eq(PARSE(&cfg, err, "list"), CLI_LIST);

	ck_assert_int_eq(PARSE(&cfg, err, "ctl"), CLI_ERROR);
	ck_assert_int_eq(PARSE(&cfg, err, "ctl", "vm1"), CLI_ERROR);
	ck_assert_int_eq(PARSE(&cfg, err, "ctl", "vm1", "reboot"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "unknown command 'reboot'"));
	ck_assert_int_eq(PARSE(&cfg, err, "ctl", "vm1", "snapshot"), CLI_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "snapshot DIR"));
	ck_assert_int_eq(PARSE(&cfg, err, "ctl", "vm1", "status", "extra"), CLI_ERROR);
	ck_assert_int_eq(PARSE(&cfg, err, "ctl", "", "status"), CLI_ERROR);
	ck_assert_int_eq(PARSE(&cfg, err, "list", "x"), CLI_ERROR);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, sizes_with_suffixes);
	tcase_add_test(tc, bad_sizes);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, all_options);
	tcase_add_test(tc, bad_values);
	tcase_add_test(tc, help_and_version);
	tcase_add_test(tc, parse_twice);
	tcase_add_test(tc, global_options_first);
	tcase_add_test(tc, help_lists_statuses);
	tcase_add_test(tc, net_forms);
	tcase_add_test(tc, net_errors);
	tcase_add_test(tc, net_too_many);
	tcase_add_test(tc, vsock_forms);
	tcase_add_test(tc, vsock_errors);
	tcase_add_test(tc, control_options);
	tcase_add_test(tc, ctl_and_list);
	tcase_add_test(tc, snapshot_and_restore_forms);
	tcase_add_test(tc, snapshot_and_restore_errors);
	tcase_add_test(tc, share_forms);
	tcase_add_test(tc, share_errors);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
