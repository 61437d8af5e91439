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
#include "cli_devices.h"
#include "host/control_client.h"

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

int cli_parse_uint(const char *text, unsigned long max, unsigned int *out)
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
	enum cli_result r = parse_options(nargs, args, ":k:m:c:" SHARED_SHORT_OPTIONS, run_options,
					  host_ram, cfg, out, err, errlen, &first);
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
	enum cli_result r = parse_options(end, args, ":" SHARED_SHORT_OPTIONS, restore_options,
					  host_ram, cfg, out, err, errlen, &first);
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
