// SPDX-License-Identifier: MIT
/*
 * A minimal 8042 keyboard controller (commands as in the IBM PC/AT Technical
 * Reference, "Keyboard Controller", and the PS/2 extensions that Linux's
 * drivers/input/serio/i8042.h names I8042_CMD_*).
 *
 * Who uses what:
 *  - arch/x86/kernel/reboot.c, BOOT_KBD (reboot=k, and the fallback after
 *    ACPI): kb_wait() polls status until IBF (bit 1) is clear, then writes
 *    0xFE to port 0x64, ten times. 0xFE pulses output-port bit 0, the CPU
 *    reset line: we call on_reset.
 *  - drivers/input/serio/i8042.c, i8042_probe(): i8042_flush() reads data
 *    while status OBF is set (an always-full controller counts as absent);
 *    i8042_controller_init() reads the CTR with 0x20 until two reads agree,
 *    then writes it back with 0x60; i8042_controller_selftest() (0xAA, expects
 *    0x55) when i8042.reset is given; i8042_check_aux() sends 0xD3 (must come
 *    back with status AUXDATA), 0xA7/0xA8 (must toggle CTR bit 5), then waits
 *    up to 250 ms for IRQ 12, which we never raise, and gives up on the aux
 *    port; the keyboard port is registered and atkbd's commands to the
 *    (absent) keyboard time out quietly. i8042.noaux skips the 250 ms.
 *  - arch/x86/boot/a20.c (real-mode setup code, not used by a 64-bit boot)
 *    writes the output port with 0xD1.
 * Any byte the controller returns is answered at once: status IBF is never
 * set, because we process every write before the vCPU resumes.
 */
#include <string.h>

#include "kvmini/device_state.h"
#include "kvmini/i8042.h"

/* Status register, port 0x64 read. */
#define STR_OBF	    0x01 /* output buffer full: port 0x60 has a byte */
#define STR_IBF	    0x02 /* input buffer full: never, we are instant */
#define STR_SYS	    0x04 /* system flag, a copy of CTR bit 2 */
#define STR_CMDDAT  0x08 /* last write was a command (port 0x64) */
#define STR_KEYLOCK 0x10 /* 1: keyboard not inhibited by the key lock */
#define STR_AUXDATA 0x20 /* the output byte came from the aux (mouse) port */

/* Controller configuration byte (CTR). */
#define CTR_KBDINT 0x01
#define CTR_SYS	   0x04
#define CTR_KBDDIS 0x10
#define CTR_AUXDIS 0x20
#define CTR_XLATE  0x40

/* Commands, port 0x64 write. */
#define CMD_READ_CTR	   0x20
#define CMD_WRITE_CTR	   0x60 /* parameter: the new CTR */
#define CMD_AUX_DISABLE	   0xa7
#define CMD_AUX_ENABLE	   0xa8
#define CMD_AUX_TEST	   0xa9 /* returns 0x00: interface OK */
#define CMD_SELF_TEST	   0xaa /* returns 0x55: controller OK */
#define CMD_KBD_TEST	   0xab /* returns 0x00: interface OK */
#define CMD_KBD_DISABLE	   0xad
#define CMD_KBD_ENABLE	   0xae
#define CMD_READ_OUTPORT   0xd0
#define CMD_WRITE_OUTPORT  0xd1 /* parameter: the output port; bit 0 clear = reset */
#define CMD_WRITE_KBD_OBUF 0xd2 /* parameter: returned as if from the keyboard */
#define CMD_WRITE_AUX_OBUF 0xd3 /* parameter: returned as if from the mouse */
#define CMD_WRITE_AUX	   0xd4 /* parameter: sent to the mouse (there is none) */
#define CMD_PULSE_OUTPORT  0xf0 /* 0xf0-0xff: pulse output-port bits 0-3 that are 0 */

#define OUTPORT_RESET 0x01 /* active low: 0 holds the CPU in reset */
#define OUTPORT_A20   0x02

#define SELF_TEST_OK	  0x55
#define INTERFACE_TEST_OK 0x00

/* Put a byte in the output buffer; a byte nobody read is overwritten. */
static void i8042_output(struct i8042 *c, uint8_t byte, bool aux)
{
	c->out_byte = byte;
	c->out_full = true;
	c->out_aux = aux;
}

static void i8042_reset_system(struct i8042 *c)
{
	if (c->on_reset)
		c->on_reset(c->opaque);
}

static void i8042_command(struct i8042 *c, uint8_t cmd)
{
	c->pending_cmd = 0;
	switch (cmd) {
	case CMD_READ_CTR:
		i8042_output(c, c->ctr, false);
		break;
	case CMD_WRITE_CTR:
	case CMD_WRITE_OUTPORT:
	case CMD_WRITE_KBD_OBUF:
	case CMD_WRITE_AUX_OBUF:
	case CMD_WRITE_AUX:
		c->pending_cmd = cmd; /* completed by the next write to port 0x60 */
		break;
	case CMD_AUX_DISABLE:
		c->ctr |= CTR_AUXDIS;
		break;
	case CMD_AUX_ENABLE:
		c->ctr &= ~CTR_AUXDIS;
		break;
	case CMD_AUX_TEST:
	case CMD_KBD_TEST:
		i8042_output(c, INTERFACE_TEST_OK, false);
		break;
	case CMD_SELF_TEST:
		i8042_output(c, SELF_TEST_OK, false);
		break;
	case CMD_KBD_DISABLE:
		c->ctr |= CTR_KBDDIS;
		break;
	case CMD_KBD_ENABLE:
		c->ctr &= ~CTR_KBDDIS;
		break;
	case CMD_READ_OUTPORT:
		i8042_output(c, c->output_port, false);
		break;
	default:
		/*
		 * 0xf0-0xff pulse low, for about 6 us, the output-port bits
		 * 0-3 whose bit in the command is 0. Bit 0 is the reset line,
		 * so 0xfe ("pulse bit 0") resets the system.
		 */
		if (cmd >= CMD_PULSE_OUTPORT && !(cmd & OUTPORT_RESET))
			i8042_reset_system(c);
		/* Other commands (RAM access, vendor extensions) are ignored. */
		break;
	}
}

/* A write to port 0x60: the parameter of a pending command, or a byte for the keyboard. */
static void i8042_data_write(struct i8042 *c, uint8_t value)
{
	uint8_t cmd = c->pending_cmd;

	c->pending_cmd = 0;
	switch (cmd) {
	case CMD_WRITE_CTR:
		c->ctr = value;
		break;
	case CMD_WRITE_OUTPORT:
		c->output_port = value;
		if (!(value & OUTPORT_RESET))
			i8042_reset_system(c);
		break;
	case CMD_WRITE_KBD_OBUF:
		i8042_output(c, value, false);
		break;
	case CMD_WRITE_AUX_OBUF:
		i8042_output(c, value, true);
		break;
	default:
		/*
		 * CMD_WRITE_AUX, or no command: the byte goes to the mouse or
		 * the keyboard. Neither is attached, so nothing answers and the
		 * guest's driver times out (Linux's atkbd/psmouse do so quietly).
		 */
		break;
	}
}

static uint8_t i8042_status(const struct i8042 *c)
{
	uint8_t status = STR_KEYLOCK;

	if (c->out_full)
		status |= STR_OBF | (c->out_aux ? STR_AUXDATA : 0);
	if (c->ctr & CTR_SYS)
		status |= STR_SYS;
	if (c->last_was_cmd)
		status |= STR_CMDDAT;
	return status;
}

/* Port 0x60. A 1-port device: the bus only passes offset 0; wider accesses repeat the byte. */
static void i8042_data_read_cb(struct device *dev, uint64_t offset, uint8_t *data, uint32_t len)
{
	struct i8042 *c = dev->priv;

	(void)offset;
	pthread_mutex_lock(&c->lock);
	c->out_full = false; /* the byte stays readable, as on the chip */
	memset(data, c->out_byte, len);
	pthread_mutex_unlock(&c->lock);
}

/*
 * A guest write to port 0x60 (to_cmd false) or 0x64: only its first byte
 * counts, and the status register's CMD/DATA bit remembers which port it was.
 */
static void i8042_port_write(struct device *dev, const uint8_t *data, uint32_t len, bool to_cmd)
{
	struct i8042 *c = dev->priv;

	if (len == 0)
		return;
	pthread_mutex_lock(&c->lock);
	c->last_was_cmd = to_cmd;
	if (to_cmd)
		i8042_command(c, data[0]);
	else
		i8042_data_write(c, data[0]);
	pthread_mutex_unlock(&c->lock);
}

static void i8042_data_write_cb(struct device *dev, uint64_t offset, const uint8_t *data,
				uint32_t len)
{
	(void)offset;
	i8042_port_write(dev, data, len, false);
}

/* Port 0x64. */
static void i8042_cmd_read_cb(struct device *dev, uint64_t offset, uint8_t *data, uint32_t len)
{
	struct i8042 *c = dev->priv;

	(void)offset;
	pthread_mutex_lock(&c->lock);
	memset(data, i8042_status(c), len);
	pthread_mutex_unlock(&c->lock);
}

static void i8042_cmd_write_cb(struct device *dev, uint64_t offset, const uint8_t *data,
			       uint32_t len)
{
	(void)offset;
	i8042_port_write(dev, data, len, true);
}

static const struct device_ops i8042_data_ops = {
	.read = i8042_data_read_cb,
	.write = i8042_data_write_cb,
};

static const struct device_ops i8042_cmd_ops = {
	.read = i8042_cmd_read_cb,
	.write = i8042_cmd_write_cb,
};

int i8042_init(struct i8042 *c, i8042_reset_fn on_reset, void *opaque)
{
	memset(c, 0, sizeof(*c));
	device_init(&c->data, "i8042-data", 1, &i8042_data_ops, c);
	device_init(&c->cmd, "i8042-cmd", 1, &i8042_cmd_ops, c);
	pthread_mutex_init(&c->lock, NULL);
	c->on_reset = on_reset;
	c->opaque = opaque;
	/* As a BIOS leaves it: keyboard interrupt on, POST passed, scancode translation. */
	c->ctr = CTR_KBDINT | CTR_SYS | CTR_XLATE;
	c->output_port = OUTPORT_RESET | OUTPORT_A20;
	return 0;
}

/* ---- state (kvmini/device_state.h) ---------------------------------------- */

#define I8042_STATE_VERSION 1

int i8042_save(struct i8042 *c, struct state_writer *w)
{
	pthread_mutex_lock(&c->lock);
	state_begin(w, STATE_KIND_I8042, I8042_STATE_VERSION);
	state_put_u8(w, c->ctr);
	state_put_u8(w, c->output_port);
	state_put_u8(w, c->out_byte);
	state_put_bool(w, c->out_full);
	state_put_bool(w, c->out_aux);
	state_put_bool(w, c->last_was_cmd);
	state_put_u8(w, c->pending_cmd);
	int err = state_end(w);
	pthread_mutex_unlock(&c->lock);
	return err;
}

/* The commands i8042_command() leaves waiting for a parameter byte. */
static bool i8042_takes_parameter(uint8_t cmd)
{
	return cmd == CMD_WRITE_CTR || cmd == CMD_WRITE_OUTPORT || cmd == CMD_WRITE_KBD_OBUF ||
	       cmd == CMD_WRITE_AUX_OBUF || cmd == CMD_WRITE_AUX;
}

int i8042_load(struct i8042 *c, struct state_reader *r)
{
	uint32_t version;
	int err = state_open(r, c->cmd.name, STATE_KIND_I8042, I8042_STATE_VERSION, &version);

	if (err)
		return err;
	uint8_t ctr = state_get_u8(r);
	uint8_t output_port = state_get_u8(r);
	uint8_t out_byte = state_get_u8(r);
	bool out_full = state_get_bool(r);
	bool out_aux = state_get_bool(r);
	bool last_was_cmd = state_get_bool(r);
	uint8_t pending_cmd = state_get_u8(r);
	err = state_close(r);
	if (err)
		return err;
	if (pending_cmd != 0 && !i8042_takes_parameter(pending_cmd))
		return state_invalid(r, "command %#x cannot be waiting for a parameter",
				     pending_cmd);

	pthread_mutex_lock(&c->lock);
	c->ctr = ctr;
	c->output_port = output_port;
	c->out_byte = out_byte;
	c->out_full = out_full;
	c->out_aux = out_aux;
	c->last_was_cmd = last_was_cmd;
	c->pending_cmd = pending_cmd;
	pthread_mutex_unlock(&c->lock);
	return 0;
}
