/* SPDX-License-Identifier: MIT */
/*
 * The client side of the control socket (docs/control.md), for `kvmini ctl`
 * and `kvmini list` (vmm/ctl.c), and for the server's check that nobody
 * listens on a socket file it is about to replace. Also where named VMs'
 * sockets live: the runtime directory.
 */
#ifndef KVMINI_CONTROL_CLIENT_H
#define KVMINI_CONTROL_CLIENT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#define CONTROL_CLIENT_MAX_REPLY (64 * 1024) /* a longer reply line is refused */
#define CONTROL_NAME_MAX	 64

/*
 * The directory of named VMs' sockets: $KVMINI_RUNTIME_DIR if set and not
 * empty; else /run/kvmini for root; else $XDG_RUNTIME_DIR/kvmini when that
 * is set (a user cannot create /run/kvmini); else /run/kvmini. 0, or
 * -ENAMETOOLONG if it does not fit in len bytes.
 */
int control_runtime_dir(char *buf, size_t len);

/*
 * Is name usable as a VM name: 1 to CONTROL_NAME_MAX characters from
 * [A-Za-z0-9._-], not starting with '.' (so never "." or ".." or a
 * hidden file)?
 */
bool control_name_valid(const char *name);

/*
 * The socket path of VM name: DIR/NAME.sock in control_runtime_dir(). 0,
 * or -EINVAL (a bad name) or -ENAMETOOLONG (longer than a Unix socket
 * path can be), with the reason in err.
 */
int control_name_path(const char *name, char *buf, size_t len, char *err, size_t errlen);

/*
 * Create the runtime directory dir (mode 0700) if it is missing; refuse one
 * that is not a directory of ours, or that group or others may write to
 * (they could replace a socket in it). 0, or -errno with the reason in err.
 */
int control_runtime_dir_make(const char *dir, char *err, size_t errlen);

/*
 * Connect to the control socket at path, waiting at most timeout_ms when the
 * server's backlog is full. Returns a non-blocking, close-on-exec fd, or
 * -errno: -ENOENT (no such file), -ECONNREFUSED (a socket file nobody
 * listens on: a stale one), -ETIMEDOUT, ...
 */
int control_client_connect(const char *path, int timeout_ms);

/*
 * Send one request (an object; the line's newline is added) to the socket
 * at path and wait at most timeout_ms in all for the one-line reply, parsed
 * into *reply (the caller owns it). It is not checked beyond being a JSON
 * object. 0, or -errno with a one-line reason in err (-ETIMEDOUT when the
 * peer does not answer in time, -EPROTO for a reply that is not a JSON
 * object line or is too long).
 */
int control_client_request(const char *path, struct json_object *request, int timeout_ms,
			   struct json_object **reply, char *err, size_t errlen);

#endif /* KVMINI_CONTROL_CLIENT_H */
