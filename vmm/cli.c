// SPDX-License-Identifier: MIT
/*
 * argv -> struct vm_config: the global options, which command, and the
 * checks across a command's options (cli.h). The options themselves are in
 * cli_options.c. No side effects beyond printing help.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "abi/kvmini_abi.h"
#include "cli.h"
#include "cli_devices.h"
#include "cli_options.h"

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
	if (strcmp(arg, "--version") == 0 || strcmp(arg, "-V") == 0) {
		cli_version(out);
		return CLI_EXIT_OK;
	}
	if (arg[0] == '-' && arg[1] == 'v' && arg[1 + strspn(arg + 1, "v")] == '\0') {
		cfg->verbosity += (int)strlen(arg + 1);
		return CLI_RUN;
	}
	return error(err, errlen,
		     "unknown option '%s' before the command: only -v, -h and -V may come "
		     "first (see kvmini --help)",
		     arg);
}

/* The options of `run`, from args[0] == "run" on. */
static enum cli_result parse_run(int nargs, char **args, uint64_t host_ram, struct vm_config *cfg,
				 FILE *out, char *err, size_t errlen)
{
	int first;
	enum cli_result r = cli_options_parse(CLI_OPTIONS_RUN, nargs, args, host_ram, cfg, out, err,
					      errlen, &first);
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
	enum cli_result r = cli_options_parse(CLI_OPTIONS_RESTORE, end, args, host_ram, cfg, out,
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
