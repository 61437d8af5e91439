/* SPDX-License-Identifier: MIT */
/*
 * An interrupt output of a device model.
 *
 * The board wires it to a GSI of the in-kernel irqchip (through an irqfd, or
 * the KVM_IRQ_LINE ioctl as a fallback); unit tests wire it to a counter.
 * A device model only ever calls irq_set_level() / irq_pulse().
 */
#ifndef KVMINI_IRQ_H
#define KVMINI_IRQ_H

struct irq_line {
	/* Drive the line: level 1 asserted, 0 deasserted. NULL: not wired. */
	void (*set_level)(struct irq_line *line, int level);
	/* Raise one edge-triggered interrupt. NULL: use set_level(1), set_level(0). */
	void (*pulse)(struct irq_line *line);
	void *opaque; /* for the implementation */
	int gsi;      /* for messages and --trace */
};

static inline void irq_set_level(struct irq_line *line, int level)
{
	if (line && line->set_level)
		line->set_level(line, level);
}

static inline void irq_pulse(struct irq_line *line)
{
	if (!line)
		return;
	if (line->pulse) {
		line->pulse(line);
	} else if (line->set_level) {
		line->set_level(line, 1);
		line->set_level(line, 0);
	}
}

#endif /* KVMINI_IRQ_H */
