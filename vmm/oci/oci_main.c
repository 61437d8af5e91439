// SPDX-License-Identifier: MIT
/*
 * `kvmini oci`: runc's command line (runc 1.1: global options before the
 * command, then the command's options and its arguments), so that callers
 * written for runc work unchanged. Options that only tune runc's own
 * machinery (--systemd-cgroup, --no-pivot, ...) are accepted and ignored:
 * they have no meaning for a VM, and refusing them would break the caller.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oci/oci_cmd.h"
#include "oci/oci_log.h"
#include "oci/oci_main.h"
#include "oci/oci_spec.h"
#include "oci/oci_state.h" /* OCI_SPEC_VERSION */

static void usage(FILE *out)
{
	fprintf(out, "Usage: kvmini oci [global options] COMMAND [options] [ID]\n\n"
		     "An OCI runtime (runtime-spec " OCI_SPEC_VERSION ") with runc's command line: "
		     "each container\nis a microVM. See docs/containers.md.\n\nCommands:\n");
	oci_cmd_usage(out);
	fprintf(out, "\nGlobal options:\n"
		     "  --root DIR           state directory (default /run/kvmini-oci)\n"
		     "  --log FILE           messages to FILE (errors also to stderr)\n"
		     "  --log-format text|json\n"
		     "  --debug              debug messages\n"
		     "  --systemd-cgroup, --rootless V, --criu P   accepted, ignored "
		     "(docs/containers.md)\n"
		     "  --help, --version\n");
}

static const char *default_root(void)
{
	static char path[4096];
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (geteuid() != 0 && xdg && xdg[0]) {
		snprintf(path, sizeof(path), "%s/kvmini-oci", xdg);
		return path;
	}
	return "/run/kvmini-oci";
}

enum { G_ROOT = 256, G_LOG, G_LOGFMT, G_DEBUG, G_HELP, G_VERSION, G_IGN, G_IGN_ARG };

static const struct option global_opts[] = {
	{"root", required_argument, NULL, G_ROOT},
	{"log", required_argument, NULL, G_LOG},
	{"log-format", required_argument, NULL, G_LOGFMT},
	{"debug", no_argument, NULL, G_DEBUG},
	{"help", no_argument, NULL, G_HELP},
	{"h", no_argument, NULL, G_HELP},
	{"version", no_argument, NULL, G_VERSION},
	{"v", no_argument, NULL, G_VERSION},
	/* Go's boolean flags also take "=true"/"=false". */
	{"systemd-cgroup", optional_argument, NULL, G_IGN},
	{"rootless", required_argument, NULL, G_IGN_ARG},
	{"criu", required_argument, NULL, G_IGN_ARG},
	{NULL, 0, NULL, 0},
};

int oci_main(int argc, char **argv)
{
	const char *root = default_root(), *log = NULL, *fmt = "text";
	bool debug = false;
	int opt;

	optind = 0;
	opterr = 0;
	/* "+": the global options end at the command. */
	while ((opt = getopt_long_only(argc, argv, "+:", global_opts, NULL)) != -1) {
		switch (opt) {
		case G_ROOT:
			root = optarg;
			break;
		case G_LOG:
			log = optarg;
			break;
		case G_LOGFMT:
			fmt = optarg;
			break;
		case G_DEBUG:
			debug = true;
			break;
		case G_HELP:
			usage(stdout);
			return 0;
		case G_VERSION:
			fputs(oci_spec_version_text(), stdout);
			return 0;
		case G_IGN:
		case G_IGN_ARG:
			break;
		default:
			fprintf(stderr, "kvmini: oci: %s option '%s' (see kvmini oci --help)\n",
				opt == ':' ? "a value is missing for" : "unknown",
				argv[optind - 1]);
			return 1;
		}
	}
	if (strcmp(fmt, "text") && strcmp(fmt, "json")) {
		fprintf(stderr, "kvmini: oci: --log-format takes 'text' or 'json', not '%s'\n",
			fmt);
		return 1;
	}
	int ret = oci_log_setup(log, strcmp(fmt, "json") == 0, debug);
	if (ret) {
		fprintf(stderr, "kvmini: oci: cannot open --log '%s': %s\n", log, strerror(-ret));
		return 1;
	}
	if (optind >= argc) {
		oci_log(LOG_ERROR, "oci: no command given (see kvmini oci --help)");
		return 1;
	}
	/* Absolute, as runc makes it: the VMM process and the shares use paths under it. */
	static char abs_root[4096];
	if (root[0] != '/') {
		char cwd[4096];
		if (!getcwd(cwd, sizeof(cwd)) ||
		    (size_t)snprintf(abs_root, sizeof(abs_root), "%s/%s", cwd, root) >=
			    sizeof(abs_root)) {
			oci_log(LOG_ERROR, "oci: cannot make --root '%s' absolute", root);
			return 1;
		}
		root = abs_root;
	}
	return oci_cmd_run(root, argc - optind, argv + optind);
}

bool oci_main_is_runtime_name(const char *argv0)
{
	const char *base = strrchr(argv0, '/');

	return strcmp(base ? base + 1 : argv0, OCI_MAIN_RUNTIME_NAME) == 0;
}
