// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the device-state loaders (include/kvmini/device_state.h):
 * a saved state is a file, so any bytes at all may reach a loader. For every
 * input, on a freshly created device:
 *   - a refused load must leave the device as it was (its save is unchanged);
 *   - an accepted load must be exact: saving again gives back the very bytes
 *     the loader consumed (so no field is dropped, clamped or half-checked);
 *   - the loaded device must then survive its guest interface: register
 *     accesses, and for virtio a notify on every queue with the rest of the
 *     input as guest RAM (AddressSanitizer and UBSan watch all of it).
 *
 * Input: u8 which model (modulo the count), then the state bytes; whatever
 * the loader leaves unread becomes guest RAM.
 *
 * Build and run by hand (from the repository root):
 *   clang -std=gnu11 -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
 *     -fno-sanitize-recover=undefined -Iinclude tests/fuzz/fuzz_state.c \
 *     $(find devices/core devices/pc devices/virtio -name '*.c') \
 *     devices/backends/chardev.c devices/backends/disk_raw.c -o /tmp/fuzz_state
 *   /tmp/fuzz_state -max_total_time=60
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvmini/chardev.h"
#include "kvmini/device_state.h"
#include "kvmini/disk.h"
#include "kvmini/i8042.h"
#include "kvmini/log.h"
#include "kvmini/serial.h"
#include "kvmini/testdev.h"
#include "kvmini/virtio_blk.h"
#include "kvmini/virtio_console.h"
#include "kvmini/virtio_rng.h"

#define MEM_SIZE 0x10000

static uint8_t *ram;
static struct guest_mem mem;
static struct chardev console_out; /* the consoles' output, to /dev/null */

/* One model: make a fresh instance, save, load, poke, free. */
struct model {
	void *(*create)(void);
	int (*save)(void *dev, struct state_writer *w);
	int (*load)(void *dev, struct state_reader *r);
	void (*exercise)(void *dev);
	void (*destroy)(void *dev);
};

/* ---- port-I/O devices -------------------------------------------------------- */

static void *serial_new(void)
{
	struct serial *s = malloc(sizeof(*s));
	serial_init(s, NULL, NULL);
	return s;
}

static void serial_poke(void *dev)
{
	struct serial *s = dev;
	uint8_t v = 0x55;

	for (uint64_t off = 0; off < SERIAL_SIZE; off++) {
		s->dev.ops->read(&s->dev, off, &v, 1);
		s->dev.ops->write(&s->dev, off, &v, 1);
		s->dev.ops->read(&s->dev, off, &v, 1);
	}
	serial_receive(s, (const uint8_t *)"abc", 3);
	serial_rx_room(s);
}

static void *i8042_new(void)
{
	struct i8042 *c = malloc(sizeof(*c));
	i8042_init(c, NULL, NULL);
	return c;
}

static void i8042_poke(void *dev)
{
	struct i8042 *c = dev;
	uint8_t v = 0x01;

	c->data.ops->read(&c->data, 0, &v, 1);
	c->data.ops->write(&c->data, 0, &v, 1);
	c->cmd.ops->read(&c->cmd, 0, &v, 1);
}

static void *testdev_new(void)
{
	struct testdev *td = malloc(sizeof(*td));
	testdev_init(td, NULL, NULL, NULL);
	return td;
}

static void testdev_poke(void *dev)
{
	struct testdev *td = dev;
	uint8_t b[8];

	for (uint64_t off = 0; off < 16; off += 4)
		td->pio.ops->read(&td->pio, off, b, 4);
	for (uint64_t off = 0; off < 24; off += 8)
		td->mmio.ops->read(&td->mmio, off, b, 8);
}

static void plain_free(void *dev)
{
	free(dev);
}

/* ---- virtio devices ---------------------------------------------------------- */

static void *blk_new(void)
{
	struct virtio_blk *blk;
	struct disk *disk;
	char path[64];
	int fd = memfd_create("fuzz-disk", 0);

	if (fd < 0 || ftruncate(fd, 64 * 512) < 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (disk_raw_open(&disk, path, false) || virtio_blk_create(&blk, disk, "fuzz", &mem, NULL))
		abort();
	close(fd);
	return blk;
}

static void *console_new(void)
{
	struct virtio_console *con;

	if (virtio_console_create(&con, &console_out, &mem, NULL))
		abort();
	return con;
}

static void *rng_new(void)
{
	struct virtio_rng *rng;

	if (virtio_rng_create(&rng, &mem, NULL))
		abort();
	return rng;
}

/* Every queue notified, then the whole register file read. */
static void virtio_poke(struct virtio_mmio *vmio)
{
	uint8_t b[4];

	for (unsigned int q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++)
		virtio_mmio_kick(vmio, q);
	for (uint64_t off = 0; off < 0x100; off += 4)
		vmio->dev.ops->read(&vmio->dev, off, b, 4);
}

static void blk_poke(void *dev)
{
	virtio_poke(virtio_blk_mmio(dev));
}

static void console_poke(void *dev)
{
	virtio_console_receive(dev, (const uint8_t *)"in", 2);
	virtio_poke(virtio_console_mmio(dev));
}

static void rng_poke(void *dev)
{
	virtio_poke(virtio_rng_mmio(dev));
}

static void blk_free(void *dev)
{
	virtio_blk_destroy(dev);
}

static void console_free(void *dev)
{
	virtio_console_destroy(dev);
}

static void rng_free(void *dev)
{
	virtio_rng_destroy(dev);
}

/* ---- the models' save/load with a void * --------------------------------------- */

#define ADAPT(name, type)                                                                          \
	static int name##_save_v(void *dev, struct state_writer *w)                                \
	{                                                                                          \
		return name##_save((type *)dev, w);                                                \
	}                                                                                          \
	static int name##_load_v(void *dev, struct state_reader *r)                                \
	{                                                                                          \
		return name##_load((type *)dev, r);                                                \
	}

ADAPT(serial, struct serial)
ADAPT(i8042, struct i8042)
ADAPT(testdev, struct testdev)
ADAPT(virtio_blk, struct virtio_blk)
ADAPT(virtio_console, struct virtio_console)
ADAPT(virtio_rng, struct virtio_rng)

static const struct model models[] = {
	{serial_new, serial_save_v, serial_load_v, serial_poke, plain_free},
	{i8042_new, i8042_save_v, i8042_load_v, i8042_poke, plain_free},
	{testdev_new, testdev_save_v, testdev_load_v, testdev_poke, plain_free},
	{blk_new, virtio_blk_save_v, virtio_blk_load_v, blk_poke, blk_free},
	{console_new, virtio_console_save_v, virtio_console_load_v, console_poke, console_free},
	{rng_new, virtio_rng_save_v, virtio_rng_load_v, rng_poke, rng_free},
};

static void save(const struct model *m, void *dev, struct state_writer *w)
{
	state_writer_init(w, NULL, 0);
	if (m->save(dev, w))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state_writer before, after;
	struct state_reader r;

	if (!ram) {
		ram = aligned_alloc(4096, MEM_SIZE);
		guest_mem_layout(&mem, ram, MEM_SIZE);
		if (chardev_init(&console_out, open("/dev/null", O_WRONLY)))
			abort();
		log_set_level(LOG_ERROR); /* refusals still print: one line each */
	}
	if (size < 1)
		return 0;
	const struct model *m = &models[data[0] % (sizeof(models) / sizeof(models[0]))];
	data++;
	size--;
	memset(ram, 0, MEM_SIZE);

	void *dev = m->create();
	save(m, dev, &before);
	state_reader_init(&r, data, size);
	int err = m->load(dev, &r);
	save(m, dev, &after);
	if (err) {
		/* Refused: nothing may have changed. */
		if (before.len != after.len || memcmp(before.buf, after.buf, before.len))
			abort();
	} else {
		/* Accepted: the state is exactly the bytes read. */
		if (after.len != r.pos || memcmp(after.buf, data, r.pos))
			abort();
		size_t rest = size - r.pos;
		memcpy(ram, data + r.pos, rest < MEM_SIZE ? rest : MEM_SIZE);
		m->exercise(dev);
	}
	state_writer_release(&before);
	state_writer_release(&after);
	m->destroy(dev);
	return 0;
}
