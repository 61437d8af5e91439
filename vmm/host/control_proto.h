/* SPDX-License-Identifier: MIT */
/*
 * The control protocol (docs/control.md): one JSON object per line each way.
 * A request is {"cmd":"status"} (or pause, resume, stop, kill) or
 * {"cmd":"snapshot","dir":"DIR"}; the reply is {"ok":true,...} or
 * {"ok":false,"error":"..."}. This module only parses a request, checks
 * every field's type, calls the matching struct control_ops callback and
 * builds the reply: no sockets (control_server.c), no VM (control_vm.c), so
 * it is unit-tested with a fake ops table.
 */
#ifndef KVMINI_CONTROL_PROTO_H
#define KVMINI_CONTROL_PROTO_H

#include <json-c/json.h>
#include <stddef.h>

/* The longest request line, newline included; a longer one is refused. */
#define CONTROL_PROTO_MAX_REQUEST 4096

/*
 * What a VM (or a test's fake) does for each command. opaque is the
 * pointer given to control_server_start(). Each callback returns 0, or
 * -errno with a one-line reason for the client in err (errlen bytes; an
 * empty err gets strerror's text). They run on the I/O thread, one at a
 * time, and must not block for long: the loop serves everything else.
 */
struct control_ops {
	/*
	 * Add the VM's state to reply, an object that already holds "ok":
	 * "state" ("running", "paused", "stopping"), "vcpus", "memory_bytes",
	 * "uptime_ms", "devices", "exits", ... (docs/control.md).
	 */
	int (*status)(void *opaque, struct json_object *reply, char *err, size_t errlen);
	int (*pause)(void *opaque, char *err, size_t errlen);
	int (*resume)(void *opaque, char *err, size_t errlen);
	/* Write a snapshot of the VM into the directory dir (a non-empty string). */
	int (*snapshot)(void *opaque, const char *dir, char *err, size_t errlen);
	/* End the run cleanly (status 0, disks flushed by the teardown). */
	int (*stop)(void *opaque, char *err, size_t errlen);
	/* End the run at once with KVMINI_STATUS_KILLED. */
	int (*kill)(void *opaque, char *err, size_t errlen);
};

/*
 * Answer one request: line holds len bytes without the newline (any bytes,
 * NULs included; nothing is trusted). Returns the reply object, which the
 * caller owns (json_object_put()); NULL only when memory ran out. A
 * malformed request, a wrong type, an unknown command or field, and a
 * callback's failure all give {"ok":false,"error":"..."}.
 */
struct json_object *control_proto_handle(const struct control_ops *ops, void *opaque,
					 const char *line, size_t len);

/* {"ok":false,"error":msg}, or NULL when memory ran out. The caller owns it. */
struct json_object *control_proto_error(const char *msg);

/*
 * The reply as one line: plain JSON (json-c escapes every control
 * character, so the text holds no newline) plus "\n". Returns a malloc'ed
 * string and its length in *len, or NULL when memory ran out.
 */
char *control_proto_line(struct json_object *reply, size_t *len);

#endif /* KVMINI_CONTROL_PROTO_H */
