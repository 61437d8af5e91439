// SPDX-License-Identifier: MIT
/*
 * manifest.json's table of state files, and the manifest written with
 * json-c (snapshot_manifest.h). The layout is in docs/snapshot.md. Reading
 * it back, which trusts nothing, is snapshot_manifest_read.c.
 */
#include <errno.h>
#include <string.h>

#include <json-c/json.h>

#include "host/snapshot_files.h"
#include "host/snapshot_manifest.h"
#include "kvmini/device_state.h"

const char *const snapshot_manifest_console_names[CONSOLE_FILE + 1] = {
	[CONSOLE_NONE] = "none",
	[CONSOLE_STDIO] = "stdio",
	[CONSOLE_FILE] = "file",
};

static bool plain_name(const char *name)
{
	return name[0] && strlen(name) < SNAPSHOT_NAME_MAX && !strchr(name, '/') &&
	       strcmp(name, ".") && strcmp(name, "..");
}

int snapshot_manifest_add_file(struct snapshot_manifest *m, const char *name, uint64_t size,
			       uint32_t crc32)
{
	if (!plain_name(name))
		return -EINVAL;
	struct snapshot_file_entry *e =
		(struct snapshot_file_entry *)snapshot_manifest_file(m, name);
	if (!e) {
		if (m->nfiles >= SNAPSHOT_MAX_FILES)
			return -ENOSPC;
		e = &m->files[m->nfiles++];
		strcpy(e->name, name);
	}
	e->size = size;
	e->crc32 = crc32;
	return 0;
}

int snapshot_manifest_write_state(struct snapshot_manifest *m, int dirfd, const char *name,
				  uint32_t kind, struct state_writer *w)
{
	uint32_t crc;
	int ret = w->err;

	if (!ret)
		ret = snapshot_files_write_state(dirfd, name, kind, w->buf, w->len, &crc);
	if (!ret)
		ret = snapshot_manifest_add_file(m, name, SNAPSHOT_HEADER_SIZE + w->len, crc);
	state_writer_release(w);
	return ret;
}

const struct snapshot_file_entry *snapshot_manifest_file(const struct snapshot_manifest *m,
							 const char *name)
{
	for (unsigned int i = 0; i < m->nfiles; i++)
		if (strcmp(m->files[i].name, name) == 0)
			return &m->files[i];
	return NULL;
}

/* ---- writing ---------------------------------------------------------------- */

static void add(json_object *obj, const char *key, json_object *val)
{
	json_object_object_add(obj, key, val);
}

static json_object *devices_json(const struct snapshot_manifest *m)
{
	json_object *dev = json_object_new_object();
	json_object *con = json_object_new_object();
	add(con, "kind", json_object_new_string(snapshot_manifest_console_names[m->console]));
	if (m->console == CONSOLE_FILE)
		add(con, "path", json_object_new_string(m->console_path));
	add(dev, "console", con);
	add(dev, "rng", json_object_new_boolean(m->rng));

	json_object *disks = json_object_new_array();
	for (unsigned int i = 0; i < m->ndisks; i++) {
		json_object *d = json_object_new_object();
		add(d, "path", json_object_new_string(m->disks[i].path));
		add(d, "size", json_object_new_uint64(m->disks[i].size));
		add(d, "read_only", json_object_new_boolean(m->disks[i].read_only));
		json_object_array_add(disks, d);
	}
	add(dev, "disks", disks);

	json_object *vsock = NULL;
	if (m->vsock) {
		vsock = json_object_new_object();
		add(vsock, "cid", json_object_new_uint64(m->vsock_cid));
		add(vsock, "path", json_object_new_string(m->vsock_path));
	}
	add(dev, "vsock", vsock);
	return dev;
}

int snapshot_manifest_write(int dirfd, const struct snapshot_manifest *m)
{
	json_object *root = json_object_new_object();
	if (!root)
		return -ENOMEM;
	add(root, "format", json_object_new_string(SNAPSHOT_MANIFEST_FORMAT));
	add(root, "format_version", json_object_new_int(SNAPSHOT_FORMAT_VERSION));
	add(root, "kvmini_version", json_object_new_string(m->kvmini_version));
	add(root, "host_kind", json_object_new_string(m->host_kind));
	json_object *mem = json_object_new_object();
	add(mem, "file", json_object_new_string(SNAPSHOT_MEMORY));
	add(mem, "size", json_object_new_uint64(m->mem_size));
	add(root, "memory", mem);
	add(root, "vcpus", json_object_new_int((int)m->ncpus));
	add(root, "irqchip", json_object_new_boolean(m->irqchip));
	add(root, "pit", json_object_new_boolean(m->pit));
	add(root, "linux", json_object_new_boolean(m->linux_guest));
	add(root, "linux_booted", json_object_new_boolean(m->linux_booted));
	add(root, "devices", devices_json(m));
	json_object *files = json_object_new_array();
	for (unsigned int i = 0; i < m->nfiles; i++) {
		json_object *f = json_object_new_object();
		add(f, "name", json_object_new_string(m->files[i].name));
		add(f, "size", json_object_new_uint64(m->files[i].size));
		add(f, "crc32", json_object_new_uint64(m->files[i].crc32));
		json_object_array_add(files, f);
	}
	add(root, "files", files);

	size_t len;
	const char *text = json_object_to_json_string_length(
		root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	int ret = text ? snapshot_files_write_raw(dirfd, SNAPSHOT_MANIFEST, text, len) : -ENOMEM;
	json_object_put(root);
	return ret;
}
