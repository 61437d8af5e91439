// SPDX-License-Identifier: MIT
/*
 * `kvmini oci`'s commands: each one's options and arguments as runc 1.1
 * takes them (a command's options may also follow its ID), then the call
 * into oci_create/oci_lifecycle/oci_list/oci_spec. Options that only tune
 * runc's own machinery (--no-pivot, --no-new-keyring, ...) are accepted and
 * ignored: they mean nothing for a VM, and refusing them would break the
 * caller (podman's conmon and containerd's shim pass them).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oci/oci_cmd.h"
#include "oci/oci_lifecycle.h"
#include "oci/oci_list.h"
#include "oci/oci_log.h"
#include "oci/oci_spec.h"

struct oci_cmd {
	const char *name;
	int (*run)(const char *root, int argc, char **argv);
	const char *usage;
};

/*
 * getopt_long_only: "-root" and "--root" both work, as with Go's flag
 * package. A command's options may also follow its ID.
 */
static int next_opt(int argc, char **argv, const struct option *opts)
{
	return getopt_long_only(argc, argv, ":", opts, NULL);
}

/* An option error, or more or fewer arguments than want. 0 or -EINVAL (logged). */
static int check_args(int opt, int argc, char **argv, int want, const char *cmd)
{
	if (opt == ':' || opt == '?') {
		oci_log(LOG_ERROR, "%s: %s option '%s' (see kvmini oci --help)", cmd,
			opt == ':' ? "a value is missing for" : "unknown", argv[optind - 1]);
		return -EINVAL;
	}
	if (argc - optind != want) {
		oci_log(LOG_ERROR, "%s takes %s, got %d argument%s", cmd,
			want == 1 ? "a container ID" : "no argument", argc - optind,
			argc - optind == 1 ? "" : "s");
		return -EINVAL;
	}
	return 0;
}

enum { O_BUNDLE = 'b', O_DETACH = 'd', O_PIDFILE = 256, O_CONSOLE, O_PRESERVE, O_KEEP, O_IGN };

static const struct option create_opts[] = {
	{"bundle", required_argument, NULL, O_BUNDLE},
	{"b", required_argument, NULL, O_BUNDLE},
	{"pid-file", required_argument, NULL, O_PIDFILE},
	{"console-socket", required_argument, NULL, O_CONSOLE},
	{"preserve-fds", required_argument, NULL, O_PRESERVE},
	{"detach", no_argument, NULL, O_DETACH},
	{"d", no_argument, NULL, O_DETACH},
	{"keep", no_argument, NULL, O_KEEP},
	/* runc's own machinery; nothing to do for a VM. */
	{"no-pivot", no_argument, NULL, O_IGN},
	{"no-new-keyring", no_argument, NULL, O_IGN},
	{"no-subreaper", no_argument, NULL, O_IGN},
	{"pidfd-socket", required_argument, NULL, O_IGN},
	{NULL, 0, NULL, 0},
};

/* create and run share their options; run also takes -d and --keep. */
static int parse_create(int argc, char **argv, bool is_run, struct oci_create_opts *o)
{
	int opt;
	char *end;

	*o = (struct oci_create_opts){.bundle = ".", .detach = !is_run};
	optind = 0;
	while ((opt = next_opt(argc, argv, create_opts)) != -1 && opt != ':' && opt != '?') {
		switch (opt) {
		case O_BUNDLE:
			o->bundle = optarg;
			break;
		case O_PIDFILE:
			o->pid_file = optarg;
			break;
		case O_CONSOLE:
			o->console_socket = optarg;
			break;
		case O_PRESERVE:
			errno = 0;
			o->preserve_fds = (unsigned int)strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || o->preserve_fds > 1000) {
				oci_log(LOG_ERROR, "--preserve-fds: '%s' is not a number of fds",
					optarg);
				return -EINVAL;
			}
			break;
		case O_DETACH:
		case O_KEEP:
			if (!is_run) {
				oci_log(LOG_ERROR, "create: unknown option '%s'", argv[optind - 1]);
				return -EINVAL;
			}
			o->detach |= opt == O_DETACH;
			o->keep |= opt == O_KEEP;
			break;
		}
	}
	return check_args(opt, argc, argv, 1, argv[0]);
}

static int cmd_create(const char *root, int argc, char **argv)
{
	struct oci_create_opts o;
	pid_t pid;

	if (parse_create(argc, argv, false, &o))
		return 1;
	return oci_create(root, argv[optind], &o, &pid) ? 1 : 0;
}

static int cmd_run(const char *root, int argc, char **argv)
{
	struct oci_create_opts o;

	if (parse_create(argc, argv, true, &o))
		return 1;
	return oci_lifecycle_run(root, argv[optind], &o);
}

/* A command whose only argument is the ID, with the given boolean options. */
static int parse_id_only(int argc, char **argv, const struct option *opts, bool *flag)
{
	int opt;

	optind = 0;
	while ((opt = next_opt(argc, argv, opts)) != -1 && opt != ':' && opt != '?')
		*flag = true;
	return check_args(opt, argc, argv, 1, argv[0]);
}

static const struct option no_opts[] = {{NULL, 0, NULL, 0}};

static int cmd_pause(const char *root, int argc, char **argv)
{
	bool unused = false;

	if (parse_id_only(argc, argv, no_opts, &unused))
		return 1;
	return oci_lifecycle_pause(root, argv[optind], strcmp(argv[0], "pause") == 0) ? 1 : 0;
}

static int cmd_start(const char *root, int argc, char **argv)
{
	bool unused = false;

	if (parse_id_only(argc, argv, no_opts, &unused))
		return 1;
	return oci_lifecycle_start(root, argv[optind]) ? 1 : 0;
}

static int cmd_delete(const char *root, int argc, char **argv)
{
	static const struct option opts[] = {{"force", no_argument, NULL, 'f'},
					     {"f", no_argument, NULL, 'f'},
					     {NULL, 0, NULL, 0}};
	bool force = false;

	if (parse_id_only(argc, argv, opts, &force))
		return 1;
	return oci_lifecycle_delete(root, argv[optind], force) ? 1 : 0;
}

static int cmd_kill(const char *root, int argc, char **argv)
{
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'}, {"a", no_argument, NULL, 'a'}, {NULL, 0, NULL, 0}};
	bool all = false;
	int sig = SIGTERM;

	/* ID [SIGNAL]: check_args() wants exactly one, so take the signal off first. */
	if (argc >= 3 && argv[argc - 1][0] != '-' && argv[argc - 2][0] != '-') {
		if ((sig = oci_lifecycle_parse_signal(argv[argc - 1])) < 0) {
			oci_log(LOG_ERROR, "kill: '%s' is not a signal", argv[argc - 1]);
			return 1;
		}
		argc--;
	}
	if (parse_id_only(argc, argv, opts, &all))
		return 1;
	return oci_lifecycle_kill(root, argv[optind], sig, all) ? 1 : 0;
}

/* Print a new object and put it. */
static int print_new_json(json_object *j)
{
	int ret = j ? oci_list_print_json(j) : -ENOMEM;

	json_object_put(j);
	return ret ? 1 : 0;
}

static int cmd_spec(const char *root, int argc, char **argv)
{
	static const struct option opts[] = {{"bundle", required_argument, NULL, 'b'},
					     {"b", required_argument, NULL, 'b'},
					     {"rootless", no_argument, NULL, 'r'},
					     {NULL, 0, NULL, 0}};
	const char *bundle = NULL;
	int opt;

	(void)root;
	optind = 0;
	while ((opt = next_opt(argc, argv, opts)) != -1 && opt != ':' && opt != '?')
		if (opt == 'b')
			bundle = optarg;
	if (check_args(opt, argc, argv, 0, "spec"))
		return 1;
	/* runc writes config.json into the bundle; kvmini prints it unless -b is given. */
	if (bundle) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/config.json", bundle);
		if (!freopen(path, "wx", stdout)) {
			oci_log(LOG_ERROR, "spec: cannot write '%s': %s", path, strerror(errno));
			return 1;
		}
	}
	return print_new_json(oci_spec_default());
}

static int cmd_features(const char *root, int argc, char **argv)
{
	(void)root;
	optind = 0;
	if (check_args(next_opt(argc, argv, no_opts), argc, argv, 0, "features"))
		return 1;
	return print_new_json(oci_spec_features());
}

static int cmd_state(const char *root, int argc, char **argv)
{
	bool unused = false;

	if (parse_id_only(argc, argv, no_opts, &unused))
		return 1;
	return oci_list_state(root, argv[optind]) ? 1 : 0;
}

static int cmd_list(const char *root, int argc, char **argv)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
					     {"f", required_argument, NULL, 'f'},
					     {"quiet", no_argument, NULL, 'q'},
					     {"q", no_argument, NULL, 'q'},
					     {NULL, 0, NULL, 0}};
	enum oci_list_format fmt = OCI_LIST_TABLE;
	int opt;

	optind = 0;
	while ((opt = next_opt(argc, argv, opts)) != -1 && opt != ':' && opt != '?') {
		if (opt == 'q') {
			fmt = OCI_LIST_QUIET;
		} else if (strcmp(optarg, "json") == 0) {
			fmt = OCI_LIST_JSON;
		} else if (strcmp(optarg, "table") != 0) {
			oci_log(LOG_ERROR, "list: --format takes 'table' or 'json', not '%s'",
				optarg);
			return 1;
		}
	}
	if (check_args(opt, argc, argv, 0, "list"))
		return 1;
	return oci_list_print(root, fmt) ? 1 : 0;
}

/* ps [--format table|json] ID [PS-OPTIONS...]: containerd's Pids() and Top(). */
static int cmd_ps(const char *root, int argc, char **argv)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
					     {"f", required_argument, NULL, 'f'},
					     {NULL, 0, NULL, 0}};
	bool json = false;
	int opt;

	optind = 0;
	/* "+": runc passes the arguments after ID to ps(1); kvmini has no ps(1) to run. */
	while ((opt = getopt_long_only(argc, argv, "+:", opts, NULL)) != -1 && opt != ':' &&
	       opt != '?') {
		json = strcmp(optarg, "json") == 0;
		if (!json && strcmp(optarg, "table") != 0) {
			oci_log(LOG_ERROR, "ps: --format takes 'table' or 'json', not '%s'",
				optarg);
			return 1;
		}
	}
	if (check_args(opt, optind < argc ? optind + 1 : argc, argv, 1, "ps"))
		return 1;
	return oci_list_ps(root, argv[optind], json) ? 1 : 0;
}

/*
 * runc commands kvmini refuses, each with its reason: exec needs a channel
 * into the guest, update a VM that can grow, events statistics kvmini does
 * not gather, checkpoint and restore CRIU (kvmini's snapshots are not OCI's).
 */
static const char *const unsupported[][2] = {
	{"exec", "there is no channel into the guest to start a second process"},
	{"update", "a running VM's RAM and vCPUs are fixed at create"},
	{"events", "kvmini reports no cgroup statistics or OOM events"},
	{"checkpoint", "CRIU cannot checkpoint a VM"},
	{"restore", "CRIU cannot restore a VM"},
};

static const struct oci_cmd commands[] = {
	{"create", cmd_create,
	 "create [--bundle DIR] [--pid-file F] [--console-socket S] [--preserve-fds N] ID"},
	{"start", cmd_start, "start ID"},
	{"run", cmd_run, "run [create's options] [-d] [--keep] ID"},
	{"state", cmd_state, "state ID"},
	{"kill", cmd_kill, "kill [--all] ID [SIGNAL]"},
	{"delete", cmd_delete, "delete [--force] ID"},
	{"list", cmd_list, "list [--format table|json] [--quiet]"},
	{"spec", cmd_spec, "spec [--bundle DIR]"},
	{"features", cmd_features, "features"},
	{"ps", cmd_ps, "ps [--format table|json] ID"},
	{"pause", cmd_pause, "pause ID"},
	{"resume", cmd_pause, "resume ID"},
	{NULL, NULL, NULL},
};

void oci_cmd_usage(FILE *out)
{
	for (const struct oci_cmd *c = commands; c->name; c++)
		fprintf(out, "  %s\n", c->usage);
}

int oci_cmd_run(const char *root, int argc, char **argv)
{
	for (const struct oci_cmd *c = commands; c->name; c++)
		if (strcmp(argv[0], c->name) == 0)
			return c->run(root, argc, argv);
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
		if (strcmp(argv[0], unsupported[i][0]) == 0) {
			oci_log(LOG_ERROR, "oci: '%s' is not supported: %s", argv[0],
				unsupported[i][1]);
			return 1;
		}
	oci_log(LOG_ERROR, "oci: command '%s' is not supported (see kvmini oci --help)", argv[0]);
	return 1;
}
