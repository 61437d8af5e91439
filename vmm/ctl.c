// SPDX-License-Identifier: MIT
/* `kvmini ctl` and `kvmini list` (ctl.h): one request per VM, with a deadline. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "abi/kvmini_abi.h"
#include "ctl.h"
#include "host/control_client.h"
#include "kvmini/log.h"

/* The line printed for a command that went well (status prints the JSON). */
static const struct {
	const char *cmd;
	const char *done;
} done_lines[] = {
	{"pause", "paused"}, {"resume", "running"}, {"stop", "stopping"},
	{"kill", "killed"},  {"snapshot", NULL},
};

/* {"cmd": cmd} plus {"dir": arg} for snapshot; NULL when memory ran out. */
static struct json_object *make_request(const char *cmd, const char *arg)
{
	struct json_object *req = json_object_new_object();

	if (req && json_object_object_add(req, "cmd", json_object_new_string(cmd)))
		goto fail;
	if (req && arg && json_object_object_add(req, "dir", json_object_new_string(arg)))
		goto fail;
	return req;
fail:
	json_object_put(req);
	return NULL;
}

/* The string field key of obj, or NULL if it has none. */
static const char *get_string(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool reply_ok(struct json_object *reply)
{
	struct json_object *ok;

	return json_object_object_get_ex(reply, "ok", &ok) &&
	       json_object_is_type(ok, json_type_boolean) && json_object_get_boolean(ok);
}

/* Ask the socket at path; 0 with *reply, or -errno with the message logged. */
static int ask(const char *path, const char *what, const char *cmd, const char *arg, int timeout_ms,
	       struct json_object **reply)
{
	char err[512];
	struct json_object *req = make_request(cmd, arg);

	if (!req) {
		log_error("ctl %s: out of memory", what);
		return -ENOMEM;
	}
	int ret = control_client_request(path, req, timeout_ms, reply, err, sizeof(err));
	json_object_put(req);
	if (ret && strchr(what, '/'))
		log_error("ctl: %s", err); /* err names the path already */
	else if (ret)
		log_error("ctl %s: %s", what, err);
	return ret;
}

int ctl_command(const struct vm_config *cfg, FILE *out)
{
	char path[108], err[512];
	const char *target = cfg->ctl_target;
	struct json_object *reply = NULL;

	if (strchr(target, '/')) {
		snprintf(path, sizeof(path), "%s", target);
	} else if (control_name_path(target, path, sizeof(path), err, sizeof(err))) {
		log_error("ctl: %s", err);
		return KVMINI_STATUS_SETUP_ERROR;
	}
	if (ask(path, target, cfg->ctl_cmd, cfg->ctl_arg, CTL_TIMEOUT_MS, &reply))
		return KVMINI_STATUS_SETUP_ERROR;
	int status = KVMINI_STATUS_OK;
	if (!reply_ok(reply)) {
		const char *why = get_string(reply, "error");
		log_error("ctl %s %s: %s", target, cfg->ctl_cmd, why ? why : "failed (no reason)");
		status = KVMINI_STATUS_SETUP_ERROR;
	} else if (strcmp(cfg->ctl_cmd, "status") == 0) {
		fprintf(out, "%s\n",
			json_object_to_json_string_ext(
				reply, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		for (size_t i = 0; i < sizeof(done_lines) / sizeof(done_lines[0]); i++)
			if (strcmp(cfg->ctl_cmd, done_lines[i].cmd) == 0 && done_lines[i].done)
				fprintf(out, "%s\n", done_lines[i].done);
		if (cfg->ctl_arg)
			fprintf(out, "snapshot written to %s\n", cfg->ctl_arg);
	}
	json_object_put(reply);
	return status;
}

/* An integer field of reply printed as text ("-" if absent); mem in MiB. */
static void field(struct json_object *reply, const char *key, bool mib, char *buf, size_t len)
{
	struct json_object *v;

	if (!reply || !json_object_object_get_ex(reply, key, &v) ||
	    !json_object_is_type(v, json_type_int)) {
		snprintf(buf, len, "-");
		return;
	}
	long long n = (long long)json_object_get_int64(v);
	snprintf(buf, len, mib ? "%lldM" : "%lld", mib ? n >> 20 : n);
}

/* One row: ask the VM behind DIR/ENTRY for its status. */
static void list_one(FILE *out, const char *dir, const char *entry)
{
	char path[4400], name[256], pid[24], vcpus[24], mem[24], err[512];
	struct json_object *reply = NULL;
	struct json_object *req = make_request("status", NULL);
	const char *state;

	snprintf(name, sizeof(name), "%.*s", (int)(strlen(entry) - 5), entry); /* no ".sock" */
	snprintf(path, sizeof(path), "%s/%s", dir, entry);
	int ret = req ? control_client_request(path, req, LIST_TIMEOUT_MS, &reply, err, sizeof(err))
		      : -ENOMEM;
	json_object_put(req);
	if (ret == -ECONNREFUSED) {
		state = "stale"; /* a VM that died without removing it; the next --name reuses it */
	} else if (ret == -ETIMEDOUT) {
		state = "no-answer";
	} else if (ret || !reply_ok(reply) || !get_string(reply, "state")) {
		log_error("list: %s: %s", name, ret ? err : "no status in the reply");
		state = "error";
	} else {
		state = get_string(reply, "state");
	}
	field(reply, "pid", false, pid, sizeof(pid));
	field(reply, "vcpus", false, vcpus, sizeof(vcpus));
	field(reply, "memory_bytes", true, mem, sizeof(mem));
	fprintf(out, "%-20s %8s %-10s %5s %8s\n", name, pid, state, vcpus, mem);
	json_object_put(reply);
}

/* scandir filter: NAME.sock, NAME a valid VM name. */
static int is_sock_entry(const struct dirent *d)
{
	char name[CONTROL_NAME_MAX + 1];
	size_t n = strlen(d->d_name);

	if (n <= 5 || n - 5 > CONTROL_NAME_MAX || strcmp(d->d_name + n - 5, ".sock") != 0)
		return 0;
	snprintf(name, sizeof(name), "%.*s", (int)(n - 5), d->d_name);
	return control_name_valid(name);
}

int ctl_list(FILE *out)
{
	char dir[4096];
	struct dirent **entries;

	if (control_runtime_dir(dir, sizeof(dir))) {
		log_error("list: the runtime directory's name is too long");
		return KVMINI_STATUS_SETUP_ERROR;
	}
	int n = scandir(dir, &entries, is_sock_entry, alphasort);
	if (n < 0 && errno != ENOENT) {
		log_error("list: cannot read the runtime directory '%s': %s", dir, strerror(errno));
		return KVMINI_STATUS_SETUP_ERROR;
	}
	fprintf(out, "%-20s %8s %-10s %5s %8s\n", "NAME", "PID", "STATE", "VCPUS", "MEM");
	for (int i = 0; i < n; i++) {
		struct stat st;
		char path[4400];
		snprintf(path, sizeof(path), "%s/%s", dir, entries[i]->d_name);
		if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			list_one(out, dir, entries[i]->d_name);
		free(entries[i]);
	}
	if (n > 0)
		free(entries);
	return KVMINI_STATUS_OK;
}
