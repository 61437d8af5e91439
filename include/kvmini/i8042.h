/* SPDX-License-Identifier: MIT */
/*
 * A minimal i8042 PS/2 keyboard controller, with no keyboard or mouse
 * attached and no interrupts. It exists for two reasons:
 *  - the CPU reset line: a PC reboots by asking the keyboard controller to
 *    pulse it (command 0xFE on port 0x64), which is how Linux's
 *    reboot=k (BOOT_KBD) ends a run;
 *  - Linux's i8042 driver, if built in, probes the controller; it must get
 *    quick, sane answers rather than wait for timeouts.
 *
 * The two ports are not contiguous, so the controller is two devices of
 * one port each: data at KVMINI_I8042_DATA_PORT (0x60) and command/status
 * at KVMINI_I8042_CMD_PORT (0x64), both on the port-I/O bus.
 */
#ifndef KVMINI_I8042_H
#define KVMINI_I8042_H

#include <stdbool.h>
#include <stdint.h>

#include "kvmini/device.h"

/* The guest asked the controller to reset the system. */
typedef void (*i8042_reset_fn)(void *opaque);

struct i8042 {
	struct device data; /* port 0x60: output buffer (R), command parameter (W) */
	struct device cmd;  /* port 0x64: status (R), command (W) */
	/*
	 * Both devices share the state below. The bus holds only the lock of
	 * the device being accessed, so this one guards the shared state
	 * (taken after dev->lock, never before).
	 */
	pthread_mutex_t lock;

	i8042_reset_fn on_reset;
	void *opaque;

	uint8_t ctr;	     /* controller configuration byte ("command byte") */
	uint8_t output_port; /* bit 0: reset line (0 = asserted), bit 1: A20 gate */
	uint8_t out_byte;    /* output buffer */
	bool out_full;	     /* status OBF */
	bool out_aux;	     /* status AUXDATA: out_byte came from the aux port */
	bool last_was_cmd;   /* status CMD/DATA: the last write went to port 0x64 */
	uint8_t pending_cmd; /* command waiting for its parameter on port 0x60, or 0 */
};

/*
 * Fill in c and its two devices; the caller sets c->data.base and
 * c->cmd.base and registers both. on_reset (may be NULL) is called when the
 * guest resets the system: command 0xFE (or any 0xF0-0xFF command that
 * pulses output-port bit 0), or command 0xD1 writing an output port value
 * with bit 0 clear. It runs on a vCPU thread with the controller's locks
 * held and may be called several times (Linux writes 0xFE ten times).
 * Returns 0 (it cannot fail today; it returns int like every setup step).
 */
int i8042_init(struct i8042 *c, i8042_reset_fn on_reset, void *opaque);

struct state_writer;
struct state_reader;

/*
 * Save the controller's state (CTR, output port, output buffer, status
 * bits, a command waiting for its parameter) as one STATE_KIND_I8042 blob
 * (kvmini/device_state.h). Takes c->lock. 0 or the writer's -errno.
 */
int i8042_save(struct i8042 *c, struct state_writer *w);

/*
 * Load a blob written by i8042_save() into an i8042_init()ed controller,
 * keeping its on_reset callback. Never calls on_reset: a saved output port
 * with the reset line low only says the guest had asked for a reset. On
 * error (-EPROTO, -EINVAL, logged) c is unchanged. Takes c->lock.
 */
int i8042_load(struct i8042 *c, struct state_reader *r);

#endif /* KVMINI_I8042_H */
