/* SPDX-License-Identifier: MIT */
/*
 * The control socket of a real VM (docs/control.md): where it goes
 * (--control PATH, or --name NAME in the runtime directory), and the
 * struct control_ops that answer its commands from struct vm.
 *
 *   status    state, vCPUs, memory, the board's devices, uptime, exit counts
 *   pause     vcpus_pause() (kvm/vcpu_pause.h): every vCPU parked outside KVM_RUN
 *   resume    vcpus_resume()
 *   snapshot  snapshot_take() (host/snapshot.h), through c->snapshot; under
 *             the seccomp filter too, whose program for a VM with a control
 *             socket has the snapshot writer's calls (host/seccomp.h)
 *   stop      vm_request_stop(KVMINI_STATUS_OK): the normal teardown follows
 *             (disks flushed, console drained); the guest is not asked first
 *   kill      vm_request_stop(KVMINI_STATUS_KILLED)
 */
#ifndef KVMINI_CONTROL_VM_H
#define KVMINI_CONTROL_VM_H

#include <stdbool.h>

#include "host/control_server.h"

struct vm;
struct vm_config;

/* A VM's control socket and what its ops need (main.c owns it). */
struct control_vm {
	struct control_server srv;
	struct vm *vm;
	const char *name; /* --name, or NULL */
	/*
	 * Writes a snapshot of vm into dir on the I/O thread, 0 or -errno
	 * with the cause logged: snapshot_take(), which control_vm_open()
	 * sets (a test may put its own). NULL: "snapshot support is not
	 * built in".
	 */
	int (*snapshot)(struct vm *vm, const char *dir);
};

/* The ops control_vm_start() serves with; opaque is the struct control_vm. */
extern const struct control_ops control_vm_ops;

/*
 * Open cfg's control socket for vm in c, if cfg asks for one (--control
 * PATH, or --name NAME: RUNTIME_DIR/NAME.sock, the directory made 0700 if
 * missing). A live VM on the same socket is refused, a stale socket
 * replaced (control_server_open()). Call at step 0, before any thread. 0
 * (also when there is no socket) or -errno, with the message logged.
 */
int control_vm_open(struct control_vm *c, struct vm *vm, const struct vm_config *cfg);

/* Serve the socket on vm's event loop, if there is one. 0 or -errno. */
int control_vm_start(struct control_vm *c);

/*
 * Remove the socket and close it and its clients (control_server_close()).
 * Safe on every path, also when control_vm_open() failed or was not called
 * after control_server_init(&c->srv).
 */
void control_vm_close(struct control_vm *c);

#endif /* KVMINI_CONTROL_VM_H */
