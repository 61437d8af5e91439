// SPDX-License-Identifier: MIT
/* The fake VM of the control socket's tests (control_fake.h). */
#include <errno.h>
#include <unistd.h>

#include "abi/kvmini_abi.h"
#include "control_fake.h"
#include "errbuf.h"

static int fake_status(void *opaque, struct json_object *reply, char *err, size_t errlen)
{
	struct control_fake *f = opaque;
	struct timespec now;
	struct json_object *devices = json_object_new_array();
	struct json_object *uart = json_object_new_object();
	struct json_object *exits = json_object_new_object();

	(void)err;
	(void)errlen;
	if (!f->start.tv_sec)
		clock_gettime(CLOCK_MONOTONIC, &f->start);
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long ms = (now.tv_sec - f->start.tv_sec) * 1000LL +
		       (now.tv_nsec - f->start.tv_nsec) / 1000000;
	json_object_object_add(uart, "name", json_object_new_string("serial"));
	json_object_object_add(uart, "space", json_object_new_string("pio"));
	json_object_object_add(uart, "base", json_object_new_string("0x3f8"));
	json_object_object_add(uart, "size", json_object_new_int(8));
	json_object_array_add(devices, uart);
	json_object_object_add(exits, "io", json_object_new_int64((int64_t)++f->statuses));
	json_object_object_add(reply, "devices", devices);
	if (f->name)
		json_object_object_add(reply, "name", json_object_new_string(f->name));
	json_object_object_add(reply, "pid", json_object_new_int(getpid()));
	json_object_object_add(reply, "state",
			       json_object_new_string(f->paused ? "paused" : "running"));
	json_object_object_add(reply, "vcpus", json_object_new_int(2));
	json_object_object_add(reply, "memory_bytes", json_object_new_int64(64 << 20));
	json_object_object_add(reply, "uptime_ms", json_object_new_int64(ms));
	json_object_object_add(reply, "exits", exits);
	return 0;
}

static int fake_pause(void *opaque, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	((struct control_fake *)opaque)->paused = true;
	return 0;
}

static int fake_resume(void *opaque, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	((struct control_fake *)opaque)->paused = false;
	return 0;
}

static int fake_snapshot(void *opaque, const char *dir, char *err, size_t errlen)
{
	(void)opaque;
	(void)dir;
	return errbuf_set(err, errlen, -ENOTSUP, "this fake VM writes no snapshots");
}

static int end(struct control_fake *f, int status, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	f->status = status;
	f->stops++;
	event_loop_stop(f->loop);
	return 0;
}

static int fake_stop(void *opaque, char *err, size_t errlen)
{
	return end(opaque, KVMINI_STATUS_OK, err, errlen);
}

static int fake_kill(void *opaque, char *err, size_t errlen)
{
	return end(opaque, KVMINI_STATUS_KILLED, err, errlen);
}

const struct control_ops control_fake_ops = {
	.status = fake_status,
	.pause = fake_pause,
	.resume = fake_resume,
	.snapshot = fake_snapshot,
	.stop = fake_stop,
	.kill = fake_kill,
};
