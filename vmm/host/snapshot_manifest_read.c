// SPDX-License-Identifier: MIT
/*
 * manifest.json read back and checked with json-c (snapshot_manifest.h;
 * the layout is in docs/snapshot.md). A manifest is input like any other
 * file: the parser checks each field's type and range, refuses fields it
 * does not know (a newer writer's manifest must not half-work), and names
 * the field at fault. The writer is snapshot_manifest.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "errbuf.h"
#include "host/snapshot_files.h"
#include "host/snapshot_manifest.h"

/* Every key of obj must be in keys (NULL-terminated). */
static int known_keys(json_object *obj, const char *where, const char *const *keys, char *err,
		      size_t errlen)
{
	json_object_object_foreach(obj, key, val)
	{
		(void)val;
		size_t i = 0;
		while (keys[i] && strcmp(keys[i], key))
			i++;
		if (!keys[i])
			return errbuf_set(err, errlen, -EPROTO, "unknown field '%s%s'", where, key);
	}
	return 0;
}

/* obj[key] of the given type, or NULL with the reason in err. */
static json_object *field(json_object *obj, const char *where, const char *key, json_type type,
			  char *err, size_t errlen)
{
	json_object *val;

	if (!json_object_object_get_ex(obj, key, &val) || !json_object_is_type(val, type)) {
		errbuf_set(err, errlen, -EPROTO, "field '%s%s' is missing or not %s", where, key,
			   json_type_to_name(type));
		return NULL;
	}
	return val;
}

static int get_u64(json_object *obj, const char *where, const char *key, uint64_t max,
		   uint64_t *out, char *err, size_t errlen)
{
	json_object *v = field(obj, where, key, json_type_int, err, errlen);
	if (!v)
		return -EPROTO;
	/* json-c keeps a negative number as int64 and a large one as uint64. */
	if (json_object_get_int64(v) < 0 || json_object_get_uint64(v) > max)
		return errbuf_set(err, errlen, -EPROTO, "field '%s%s' is out of range (0 to %llu)",
				  where, key, (unsigned long long)max);
	*out = json_object_get_uint64(v);
	return 0;
}

static int get_bool(json_object *obj, const char *where, const char *key, bool *out, char *err,
		    size_t errlen)
{
	json_object *v = field(obj, where, key, json_type_boolean, err, errlen);
	if (!v)
		return -EPROTO;
	*out = json_object_get_boolean(v);
	return 0;
}

static int get_str(json_object *obj, const char *where, const char *key, char *out, size_t size,
		   char *err, size_t errlen)
{
	json_object *v = field(obj, where, key, json_type_string, err, errlen);
	if (!v)
		return -EPROTO;
	size_t len = (size_t)json_object_get_string_len(v);
	const char *s = json_object_get_string(v);
	if (len == 0 || len >= size || memchr(s, '\0', len))
		return errbuf_set(err, errlen, -EPROTO,
				  "field '%s%s' is empty, too long or holds a NUL byte", where,
				  key);
	memcpy(out, s, len + 1);
	return 0;
}

static int parse_disks(json_object *arr, struct snapshot_manifest *m, char *err, size_t errlen)
{
	static const char *const keys[] = {"path", "size", "read_only", NULL};
	size_t n = json_object_array_length(arr);
	int ret = 0;

	if (n > CONFIG_MAX_DISKS)
		return errbuf_set(err, errlen, -EPROTO, "%zu disks, at most %d", n,
				  CONFIG_MAX_DISKS);
	for (size_t i = 0; i < n && !ret; i++) {
		json_object *d = json_object_array_get_idx(arr, i);
		struct snapshot_disk *disk = &m->disks[i];
		if (!json_object_is_type(d, json_type_object))
			return errbuf_set(err, errlen, -EPROTO,
					  "devices.disks[%zu] is not an object", i);
		if ((ret = known_keys(d, "devices.disks[].", keys, err, errlen)) ||
		    (ret = get_str(d, "devices.disks[].", "path", disk->path, sizeof(disk->path),
				   err, errlen)) ||
		    (ret = get_u64(d, "devices.disks[].", "size", INT64_MAX, &disk->size, err,
				   errlen)) ||
		    (ret = get_bool(d, "devices.disks[].", "read_only", &disk->read_only, err,
				    errlen)))
			return ret;
	}
	m->ndisks = (unsigned int)n;
	return 0;
}

static int parse_console(json_object *con, struct snapshot_manifest *m, char *err, size_t errlen)
{
	static const char *const keys[] = {"kind", "path", NULL};
	char kind[16];
	int ret;

	if ((ret = known_keys(con, "devices.console.", keys, err, errlen)) ||
	    (ret = get_str(con, "devices.console.", "kind", kind, sizeof(kind), err, errlen)))
		return ret;
	for (int i = CONSOLE_NONE; i <= CONSOLE_FILE; i++)
		if (strcmp(kind, snapshot_manifest_console_names[i]) == 0)
			m->console = (enum console_kind)i;
	if (strcmp(kind, snapshot_manifest_console_names[m->console]))
		return errbuf_set(err, errlen, -EPROTO, "devices.console.kind '%s' is unknown",
				  kind);
	if (m->console == CONSOLE_FILE)
		return get_str(con, "devices.console.", "path", m->console_path,
			       sizeof(m->console_path), err, errlen);
	return 0;
}

static int parse_devices(json_object *dev, struct snapshot_manifest *m, char *err, size_t errlen)
{
	static const char *const keys[] = {"console", "rng", "disks", "vsock", NULL};
	static const char *const vsock_keys[] = {"cid", "path", NULL};
	json_object *con, *disks, *vsock;
	uint64_t cid;
	int ret;

	if ((ret = known_keys(dev, "devices.", keys, err, errlen)) ||
	    !(con = field(dev, "devices.", "console", json_type_object, err, errlen)) ||
	    (ret = parse_console(con, m, err, errlen)) ||
	    (ret = get_bool(dev, "devices.", "rng", &m->rng, err, errlen)) ||
	    !(disks = field(dev, "devices.", "disks", json_type_array, err, errlen)) ||
	    (ret = parse_disks(disks, m, err, errlen)))
		return ret ? ret : -EPROTO;
	if (!json_object_object_get_ex(dev, "vsock", &vsock))
		return errbuf_set(err, errlen, -EPROTO, "field 'devices.vsock' is missing");
	if (!vsock)
		return 0; /* JSON null: no vsock device */
	if (!json_object_is_type(vsock, json_type_object))
		return errbuf_set(err, errlen, -EPROTO, "devices.vsock is not an object or null");
	m->vsock = true;
	if ((ret = known_keys(vsock, "devices.vsock.", vsock_keys, err, errlen)) ||
	    (ret = get_u64(vsock, "devices.vsock.", "cid", 0xfffffffe, &cid, err, errlen)) ||
	    (ret = get_str(vsock, "devices.vsock.", "path", m->vsock_path, sizeof(m->vsock_path),
			   err, errlen)))
		return ret;
	if (cid < 3)
		return errbuf_set(err, errlen, -EPROTO, "devices.vsock.cid %llu is below 3",
				  (unsigned long long)cid);
	m->vsock_cid = (uint32_t)cid;
	return 0;
}

static int parse_files(json_object *arr, struct snapshot_manifest *m, char *err, size_t errlen)
{
	static const char *const keys[] = {"name", "size", "crc32", NULL};
	size_t n = json_object_array_length(arr);

	if (n > SNAPSHOT_MAX_FILES)
		return errbuf_set(err, errlen, -EPROTO, "%zu files, at most %d", n,
				  SNAPSHOT_MAX_FILES);
	for (size_t i = 0; i < n; i++) {
		json_object *f = json_object_array_get_idx(arr, i);
		char name[SNAPSHOT_NAME_MAX];
		uint64_t size, crc;
		int ret;
		if (!json_object_is_type(f, json_type_object))
			return errbuf_set(err, errlen, -EPROTO, "files[%zu] is not an object", i);
		if ((ret = known_keys(f, "files[].", keys, err, errlen)) ||
		    (ret = get_str(f, "files[].", "name", name, sizeof(name), err, errlen)) ||
		    (ret = get_u64(f, "files[].", "size", SNAPSHOT_MAX_STATE, &size, err,
				   errlen)) ||
		    (ret = get_u64(f, "files[].", "crc32", UINT32_MAX, &crc, err, errlen)))
			return ret;
		if (snapshot_manifest_file(m, name))
			return errbuf_set(err, errlen, -EPROTO, "file '%s' is listed twice", name);
		if (snapshot_manifest_add_file(m, name, size, (uint32_t)crc))
			return errbuf_set(err, errlen, -EPROTO,
					  "file name '%s' is not a plain name", name);
	}
	return 0;
}

static int parse_root(json_object *root, struct snapshot_manifest *m, char *err, size_t errlen)
{
	static const char *const keys[] = {
		"format", "format_version", "kvmini_version", "host_kind",
		"memory", "vcpus",	    "irqchip",	      "pit",
		"linux",  "linux_booted",   "devices",	      "files",
		NULL};
	static const char *const mem_keys[] = {"file", "size", NULL};
	char format[32], memfile[SNAPSHOT_NAME_MAX];
	json_object *mem, *dev, *files;
	uint64_t version, ncpus;
	int ret;

	if (!json_object_is_type(root, json_type_object))
		return errbuf_set(err, errlen, -EPROTO, "not a JSON object");
	if ((ret = get_str(root, "", "format", format, sizeof(format), err, errlen)))
		return ret;
	if (strcmp(format, SNAPSHOT_MANIFEST_FORMAT))
		return errbuf_set(err, errlen, -EPROTO, "format '%s' is not '%s'", format,
				  SNAPSHOT_MANIFEST_FORMAT);
	/* The version before anything else: a newer format may have other fields. */
	if ((ret = get_u64(root, "", "format_version", UINT32_MAX, &version, err, errlen)))
		return ret;
	if (version != SNAPSHOT_FORMAT_VERSION)
		return errbuf_set(err, errlen, -ENOTSUP,
				  "snapshot format version %llu, this kvmini reads version %d",
				  (unsigned long long)version, SNAPSHOT_FORMAT_VERSION);
	m->format_version = (unsigned int)version;
	if ((ret = known_keys(root, "", keys, err, errlen)) ||
	    (ret = get_str(root, "", "kvmini_version", m->kvmini_version, sizeof(m->kvmini_version),
			   err, errlen)) ||
	    (ret = get_str(root, "", "host_kind", m->host_kind, sizeof(m->host_kind), err,
			   errlen)) ||
	    !(mem = field(root, "", "memory", json_type_object, err, errlen)) ||
	    (ret = known_keys(mem, "memory.", mem_keys, err, errlen)) ||
	    (ret = get_str(mem, "memory.", "file", memfile, sizeof(memfile), err, errlen)) ||
	    (ret = get_u64(mem, "memory.", "size", CLI_MAX_MEM, &m->mem_size, err, errlen)) ||
	    (ret = get_u64(root, "", "vcpus", CLI_MAX_CPUS, &ncpus, err, errlen)) ||
	    (ret = get_bool(root, "", "irqchip", &m->irqchip, err, errlen)) ||
	    (ret = get_bool(root, "", "pit", &m->pit, err, errlen)) ||
	    (ret = get_bool(root, "", "linux", &m->linux_guest, err, errlen)) ||
	    (ret = get_bool(root, "", "linux_booted", &m->linux_booted, err, errlen)) ||
	    !(dev = field(root, "", "devices", json_type_object, err, errlen)) ||
	    (ret = parse_devices(dev, m, err, errlen)) ||
	    !(files = field(root, "", "files", json_type_array, err, errlen)) ||
	    (ret = parse_files(files, m, err, errlen)))
		return ret ? ret : -EPROTO;
	if (strcmp(memfile, SNAPSHOT_MEMORY))
		return errbuf_set(err, errlen, -EPROTO, "memory.file is '%s', not '%s'", memfile,
				  SNAPSHOT_MEMORY);
	if (ncpus == 0 || m->mem_size == 0 || (m->mem_size & 0xfff))
		return errbuf_set(err, errlen, -EPROTO,
				  "vcpus or memory.size is 0, or memory.size is not whole pages");
	m->ncpus = (unsigned int)ncpus;
	return 0;
}

/* Only JSON whitespace in text[0..len) (not NUL-terminated). */
static bool only_space(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!strchr(" \t\r\n", text[i]) || !text[i])
			return false;
	return true;
}

int snapshot_manifest_parse(const char *text, size_t len, struct snapshot_manifest *m, char *err,
			    size_t errlen)
{
	memset(m, 0, sizeof(*m));
	if (len > SNAPSHOT_MANIFEST_MAX_BYTES || len > INT32_MAX)
		return errbuf_set(err, errlen, -EFBIG, "larger than %u bytes",
				  SNAPSHOT_MANIFEST_MAX_BYTES);
	json_tokener *tok = json_tokener_new_ex(16); /* nesting: the format needs 4 */
	if (!tok)
		return errbuf_set(err, errlen, -ENOMEM, "out of memory");
	json_object *root = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	int ret;
	if (!root || jerr != json_tokener_success)
		ret = errbuf_set(err, errlen, -EPROTO, "not JSON: %s",
				 jerr == json_tokener_continue ? "it ends too soon"
							       : json_tokener_error_desc(jerr));
	else if (!only_space(text + json_tokener_get_parse_end(tok),
			     len - json_tokener_get_parse_end(tok)))
		ret = errbuf_set(err, errlen, -EPROTO, "not JSON: bytes after the object");
	else
		ret = parse_root(root, m, err, errlen);
	json_object_put(root);
	json_tokener_free(tok);
	return ret;
}

int snapshot_manifest_read(int dirfd, struct snapshot_manifest *m, char *err, size_t errlen)
{
	uint8_t *buf;
	size_t size;
	uint32_t crc;
	int ret = snapshot_files_read(dirfd, SNAPSHOT_MANIFEST, SNAPSHOT_MANIFEST_MAX_BYTES, &buf,
				      &size, &crc, err, errlen);
	if (ret)
		return ret;
	ret = snapshot_manifest_parse((const char *)buf, size, m, err, errlen);
	free(buf);
	return ret;
}
