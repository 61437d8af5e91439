// SPDX-License-Identifier: MIT
/*
 * The options of `kvmini run` and `kvmini restore` (cli_options.h): their
 * getopt tables, declared once where the two commands share them, and what
 * each option does to struct vm_config. The device options' own syntax is in
 * cli_devices.c; which command runs, and the checks across options, in cli.c.
 */
#include <getopt.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "cli_devices.h"
#include "cli_options.h"
#include "host/control_client.h"

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

/*
 * The options `run` and `restore` both take, each declared once here: the
 * devices a restore may point elsewhere (--disk, --vsock), how the run is
 * watched and ended, and the global -v, -h, -V (which may also come before
 * the command, parse_global()). getopt_long() wants one array per command,
 * so the shared entries are a macro rather than an array of their own.
 */
// clang-format off
#define SHARED_OPTIONS \
	{"disk", required_argument, NULL, OPT_DISK}, \
	{"vsock", required_argument, NULL, OPT_VSOCK}, \
	{"trace", no_argument, NULL, OPT_TRACE}, \
	{"boot-times", no_argument, NULL, OPT_BOOT_TIMES}, \
	{"timeout", required_argument, NULL, OPT_TIMEOUT}, \
	{"seccomp", required_argument, NULL, OPT_SECCOMP}, \
	{"control", required_argument, NULL, OPT_CONTROL}, \
	{"name", required_argument, NULL, OPT_NAME}, \
	{"verbose", no_argument, NULL, 'v'}, \
	{"help", no_argument, NULL, 'h'}, \
	{"version", no_argument, NULL, 'V'}
// clang-format on
/* Their short forms (a leading ':' makes getopt report a missing value as ':'). */
#define SHARED_SHORT_OPTIONS "vhV"

static const struct option run_options[] = {
	{"kernel", required_argument, NULL, 'k'},
	{"mem", required_argument, NULL, 'm'},
	{"cpus", required_argument, NULL, 'c'},
	{"cmdline", required_argument, NULL, OPT_CMDLINE},
	{"initrd", required_argument, NULL, OPT_INITRD},
	{"console", required_argument, NULL, OPT_CONSOLE},
	{"rng", no_argument, NULL, OPT_RNG},
	{"net", required_argument, NULL, OPT_NET},
	{"share", required_argument, NULL, OPT_SHARE},
	{"symbols", required_argument, NULL, OPT_SYMBOLS},
	{"snapshot-on", required_argument, NULL, OPT_SNAPSHOT_ON},
	{"exit-after-snapshot", no_argument, NULL, OPT_EXIT_AFTER_SNAPSHOT},
	SHARED_OPTIONS,
	{NULL, 0, NULL, 0},
};

/* `restore` takes only the shared ones; the VM's shape comes from the snapshot. */
static const struct option restore_options[] = {
	SHARED_OPTIONS,
	{NULL, 0, NULL, 0},
};

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

/* One option of `run` or `restore`. CLI_RUN means "fine, go on". */
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
		if (cli_parse_uint(arg, CLI_MAX_CPUS, &cfg->cpus) || cfg->cpus == 0)
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
		return cli_devices_disk(cfg, arg, err, errlen);
	case OPT_CONSOLE:
		return cli_devices_console(cfg, arg, err, errlen);
	case OPT_RNG:
		cfg->rng = true;
		return CLI_RUN;
	case OPT_NET:
		return cli_devices_net(cfg, arg, err, errlen);
	case OPT_VSOCK:
		return cli_devices_vsock(cfg, arg, err, errlen);
	case OPT_SHARE:
		return cli_devices_share(cfg, arg, err, errlen);
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
		if (cli_parse_uint(arg, 86400 * 365, &cfg->timeout_s) || cfg->timeout_s == 0)
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

enum cli_result cli_options_parse(enum cli_options_command cmd, int nargs, char **args,
				  uint64_t host_ram, struct vm_config *cfg, FILE *out, char *err,
				  size_t errlen, int *first_arg)
{
	const struct option *table = cmd == CLI_OPTIONS_RUN ? run_options : restore_options;
	const char *shortopts =
		cmd == CLI_OPTIONS_RUN ? ":k:m:c:" SHARED_SHORT_OPTIONS : ":" SHARED_SHORT_OPTIONS;

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
		if (opt == 'V') {
			cli_version(out);
			return CLI_EXIT_OK;
		}
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
