// SPDX-License-Identifier: MIT
/*
 * The control commands for a real VM (control_vm.h). They run on the I/O
 * thread, like every other event, so the board and the VM are read here
 * without locks except what vCPU threads update (exit counts: atomics).
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "abi/kvmini_abi.h"
#include "board/board.h"
#include "config.h"
#include "errbuf.h"
#include "host/control_client.h"
#include "host/control_vm.h"
#include "host/snapshot.h"
#include "kvm/vcpu_exit.h"
#include "kvm/vcpu_pause.h"
#include "kvm/vm.h"
#include "kvmini/log.h"

/* json_object_object_add() with the value made here; false when memory ran out. */
static bool add(struct json_object *obj, const char *key, struct json_object *val)
{
	if (val && json_object_object_add(obj, key, val) == 0)
		return true;
	json_object_put(val);
	return false;
}

static const char *vm_state(struct vm *vm)
{
	if (vm_stopping(vm))
		return "stopping";
	return vcpus_paused(vm) ? "paused" : "running";
}

/* One array entry per claimed range of one address space ("mmio" or "pio"). */
static bool add_ranges(struct json_object *list, const struct resource_range *r, unsigned int n,
		       const char *space)
{
	char base[24];

	for (unsigned int i = 0; i < n; i++) {
		struct json_object *dev = json_object_new_object();
		snprintf(base, sizeof(base), "0x%llx", (unsigned long long)r[i].base);
		if (!dev || !add(dev, "name", json_object_new_string(r[i].owner)) ||
		    !add(dev, "space", json_object_new_string(space)) ||
		    !add(dev, "base", json_object_new_string(base)) ||
		    !add(dev, "size", json_object_new_int64((int64_t)r[i].size)) ||
		    json_object_array_add(list, dev)) {
			json_object_put(dev);
			return false;
		}
	}
	return true;
}

/* {"io": 12, "hlt": 1, ...}: every reason seen so far, by vcpu_exit_name(). */
static struct json_object *exit_counts(struct vm *vm)
{
	struct json_object *exits = json_object_new_object();

	for (int i = 0; exits && i < VM_EXIT_REASONS; i++) {
		uint64_t n = __atomic_load_n(&vm->exit_counts[i], __ATOMIC_RELAXED);
		if (n &&
		    !add(exits, vcpu_exit_name((uint32_t)i), json_object_new_int64((int64_t)n))) {
			json_object_put(exits);
			return NULL;
		}
	}
	return exits;
}

static int vm_status(void *opaque, struct json_object *reply, char *err, size_t errlen)
{
	struct control_vm *c = opaque;
	struct vm *vm = c->vm;
	struct json_object *devices = json_object_new_array();
	bool ok = devices != NULL;

	if (ok && vm->board) {
		const struct resources *res = &vm->board->res;
		ok = add_ranges(devices, res->pio, res->npio, "pio") &&
		     add_ranges(devices, res->mmio, res->nmmio, "mmio");
	}
	if (!ok) {
		json_object_put(devices);
		return errbuf_set(err, errlen, -ENOMEM, "out of memory");
	}
	/* add() owns what it is given, added or not: devices first, so it is never leaked. */
	uint64_t uptime_ms = (vm_now_ns() - vm->start_ns) / 1000000;
	ok = add(reply, "devices", devices) &&
	     (!c->name || add(reply, "name", json_object_new_string(c->name))) &&
	     add(reply, "pid", json_object_new_int(getpid())) &&
	     add(reply, "state", json_object_new_string(vm_state(vm))) &&
	     add(reply, "vcpus", json_object_new_int((int)vm->ncpus)) &&
	     add(reply, "memory_bytes", json_object_new_int64((int64_t)vm->mem.size)) &&
	     add(reply, "uptime_ms", json_object_new_int64((int64_t)uptime_ms)) &&
	     add(reply, "exits", exit_counts(vm)) &&
	     add(reply, "version", json_object_new_string(KVMINI_VERSION));
	if (!ok)
		return errbuf_set(err, errlen, -ENOMEM, "out of memory");
	return 0;
}

static int vm_pause(void *opaque, char *err, size_t errlen)
{
	struct control_vm *c = opaque;
	int ret = vcpus_pause(c->vm);

	if (ret == -ECANCELED)
		return errbuf_set(err, errlen, ret, "the VM is stopping");
	if (ret == -ETIMEDOUT)
		return errbuf_set(err, errlen, ret,
				  "the vCPUs did not pause in time; still running");
	return ret;
}

static int vm_resume(void *opaque, char *err, size_t errlen)
{
	struct control_vm *c = opaque;

	(void)err;
	(void)errlen;
	vcpus_resume(c->vm);
	return 0;
}

static int vm_snapshot(void *opaque, const char *dir, char *err, size_t errlen)
{
	struct control_vm *c = opaque;

	if (!c->snapshot)
		return errbuf_set(err, errlen, -ENOTSUP, "snapshot support is not built in");
	/*
	 * Under the filter too: a VM with a control socket runs under a
	 * program with the snapshot writer's calls (config_needs_snapshot_calls()).
	 */
	int ret = c->snapshot(c->vm, dir);
	if (ret)
		return errbuf_set(err, errlen, ret, "snapshot into '%.200s' failed: %s", dir,
				  strerror(-ret));
	return 0;
}

/* End the run with status, saying on stderr who ended it (as a signal stop does). */
static int end_run(struct control_vm *c, int status, const char *cmd, char *err, size_t errlen)
{
	if (vm_stopping(c->vm))
		return errbuf_set(err, errlen, -EALREADY, "the VM is already stopping");
	log_error("stopped by `kvmini ctl %s`", cmd);
	vm_request_stop(c->vm, status);
	return 0;
}

static int vm_stop(void *opaque, char *err, size_t errlen)
{
	return end_run(opaque, KVMINI_STATUS_OK, "stop", err, errlen);
}

static int vm_kill(void *opaque, char *err, size_t errlen)
{
	return end_run(opaque, KVMINI_STATUS_KILLED, "kill", err, errlen);
}

const struct control_ops control_vm_ops = {
	.status = vm_status,
	.pause = vm_pause,
	.resume = vm_resume,
	.snapshot = vm_snapshot,
	.stop = vm_stop,
	.kill = vm_kill,
};

int control_vm_open(struct control_vm *c, struct vm *vm, const struct vm_config *cfg)
{
	char path[108], dir[108], err[512];
	int ret = 0;

	control_server_init(&c->srv);
	c->vm = vm;
	c->name = cfg->name;
	c->snapshot = snapshot_take;
	if (cfg->control_path) {
		snprintf(path, sizeof(path), "%s",
			 cfg->control_path); /* cli.c checked the length */
	} else if (cfg->name) {
		if ((ret = control_name_path(cfg->name, path, sizeof(path), err, sizeof(err))))
			goto fail;
		snprintf(dir, sizeof(dir), "%s", path);
		if ((ret = control_runtime_dir_make(dirname(dir), err, sizeof(err))))
			goto fail;
	} else {
		return 0;
	}
	if ((ret = control_server_open(&c->srv, path, err, sizeof(err))))
		goto fail;
	log_info("control socket: %s", path);
	return 0;
fail:
	log_error("%s (%s)", err, cfg->control_path ? "--control" : "--name");
	return ret;
}

int control_vm_start(struct control_vm *c)
{
	if (c->srv.listen_fd < 0)
		return 0;
	return control_server_start(&c->srv, &c->vm->loop, &control_vm_ops, c);
}

void control_vm_close(struct control_vm *c)
{
	control_server_close(&c->srv);
}
