// SPDX-License-Identifier: MIT
/* `kvmini run` options -> struct vm_config. No side effects beyond printing help. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "errbuf.h"

void cli_usage(FILE *out)
{
	fprintf(out,
		"Usage: kvmini run --kernel FILE [options]\n"
		"       kvmini host-info\n"
		"       kvmini --help | --version\n"
		"\n"
		"Boot a guest under KVM. FILE is the tiny test kernel (an ELF), or Linux as a\n"
		"bzImage or a vmlinux with a PVH entry note.\n"
		"\n"
		"host-info prints, as JSON, what kvmini decided about this KVM host: its kind,\n"
		"the Linux command-line additions and hidden KVM features it needs, and\n"
		"whether /dev/kvm is usable (it works without /dev/kvm).\n"
		"\n"
		"Options for run:\n"
		"  -k, --kernel FILE      guest kernel (required)\n"
		"  -m, --mem SIZE         guest RAM, e.g. 128M, 2G; a bare number is MiB\n"
		"                         (default 128M, from 4M up to 64G and the host's RAM)\n"
		"  -c, --cpus N           number of vCPUs, 1-%d (default 1)\n"
		"      --cmdline STR      kernel command line\n"
		"      --initrd FILE      initial ramdisk (Linux guests)\n"
		"      --disk PATH[,ro]   virtio-blk disk on a raw image; repeatable (up to %d)\n"
		"      --console stdio|file:PATH\n"
		"                         add a virtio-console on stdio, or writing to PATH\n"
		"      --rng              add a virtio-rng device (host getrandom())\n"
		"      --symbols FILE     guest System.map, to name functions in crash reports\n"
		"      --trace            print every VM exit, and counts per exit reason at the end\n"
		"      --boot-times       print boot-phase timestamps at exit\n"
		"      --timeout SECONDS  stop a guest still running after SECONDS (status %d)\n"
		"      --seccomp on|off   system-call filter after setup (default on)\n"
		"  -v, --verbose          more messages (repeat for debug)\n"
		"  -h, --help             this text\n"
		"  -V, --version          print the version\n"
		"\n"
		"Exit status: the code the guest wrote to the test device; 0 after a guest\n"
		"poweroff or reboot; 1 for a setup error; 121 the monitor broke its own\n"
		"seccomp filter; 122 interrupted by a signal; 123 timeout; 124 guest kernel\n"
		"panic; 125 guest crash (details on stderr).\n",
		CLI_MAX_CPUS, CONFIG_MAX_DISKS, 123);
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

static enum cli_result parse_disk(struct vm_config *cfg, const char *arg, char *err, size_t errlen)
{
	if (cfg->ndisks == CONFIG_MAX_DISKS)
		return error(err, errlen, "too many --disk options (at most %d)", CONFIG_MAX_DISKS);
	struct disk_config *d = &cfg->disks[cfg->ndisks];
	size_t len = strlen(arg);
	d->read_only = false;
	if (len >= 3 && strcmp(arg + len - 3, ",ro") == 0) {
		d->read_only = true;
		len -= 3;
	} else if (len >= 3 && strcmp(arg + len - 3, ",rw") == 0) {
		len -= 3;
	}
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
	OPT_SYMBOLS,
	OPT_TRACE,
	OPT_BOOT_TIMES,
	OPT_TIMEOUT,
	OPT_SECCOMP
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
	{"symbols", required_argument, NULL, OPT_SYMBOLS},
	{"trace", no_argument, NULL, OPT_TRACE},
	{"boot-times", no_argument, NULL, OPT_BOOT_TIMES},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"seccomp", required_argument, NULL, OPT_SECCOMP},
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
	case 'v':
		cfg->verbosity++;
		return CLI_RUN;
	default:
		return error(err, errlen, "unknown option (see kvmini --help)");
	}
}

enum cli_result cli_parse(int argc, char **argv, uint64_t host_ram, struct vm_config *cfg,
			  FILE *out, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_size = 128ull << 20;
	cfg->cpus = 1;
	cfg->seccomp = true;
	err[0] = '\0';

	if (argc < 2)
		return error(err, errlen, "no command given (try: kvmini run --kernel FILE)");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		cli_usage(out);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		fprintf(out, "kvmini %s\n", KVMINI_VERSION);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "host-info") == 0) {
		if (argc > 2)
			return error(err, errlen, "host-info takes no arguments, not '%s'",
				     argv[2]);
		return CLI_HOST_INFO;
	}
	if (strcmp(argv[1], "run") != 0)
		return error(err, errlen, "unknown command '%s' (try: kvmini --help)", argv[1]);

	/* getopt keeps state in globals; reset it so that tests can parse repeatedly. */
	optind = 1;
	opterr = 0;
	char **args = argv + 1; /* getopt sees "run" as its argv[0] */
	int nargs = argc - 1;
	int opt;
	while ((opt = getopt_long(nargs, args, ":k:m:c:vhV", long_options, NULL)) != -1) {
		if (opt == 'h') {
			cli_usage(out);
			return CLI_EXIT_OK;
		}
		if (opt == 'V') {
			fprintf(out, "kvmini %s\n", KVMINI_VERSION);
			return CLI_EXIT_OK;
		}
		if (opt == ':')
			return error(err, errlen, "option '%s' needs a value", args[optind - 1]);
		if (opt == '?')
			return error(err, errlen, "unknown option '%s' (see kvmini --help)",
				     args[optind - 1]);
		if (parse_option(opt, optarg, host_ram, cfg, err, errlen) == CLI_ERROR)
			return CLI_ERROR;
	}
	if (optind < nargs)
		return error(err, errlen, "unexpected argument '%s'", args[optind]);
	if (!cfg->kernel_path)
		return error(err, errlen, "no kernel given: use --kernel FILE");
	return CLI_RUN;
}
