// SPDX-License-Identifier: MIT
/*
 * config.json's "process" (runtime-spec 1.1.0, config.md "Process"): args,
 * env, cwd, terminal and its consoleSize, and the POSIX user. Each field is
 * type-checked before use and named in every error message.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "oci/oci_config.h"
#include "oci/oci_process.h"

/* An unsigned 32-bit id (uid, gid): 0 to 4294967294; 4294967295 is (uid_t)-1. */
static int get_id(json_object *v, const char *what, uint32_t *out, char *err, size_t errlen)
{
	if (!json_object_is_type(v, json_type_int))
		return errbuf_set(err, errlen, -EINVAL, "%s must be an integer", what);
	int64_t n = json_object_get_int64(v);
	if (n < 0 || n >= UINT32_MAX)
		return errbuf_set(err, errlen, -EINVAL, "%s %lld is not an id (0 to 4294967294)",
				  what, (long long)n);
	*out = (uint32_t)n;
	return 0;
}

static const struct oci_field user_fields[] = {
	{"uid", NULL},
	{"gid", NULL},
	{"additionalGids", NULL},
	{"umask", "the agent runs the process with the guest's default umask"},
	{"username", "Windows only"},
	{NULL, NULL},
};

static int parse_user(struct oci_config *cfg, json_object *proc, char *err, size_t errlen)
{
	json_object *user, *v, *gids;
	int ret = oci_config_get_section(cfg, proc, "user", "process.", user_fields, &user, err,
					 errlen);

	if (ret)
		return ret;
	if (!json_object_object_get_ex(user, "uid", &v))
		return errbuf_set(err, errlen, -EINVAL, "process.user.uid is missing");
	if ((ret = get_id(v, "process.user.uid", &cfg->uid, err, errlen)))
		return ret;
	if (!json_object_object_get_ex(user, "gid", &v))
		return errbuf_set(err, errlen, -EINVAL, "process.user.gid is missing");
	if ((ret = get_id(v, "process.user.gid", &cfg->gid, err, errlen)))
		return ret;
	if ((ret = oci_config_get(user, "additionalGids", json_type_array, "process.user.", &gids,
				  err, errlen)) ||
	    !gids)
		return ret;
	cfg->ngids = json_object_array_length(gids);
	cfg->gids = calloc(cfg->ngids + 1, sizeof(*cfg->gids));
	if (!cfg->gids)
		return errbuf_set(err, errlen, -ENOMEM, "out of memory");
	for (size_t i = 0; i < cfg->ngids; i++)
		if ((ret = get_id(json_object_array_get_idx(gids, i),
				  "process.user.additionalGids[]", &cfg->gids[i], err, errlen)))
			return ret;
	return 0;
}

/*
 * process.consoleSize {height, width} (runtime-spec config.md, "Process"):
 * the terminal's size, which the agent gives the guest's console (podman
 * sends the caller's). Each an unsigned integer; above 65535 is no terminal.
 */
static int parse_console_size(struct oci_config *cfg, json_object *proc, char *err, size_t errlen)
{
	json_object *size, *v;
	uint32_t *dims[2] = {&cfg->console_rows, &cfg->console_cols};
	const char *keys[2] = {"height", "width"};
	int ret;

	if ((ret = oci_config_get(proc, "consoleSize", json_type_object, "process.", &size, err,
				  errlen)) ||
	    !size)
		return ret;
	for (int i = 0; i < 2; i++) {
		if ((ret = oci_config_get(size, keys[i], json_type_int, "process.consoleSize.", &v,
					  err, errlen)))
			return ret;
		int64_t n = v ? json_object_get_int64(v) : -1;
		if (n < 0 || n > 65535)
			return errbuf_set(err, errlen, -EINVAL,
					  "process.consoleSize.%s must be 0 to 65535", keys[i]);
		*dims[i] = (uint32_t)n;
	}
	return 0;
}

static const struct oci_field process_fields[] = {
	{"terminal", NULL},
	{"user", NULL},
	{"args", NULL},
	{"env", NULL},
	{"cwd", NULL},
	{"consoleSize", NULL},
	{"capabilities", "the process runs as root of its own guest kernel, or as its uid"},
	{"rlimits", "the guest's default limits apply"},
	{"noNewPrivileges", "not applied in the guest"},
	{"apparmorProfile", "no AppArmor in the guest"},
	{"selinuxLabel", "no SELinux in the guest"},
	{"oomScoreAdj", "the guest's OOM killer sees only this container"},
	{"ioPriority", "not applied in the guest"},
	{"scheduler", "not applied in the guest"},
	{"execCPUAffinity", "not applied in the guest"},
	{"commandLine", "Windows only"},
	{NULL, NULL},
};

int oci_process_parse(struct oci_config *cfg, char *err, size_t errlen)
{
	json_object *proc, *v;
	int ret = oci_config_get_section(cfg, cfg->json, "process", "", process_fields, &proc, err,
					 errlen);

	if (ret)
		return ret;
	if ((ret = oci_config_get_strings(proc, "args", "process.", &cfg->args, &cfg->nargs, err,
					  errlen)))
		return ret;
	if (!cfg->nargs)
		return errbuf_set(err, errlen, -EINVAL, "process.args is missing or empty");
	if ((ret = oci_config_get_strings(proc, "env", "process.", &cfg->env, &cfg->nenv, err,
					  errlen)))
		return ret;
	for (size_t i = 0; i < cfg->nenv; i++)
		if (cfg->env[i][0] == '=' || !strchr(cfg->env[i], '='))
			return errbuf_set(err, errlen, -EINVAL,
					  "process.env[%zu] '%.60s' is not NAME=value", i,
					  cfg->env[i]);
	if ((ret = oci_config_get_string(proc, "cwd", "process.", true, &cfg->cwd, err, errlen)))
		return ret;
	if (cfg->cwd[0] != '/')
		return errbuf_set(err, errlen, -EINVAL,
				  "process.cwd '%.60s' is not an absolute path", cfg->cwd);
	if ((ret = oci_config_get(proc, "terminal", json_type_boolean, "process.", &v, err,
				  errlen)))
		return ret;
	cfg->terminal = v && json_object_get_boolean(v);
	if ((ret = parse_console_size(cfg, proc, err, errlen)))
		return ret;
	return parse_user(cfg, proc, err, errlen);
}
