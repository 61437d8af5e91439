// SPDX-License-Identifier: MIT
/*
 * config.json -> struct oci_config (runtime-spec 1.1.0, config.md and
 * config-linux.md). The file is input like any other: every field's type is
 * checked before use, strings with NUL bytes are refused, and each field is
 * either honoured, or named in a warning (not honoured, or unknown).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errbuf.h"
#include "oci/oci_config.h"
#include "oci/oci_linux.h"
#include "oci/oci_mounts.h"
#include "oci/oci_process.h"

void oci_config_warn(struct oci_config *cfg, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (cfg->nwarnings == OCI_CONFIG_MAX_WARN) {
		cfg->nwarnings_dropped++;
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) >= 0)
		cfg->warnings[cfg->nwarnings++] = msg;
	va_end(ap);
}

void oci_config_check_fields(struct oci_config *cfg, json_object *obj, const char *path,
			     const struct oci_field *fields)
{
	json_object_object_foreach(obj, key, val)
	{
		const struct oci_field *f = fields;
		(void)val;
		while (f->name && strcmp(f->name, key) != 0)
			f++;
		if (!f->name)
			oci_config_warn(cfg, "%s%s is unknown to kvmini and ignored", path, key);
		else if (f->why)
			oci_config_warn(cfg, "%s%s is not honoured: %s", path, key, f->why);
	}
}

/* The value of key in obj if it has the type; NULL if absent; -EINVAL if another type. */
int oci_config_get(json_object *obj, const char *key, json_type type, const char *path,
		   json_object **out, char *err, size_t errlen)
{
	static const char *const names[] = {
		[json_type_null] = "null",	  [json_type_boolean] = "a boolean",
		[json_type_double] = "a number",  [json_type_int] = "an integer",
		[json_type_object] = "an object", [json_type_array] = "an array",
		[json_type_string] = "a string",
	};

	*out = NULL;
	if (!json_object_object_get_ex(obj, key, out))
		return 0;
	if (!json_object_is_type(*out, type))
		return errbuf_set(err, errlen, -EINVAL, "%s%s must be %s", path, key, names[type]);
	if (type == json_type_string &&
	    strlen(json_object_get_string(*out)) != (size_t)json_object_get_string_len(*out))
		return errbuf_set(err, errlen, -EINVAL, "%s%s contains a NUL byte", path, key);
	return 0;
}

int oci_config_get_string(json_object *obj, const char *key, const char *path, bool required,
			  const char **out, char *err, size_t errlen)
{
	json_object *v;
	int ret = oci_config_get(obj, key, json_type_string, path, &v, err, errlen);

	if (ret)
		return ret;
	if (!v && required)
		return errbuf_set(err, errlen, -EINVAL, "%s%s is missing", path, key);
	*out = v ? json_object_get_string(v) : NULL;
	return 0;
}

/* An array of strings into a fresh array of pointers into the JSON. */
int oci_config_get_strings(json_object *obj, const char *key, const char *path, const char ***out,
			   size_t *n, char *err, size_t errlen)
{
	json_object *arr;
	int ret = oci_config_get(obj, key, json_type_array, path, &arr, err, errlen);

	*out = NULL;
	*n = 0;
	if (ret || !arr)
		return ret;
	size_t len = json_object_array_length(arr);
	*out = calloc(len + 1, sizeof(**out));
	if (!*out)
		return errbuf_set(err, errlen, -ENOMEM, "out of memory");
	for (size_t i = 0; i < len; i++) {
		json_object *s = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(s, json_type_string) ||
		    strlen(json_object_get_string(s)) != (size_t)json_object_get_string_len(s))
			return errbuf_set(err, errlen, -EINVAL,
					  "%s%s[%zu] is not a string (without NUL bytes)", path,
					  key, i);
		(*out)[i] = json_object_get_string(s);
	}
	*n = len;
	return 0;
}

int oci_config_get_section(struct oci_config *cfg, json_object *obj, const char *key,
			   const char *path, const struct oci_field *fields, json_object **out,
			   char *err, size_t errlen)
{
	char sub[64];
	int ret = oci_config_get(obj, key, json_type_object, path, out, err, errlen);

	if (ret)
		return ret;
	if (!*out)
		return errbuf_set(err, errlen, -EINVAL, "%s%s is missing", path, key);
	snprintf(sub, sizeof(sub), "%s%s.", path, key);
	oci_config_check_fields(cfg, *out, sub, fields);
	return 0;
}

static const struct oci_field root_fields[] = {
	{"path", NULL},
	{"readonly", NULL},
	{NULL, NULL},
};

static int parse_root(struct oci_config *cfg, char *err, size_t errlen)
{
	json_object *root, *ro;
	int ret =
		oci_config_get_section(cfg, cfg->json, "root", "", root_fields, &root, err, errlen);

	if (ret)
		return ret;
	if ((ret = oci_config_get_string(root, "path", "root.", true, &cfg->root_path, err,
					 errlen)))
		return ret;
	if (!cfg->root_path[0])
		return errbuf_set(err, errlen, -EINVAL, "root.path is empty");
	if ((ret = oci_config_get(root, "readonly", json_type_boolean, "root.", &ro, err, errlen)))
		return ret;
	cfg->root_readonly = ro && json_object_get_boolean(ro);
	return 0;
}

/*
 * runtime-spec 1.1.0 says a runtime must refuse a major version it does not
 * know; kvmini implements 1.1.0 and reads 1.0.x ("1.0.2-dev" from runc spec
 * and podman 4) and 1.1.x.
 */
static int check_version(struct oci_config *cfg, char *err, size_t errlen)
{
	int ret = oci_config_get_string(cfg->json, "ociVersion", "", true, &cfg->oci_version, err,
					errlen);
	unsigned int major, minor, patch;
	int used = 0;

	if (ret)
		return ret;
	if (sscanf(cfg->oci_version, "%u.%u.%u%n", &major, &minor, &patch, &used) != 3 ||
	    (cfg->oci_version[used] && !strchr("-+", cfg->oci_version[used])) || major != 1 ||
	    minor > 1)
		return errbuf_set(err, errlen, -ENOTSUP,
				  "unsupported ociVersion '%.40s' (kvmini reads 1.0.x and 1.1.x)",
				  cfg->oci_version);
	return 0;
}

static const struct oci_field top_fields[] = {
	{"ociVersion", NULL},
	{"process", NULL},
	{"root", NULL},
	{"hostname", NULL},
	{"mounts", NULL},
	{"annotations", NULL},
	{"linux", NULL},
	{"domainname", "the guest has no NIS domain"},
	{"hooks", "kvmini runs no hooks"},
	{NULL, NULL},
};

int oci_config_parse(const char *text, size_t len, struct oci_config *cfg, char *err, size_t errlen)
{
	struct json_tokener *tok = json_tokener_new();
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	if (!tok)
		return errbuf_set(err, errlen, -ENOMEM, "out of memory");
	if (len > OCI_CONFIG_MAX_BYTES || len > INT32_MAX)
		len = OCI_CONFIG_MAX_BYTES + 1; /* refused below as not JSON */
	cfg->json = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	/* Only white space may follow the object. */
	while (cfg->json && used < len && strchr(" \t\r\n", text[used]))
		used++;
	if (!cfg->json || jerr != json_tokener_success || used != len)
		return errbuf_set(err, errlen, -EINVAL, "not valid JSON (%s at byte %zu)",
				  jerr == json_tokener_continue	 ? "the text ends early"
				  : jerr != json_tokener_success ? json_tokener_error_desc(jerr)
								 : "text after the object",
				  used);
	if (!json_object_is_type(cfg->json, json_type_object))
		return errbuf_set(err, errlen, -EINVAL, "not a JSON object");
	if ((ret = check_version(cfg, err, errlen)))
		return ret;
	oci_config_check_fields(cfg, cfg->json, "", top_fields);
	if ((ret = oci_process_parse(cfg, err, errlen)) || (ret = parse_root(cfg, err, errlen)) ||
	    (ret = oci_config_get_string(cfg->json, "hostname", "", false, &cfg->hostname, err,
					 errlen)) ||
	    (ret = oci_config_get(cfg->json, "annotations", json_type_object, "", &cfg->annotations,
				  err, errlen)))
		return ret;
	if (cfg->annotations) {
		json_object_object_foreach(cfg->annotations, key, val)
		{
			if (!json_object_is_type(val, json_type_string))
				return errbuf_set(err, errlen, -EINVAL,
						  "annotations.%.60s must be a string", key);
		}
	}
	if ((ret = oci_mounts_parse(cfg, err, errlen)))
		return ret;
	return oci_linux_parse(cfg, err, errlen);
}

int oci_config_load(const char *bundle, struct oci_config *cfg, char *err, size_t errlen)
{
	char path[4096], why[300];
	struct stat st;
	int ret = 0;

	memset(cfg, 0, sizeof(*cfg));
	if ((size_t)snprintf(path, sizeof(path), "%s/config.json", bundle) >= sizeof(path))
		return errbuf_set(err, errlen, -ENAMETOOLONG, "bundle path '%.60s...' is too long",
				  bundle);
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errbuf_set(err, errlen, -errno, "cannot read '%s': %s", path,
				  errno == ENOENT ? "no config.json in the bundle"
						  : strerror(errno));
	char *text = NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		ret = errbuf_set(err, errlen, -EINVAL, "cannot read '%s': not a regular file",
				 path);
		goto out;
	}
	if (st.st_size > OCI_CONFIG_MAX_BYTES) {
		ret = errbuf_set(err, errlen, -EFBIG, "cannot read '%s': larger than %u bytes",
				 path, OCI_CONFIG_MAX_BYTES);
		goto out;
	}
	text = malloc((size_t)st.st_size + 1);
	ssize_t n = text ? read(fd, text, (size_t)st.st_size + 1) : -1;
	if (n < 0 || n > st.st_size) {
		ret = errbuf_set(err, errlen, -EIO, "cannot read '%s': %s", path,
				 n < 0 ? strerror(errno) : "it grew while being read");
		goto out;
	}
	ret = oci_config_parse(text, (size_t)n, cfg, why, sizeof(why));
	if (ret)
		errbuf_set(err, errlen, ret, "%s: %s", path, why);
out:
	free(text);
	close(fd);
	return ret;
}

void oci_config_free(struct oci_config *cfg)
{
	for (size_t i = 0; i < cfg->nmounts; i++)
		free(cfg->mounts[i].options);
	for (size_t i = 0; i < cfg->nwarnings; i++)
		free(cfg->warnings[i]);
	free(cfg->mounts);
	free(cfg->args);
	free(cfg->env);
	free(cfg->gids);
	if (cfg->json)
		json_object_put(cfg->json);
	memset(cfg, 0, sizeof(*cfg));
}

bool oci_config_has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")); p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return true;
	return false;
}
