// SPDX-License-Identifier: MIT
/*
 * config.json "mounts" (runtime-spec 1.1.0, config.md "Mounts"): what the
 * guest can make. The container's root is a virtio-fs share; inside the
 * guest the agent mounts kernel file systems itself and each bind-mounted
 * host directory arrives as one more virtio-fs share.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "oci/oci_mounts.h"

/* Kernel file systems the agent can mount in the guest by type. */
static const char *const guest_types[] = {"proc", "sysfs", "tmpfs", "devpts", "mqueue", NULL};

/*
 * mount(8) options the agent passes on. Flags first; then options that take
 * a value ("size=64k"), matched up to the '='.
 */
static const char *const flag_options[] = {
	"ro",	      "rw",	     "nosuid",	 "suid",    "nodev", "dev",
	"noexec",     "exec",	     "relatime", "noatime", "atime", "strictatime",
	"nodiratime", "newinstance", "sync",	 "async",   NULL,
};
static const char *const value_options[] = {"size", "mode",	"nr_inodes", "uid",
					    "gid",  "ptmxmode", NULL};
/* Options about propagation and binding that mean nothing across a virtio-fs share. */
static const char *const quiet_options[] = {
	"bind",	 "rbind",  "private",	 "rprivate",	"shared", "rshared",
	"slave", "rslave", "unbindable", "runbindable", NULL,
};

static bool listed(const char *const *list, const char *s, size_t len)
{
	for (; *list; list++)
		if (strlen(*list) == len && strncmp(*list, s, len) == 0)
			return true;
	return false;
}

static bool is_bind(const char *type, const char **opts, size_t nopts)
{
	if (strcmp(type, "bind") == 0)
		return true;
	for (size_t i = 0; i < nopts; i++)
		if (strcmp(opts[i], "bind") == 0 || strcmp(opts[i], "rbind") == 0)
			return true;
	return false;
}

/* Absolute, and no ".." component: the agent joins it to the container root. */
static bool good_destination(const char *d)
{
	return d[0] == '/' && !oci_config_has_dotdot(d);
}

/* Keep the options the guest can apply, comma-joined; warn about the others. */
static int filter_options(struct oci_config *cfg, size_t i, struct oci_mount *m, const char **opts,
			  size_t nopts, char *err, size_t errlen)
{
	size_t cap = 1;

	for (size_t k = 0; k < nopts; k++)
		cap += strlen(opts[k]) + 1;
	m->options = calloc(1, cap);
	if (!m->options)
		return errbuf_set(err, errlen, -ENOMEM, "out of memory");
	for (size_t k = 0; k < nopts; k++) {
		const char *o = opts[k];
		const char *eq = strchr(o, '=');
		bool keep = eq ? listed(value_options, o, (size_t)(eq - o))
			       : listed(flag_options, o, strlen(o));
		if (strcmp(o, "ro") == 0)
			m->read_only = true;
		else if (strcmp(o, "rw") == 0)
			m->read_only = false;
		if (strchr(o, ',') || strchr(o, '\'')) /* cannot be joined or quoted as one */
			keep = false;
		if (keep) {
			if (m->options[0])
				strcat(m->options, ",");
			strcat(m->options, o);
		} else if (!listed(quiet_options, o, strlen(o))) {
			oci_config_warn(cfg, "mounts[%zu] (%.60s): option '%.40s' is not honoured",
					i, m->destination, o);
		}
	}
	return 0;
}

static const struct oci_field mount_fields[] = {
	{"destination", NULL},
	{"type", NULL},
	{"source", NULL},
	{"options", NULL},
	{"uidMappings", "no id-mapped mounts in the guest"},
	{"gidMappings", "no id-mapped mounts in the guest"},
	{NULL, NULL},
};

static int parse_one(struct oci_config *cfg, size_t i, json_object *obj, char *err, size_t errlen)
{
	struct oci_mount *m = &cfg->mounts[i];
	const char **opts = NULL;
	size_t nopts = 0;
	char path[32];
	int ret;

	snprintf(path, sizeof(path), "mounts[%zu].", i);
	if (!json_object_is_type(obj, json_type_object))
		return errbuf_set(err, errlen, -EINVAL, "mounts[%zu] must be an object", i);
	oci_config_check_fields(cfg, obj, path, mount_fields);
	if ((ret = oci_config_get_string(obj, "destination", path, true, &m->destination, err,
					 errlen)) ||
	    (ret = oci_config_get_string(obj, "type", path, false, &m->type, err, errlen)) ||
	    (ret = oci_config_get_string(obj, "source", path, false, &m->source, err, errlen)) ||
	    (ret = oci_config_get_strings(obj, "options", path, &opts, &nopts, err, errlen)))
		goto out;
	m->type = m->type ? m->type : "";
	m->source = m->source ? m->source : "";
	if (!good_destination(m->destination)) {
		ret = errbuf_set(err, errlen, -EINVAL,
				 "%sdestination '%.60s' is not an absolute path without '..'", path,
				 m->destination);
		goto out;
	}
	if (is_bind(m->type, opts, nopts)) {
		m->kind = OCI_MOUNT_BIND;
		if (m->source[0] != '/') {
			ret = errbuf_set(err, errlen, -EINVAL,
					 "%ssource '%.60s' of a bind mount is not an absolute path",
					 path, m->source);
			goto out;
		}
	} else if (listed(guest_types, m->type, strlen(m->type))) {
		m->kind = OCI_MOUNT_GUEST;
	} else {
		m->kind = OCI_MOUNT_SKIPPED;
		oci_config_warn(
			cfg,
			"mounts[%zu] (%.60s, type '%.20s') is not honoured: the guest makes "
			"only proc, sysfs, tmpfs, devpts, mqueue and bind mounts",
			i, m->destination, m->type);
	}
	ret = filter_options(cfg, i, m, opts, nopts, err, errlen);
out:
	free(opts);
	return ret;
}

int oci_mounts_parse(struct oci_config *cfg, char *err, size_t errlen)
{
	json_object *arr;
	int ret = oci_config_get(cfg->json, "mounts", json_type_array, "", &arr, err, errlen);

	if (ret || !arr)
		return ret;
	size_t n = json_object_array_length(arr);
	cfg->mounts = calloc(n + 1, sizeof(*cfg->mounts));
	if (!cfg->mounts)
		return errbuf_set(err, errlen, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		/* Counted first: oci_config_free() frees options of the mounts seen. */
		cfg->nmounts = i + 1;
		if ((ret = parse_one(cfg, i, json_object_array_get_idx(arr, i), err, errlen)))
			return ret;
	}
	return 0;
}
