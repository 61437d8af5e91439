// SPDX-License-Identifier: MIT
/*
 * Unit tests for devices/pc/serial.c. Register offsets and bits are written out
 * here from the PC16550D datasheet, independently of the model's own names,
 * so that a wrong constant in the model shows up as a failure.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board/bus.h"
#include "kvmini/serial.h"
#include "unit_run.h"

#define BASE 0x3f8
#define RBR  0 /* also THR, DLL */
#define IER  1 /* also DLM */
#define IIR  2 /* also FCR */
#define LCR  3
#define MCR  4
#define LSR  5
#define MSR  6
#define SCR  7

static struct bus bus;
static struct serial uart;
static struct irq_line line;
static int level = -1;	   /* last level driven on the line */
static int level_calls;	   /* how many times it was driven */
static int out_pipe[2];	   /* [0]: what the guest transmitted */
static struct chardev out; /* the UART's output sink, on out_pipe[1] */
static uint8_t tapped[16]; /* bytes seen by the tap */
static int ntapped;

static void test_set_level(struct irq_line *l, int lvl)
{
	(void)l;
	level = lvl;
	level_calls++;
}

static void test_tap(void *opaque, uint8_t byte)
{
	(void)opaque;
	if (ntapped < (int)sizeof(tapped))
		tapped[ntapped++] = byte;
}

static void setup(void)
{
	ck_assert_int_eq(pipe(out_pipe), 0);
	ck_assert_int_eq(fcntl(out_pipe[0], F_SETFL, O_NONBLOCK), 0);
	memset(&line, 0, sizeof(line));
	line.set_level = test_set_level;
	level = 0;
	level_calls = 0;
	ntapped = 0;
	ck_assert_int_eq(chardev_init(&out, out_pipe[1]), 0);
	ck_assert_int_eq(serial_init(&uart, &out, &line), 0);
	bus_init(&bus, "pio");
	uart.dev.base = BASE;
	ck_assert_int_eq(bus_register(&bus, &uart.dev), 0);
}

static void teardown(void)
{
	chardev_close(&out, 0);
	close(out_pipe[0]);
	close(out_pipe[1]);
}

static uint8_t inb(unsigned int reg)
{
	uint8_t v = 0;
	ck_assert(bus_read(&bus, BASE + reg, &v, 1));
	return v;
}

static void outb(unsigned int reg, uint8_t v)
{
	ck_assert(bus_write(&bus, BASE + reg, &v, 1));
}

static void receive_str(const char *s, size_t expect_accepted)
{
	ck_assert_uint_eq(serial_receive(&uart, (const uint8_t *)s, strlen(s)), expect_accepted);
}

/* Whatever the guest transmitted so far, as a string. */
static const char *drain_output(void)
{
	static char buf[256];
	chardev_flush(&out); /* what the monitor's I/O thread does after a short deadline */
	ssize_t n = read(out_pipe[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

START_TEST(test_reset_state)
{
	ck_assert_uint_eq(inb(IER), 0x00);
	ck_assert_uint_eq(inb(IIR), 0x01); /* no interrupt pending, FIFOs off */
	ck_assert_uint_eq(inb(LCR), 0x00);
	ck_assert_uint_eq(inb(MCR), 0x00);
	ck_assert_uint_eq(inb(LSR), 0x60); /* THRE | TEMT */
	ck_assert_uint_eq(inb(MSR), 0xb0); /* DCD | DSR | CTS of a ready terminal, no deltas */
	ck_assert_int_eq(level, 0);
}
END_TEST

START_TEST(test_dlab_divisor_latch)
{
	outb(IER, 0x05);
	outb(LCR, 0x83); /* DLAB, 8 data bits */
	outb(RBR, 0x01); /* DLL: 115200 baud */
	outb(IER, 0x02); /* DLM */
	ck_assert_uint_eq(inb(RBR), 0x01);
	ck_assert_uint_eq(inb(IER), 0x02);
	ck_assert_str_eq(drain_output(), ""); /* the DLL write was not transmitted */
	outb(LCR, 0x03);
	ck_assert_uint_eq(inb(LCR), 0x03);
	ck_assert_uint_eq(inb(IER), 0x05); /* IER was not touched by the DLM write */
	outb(RBR, 'k');			   /* THR now */
	ck_assert_str_eq(drain_output(), "k");
	outb(LCR, 0x80);
	ck_assert_uint_eq(inb(RBR), 0x01); /* the divisor survived */
	ck_assert_uint_eq(inb(IER), 0x02);
}
END_TEST

START_TEST(test_output_reaches_fd)
{
	serial_set_tap(&uart, test_tap, NULL);
	const char *msg = "PASS: hello\n";
	for (const char *p = msg; *p; p++) {
		/* As a polling driver does: wait for THRE, then write. */
		ck_assert_uint_eq(inb(LSR) & 0x60, 0x60);
		outb(RBR, (uint8_t)*p);
	}
	ck_assert_str_eq(drain_output(), msg);
	ck_assert_int_eq(ntapped, (int)strlen(msg));
	ck_assert_int_eq(memcmp(tapped, msg, strlen(msg)), 0);
	ck_assert_uint_eq(inb(LSR), 0x60);
}
END_TEST

/* Bytes are batched into lines: no write() per byte (the UART used to make one each). */
START_TEST(test_output_batched_by_line)
{
	char buf[16];

	outb(RBR, 'o');
	outb(RBR, 'k');
	ck_assert_int_eq(read(out_pipe[0], buf, sizeof(buf)), -1); /* still buffered */
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_uint_eq(chardev_pending(&out), 2);
	outb(RBR, '\n'); /* a newline sends the line */
	ck_assert_int_eq(read(out_pipe[0], buf, sizeof(buf)), 3);
	ck_assert_int_eq(memcmp(buf, "ok\n", 3), 0);
	ck_assert_uint_eq(chardev_pending(&out), 0);
}
END_TEST

/* A reader that stops reading: the guest's writes neither block nor get lost (within bounds). */
START_TEST(test_output_full_pipe_buffers)
{
	char junk[4096];

	/* Fill the pipe so that the next write gets EAGAIN. */
	fcntl(out_pipe[1], F_SETPIPE_SZ, 4096);
	memset(junk, '.', sizeof(junk));
	while (write(out_pipe[1], junk, sizeof(junk)) > 0)
		;
	ck_assert_int_eq(errno, EAGAIN);
	outb(RBR, 'a'); /* returns at once: no wait, no drop */
	outb(RBR, 'b');
	outb(RBR, '\n');
	ck_assert_uint_eq(chardev_pending(&out), 3);
	ck_assert_uint_eq(out.dropped, 0);
	while (read(out_pipe[0], junk, sizeof(junk)) > 0)
		;
	ck_assert_str_eq(drain_output(), "ab\n"); /* in order, once the reader is back */
	ck_assert_uint_eq(out.dropped, 0);
}
END_TEST

START_TEST(test_receive_fifo_and_dr)
{
	outb(IIR, 0x07); /* FCR: enable and clear FIFOs, trigger level 1 */
	ck_assert_uint_eq(serial_rx_room(&uart), 16);
	ck_assert_uint_eq(inb(LSR) & 0x01, 0);
	receive_str("abc", 3);
	ck_assert_uint_eq(serial_rx_room(&uart), 13);
	ck_assert_uint_eq(inb(LSR), 0x61);
	ck_assert_uint_eq(inb(RBR), 'a');
	ck_assert_uint_eq(inb(RBR), 'b');
	ck_assert_uint_eq(inb(LSR) & 0x01, 1);
	ck_assert_uint_eq(inb(RBR), 'c');
	ck_assert_uint_eq(inb(LSR), 0x60);
	ck_assert_uint_eq(serial_rx_room(&uart), 16);
	/* FCR bit 1 clears the receive FIFO. */
	receive_str("xyz", 3);
	outb(IIR, 0x03);
	ck_assert_uint_eq(inb(LSR) & 0x01, 0);
}
END_TEST

START_TEST(test_receive_without_fifo)
{
	/* FIFOs off: one receiver buffer, like a 16450. */
	ck_assert_uint_eq(serial_rx_room(&uart), 1);
	receive_str("q", 1);
	ck_assert_uint_eq(serial_rx_room(&uart), 0);
	/* The console polls serial_rx_room(); reading RBR makes room again. */
	ck_assert_uint_eq(inb(RBR), 'q');
	ck_assert_uint_eq(serial_rx_room(&uart), 1);
	receive_str("rs", 1);
	ck_assert_uint_eq(serial_rx_room(&uart), 0);
	ck_assert_uint_eq(inb(RBR), 'r');
	ck_assert_uint_eq(serial_rx_room(&uart), 1);
}
END_TEST

START_TEST(test_overflow_sets_oe)
{
	const char *in = "0123456789abcdefXYZ"; /* 19 bytes into a 16-byte FIFO */

	outb(IIR, 0x01);
	receive_str(in, 16);
	ck_assert_uint_eq(inb(LSR), 0x63); /* THRE | TEMT | OE | DR */
	ck_assert_uint_eq(inb(LSR), 0x61); /* reading LSR cleared OE */
	for (int i = 0; i < 16; i++)
		ck_assert_uint_eq(inb(RBR), (uint8_t)in[i]);
	ck_assert_uint_eq(inb(LSR), 0x60);
	ck_assert_uint_eq(serial_rx_room(&uart), 16);
}
END_TEST

START_TEST(test_iir_priorities)
{
	outb(IER, 0x0f); /* every source */
	/* THR is empty and ETBEI was just enabled. */
	ck_assert_uint_eq(inb(IIR) & 0x0f, 0x02);
	outb(IER, 0x00);
	outb(IER, 0x0f);      /* re-arm THRE */
	receive_str("ab", 1); /* one byte buffer: 'b' overruns */
	ck_assert_int_eq(level, 1);
	ck_assert_uint_eq(inb(IIR), 0x06); /* line status beats data */
	ck_assert_uint_eq(inb(IIR), 0x06); /* reading IIR does not clear it */
	inb(LSR);
	ck_assert_uint_eq(inb(IIR), 0x04); /* received data beats THRE */
	ck_assert_uint_eq(inb(RBR), 'a');
	outb(MCR, 0x10); /* loopback, MCR outputs off: CTS, DSR, DCD drop -> deltas */
	ck_assert_uint_eq(inb(IIR), 0x02); /* THRE beats modem status; read clears it */
	ck_assert_uint_eq(inb(IIR), 0x00); /* modem status */
	ck_assert_int_eq(level, 1);
	ck_assert_uint_eq(inb(MSR) & 0x0f, 0x0b); /* DDCD | DDSR | DCTS; read clears */
	ck_assert_uint_eq(inb(IIR), 0x01);
	ck_assert_int_eq(level, 0);
}
END_TEST

START_TEST(test_iir_fifo_bits_and_timeout)
{
	outb(IER, 0x01);
	outb(IIR, 0x41); /* FIFOs on, trigger level 4 */
	ck_assert_uint_eq(inb(IIR), 0xc1);
	receive_str("ab", 2);
	ck_assert_uint_eq(inb(IIR), 0xcc); /* below trigger: character timeout */
	receive_str("cd", 2);
	ck_assert_uint_eq(inb(IIR), 0xc4); /* at trigger level */
	inb(RBR);
	ck_assert_uint_eq(inb(IIR), 0xcc);
	outb(IIR, 0x00); /* FIFOs off: cleared, IIR bits 7:6 back to 0 */
	ck_assert_uint_eq(inb(IIR), 0x01);
	ck_assert_uint_eq(inb(LSR) & 0x01, 0);
}
END_TEST

START_TEST(test_thre_interrupt)
{
	ck_assert_uint_eq(inb(IIR), 0x01);
	outb(IER, 0x02); /* ETBEI while THR is empty: pending at once */
	ck_assert_int_eq(level, 1);
	ck_assert_uint_eq(inb(IIR), 0x02);
	/* That read acknowledged it. */
	ck_assert_int_eq(level, 0);
	ck_assert_uint_eq(inb(IIR), 0x01);
	outb(IER, 0x02); /* no 0 -> 1 edge: stays acknowledged */
	ck_assert_uint_eq(inb(IIR), 0x01);
	/* Writing THR: sent at once, THR empty again, THRE pending again. */
	outb(RBR, 'x');
	ck_assert_int_eq(level, 1);
	ck_assert_uint_eq(inb(IIR), 0x02);
	ck_assert_int_eq(level, 0);
	/* Linux's UART_BUG_THRE test: clear and set ETBEI, THRE must come back. */
	outb(IER, 0x00);
	outb(IER, 0x02);
	ck_assert_uint_eq(inb(IIR), 0x02);
	ck_assert_str_eq(drain_output(), "x");
}
END_TEST

START_TEST(test_ier_masking)
{
	receive_str("z", 1);
	ck_assert_uint_eq(inb(IIR), 0x01); /* data, but ERBFI is off */
	ck_assert_int_eq(level, 0);
	ck_assert_int_eq(level_calls, 0);
	outb(IER, 0x01);
	ck_assert_int_eq(level, 1);
	ck_assert_uint_eq(inb(IIR), 0x04);
	outb(IER, 0x00);
	ck_assert_int_eq(level, 0);
	outb(IER, 0x01);
	ck_assert_int_eq(level, 1);
	inb(RBR); /* reading the data deasserts */
	ck_assert_int_eq(level, 0);
	ck_assert_int_eq(level_calls, 4);
	/* IER keeps only bits 0-3 (Linux's autoconfig checks this). */
	outb(IER, 0xf0);
	ck_assert_uint_eq(inb(IER), 0x00);
	outb(IER, 0xff);
	ck_assert_uint_eq(inb(IER), 0x0f);
}
END_TEST

START_TEST(test_irq_follows_receive)
{
	outb(IER, 0x01);
	ck_assert_int_eq(level, 0);
	receive_str("1", 1);
	ck_assert_int_eq(level, 1);
	ck_assert_int_eq(level_calls, 1);
	receive_str("", 0); /* nothing new: the line is not driven again */
	ck_assert_int_eq(level_calls, 1);
	inb(RBR);
	ck_assert_int_eq(level, 0);
	ck_assert_int_eq(level_calls, 2);
}
END_TEST

START_TEST(test_loopback)
{
	outb(MCR, 0x1a);			  /* LOOP | OUT2 | RTS: Linux's autoconfig probe */
	ck_assert_uint_eq(inb(MSR) & 0xf0, 0x90); /* DCD | CTS */
	outb(MCR, 0x15);			  /* LOOP | OUT1 | DTR */
	ck_assert_uint_eq(inb(MSR), 0x60 | 0x0b); /* RI | DSR; DDCD, DDSR, DCTS */
	outb(MCR, 0x10);
	ck_assert_uint_eq(inb(MSR), 0x04 | 0x02); /* RI on -> off: TERI; DDSR */
	/* Transmitted bytes come back to the receiver, not to the output. */
	outb(RBR, 'L');
	ck_assert_uint_eq(inb(LSR) & 0x01, 1);
	ck_assert_uint_eq(inb(RBR), 'L');
	ck_assert_str_eq(drain_output(), "");
	/* The input wire is disconnected: host input is discarded. */
	receive_str("lost", 4);
	ck_assert_uint_eq(inb(LSR) & 0x01, 0);
	/* Back to normal. */
	outb(MCR, 0x0b);
	ck_assert_uint_eq(inb(MSR) & 0xf0, 0xb0);
	outb(RBR, 'N');
	ck_assert_str_eq(drain_output(), "N");
	ck_assert_uint_eq(inb(LSR) & 0x01, 0);
}
END_TEST

START_TEST(test_scratch_and_linux_probe)
{
	outb(SCR, 0xa5);
	ck_assert_uint_eq(inb(SCR), 0xa5);
	outb(SCR, 0x5a);
	ck_assert_uint_eq(inb(SCR), 0x5a);
	/* 16550A: FIFO enable shows as IIR bits 7:6 = 11, bit 5 (64-byte FIFO) stays 0. */
	outb(IIR, 0x01);
	ck_assert_uint_eq(inb(IIR) >> 6, 3);
	outb(IIR, 0x21);
	ck_assert_uint_eq(inb(IIR) >> 5, 6);
	/* MCR keeps bits 0-4 only. */
	outb(MCR, 0xff);
	ck_assert_uint_eq(inb(MCR), 0x1f);
}
END_TEST

START_TEST(test_wide_access_is_bytewise)
{
	uint8_t v[2] = {0, 0};

	outb(SCR, 0x42);
	ck_assert(bus_read(&bus, BASE + LSR, v, 2)); /* inw: LSR, then MSR */
	ck_assert_uint_eq(v[0], 0x60);
	ck_assert_uint_eq(v[1], 0xb0);
	uint8_t w[2] = {0x83, 0x07}; /* outw to LCR: LCR = 0x83, MCR = 0x07 */
	ck_assert(bus_write(&bus, BASE + LCR, w, 2));
	ck_assert_uint_eq(inb(LCR), 0x83);
	ck_assert_uint_eq(inb(MCR), 0x07);
	ck_assert_uint_eq(inb(SCR), 0x42);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("serial");
	TCase *tc = tcase_create("16550");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_reset_state);
	tcase_add_test(tc, test_dlab_divisor_latch);
	tcase_add_test(tc, test_output_reaches_fd);
	tcase_add_test(tc, test_output_full_pipe_buffers);
	tcase_add_test(tc, test_output_batched_by_line);
	tcase_add_test(tc, test_receive_fifo_and_dr);
	tcase_add_test(tc, test_receive_without_fifo);
	tcase_add_test(tc, test_overflow_sets_oe);
	tcase_add_test(tc, test_iir_priorities);
	tcase_add_test(tc, test_iir_fifo_bits_and_timeout);
	tcase_add_test(tc, test_thre_interrupt);
	tcase_add_test(tc, test_ier_masking);
	tcase_add_test(tc, test_irq_follows_receive);
	tcase_add_test(tc, test_loopback);
	tcase_add_test(tc, test_scratch_and_linux_probe);
	tcase_add_test(tc, test_wide_access_is_bytewise);
	suite_add_tcase(s, tc);

	return unit_run(s);
}
