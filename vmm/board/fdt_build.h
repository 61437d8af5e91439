/* SPDX-License-Identifier: MIT */
/*
 * The flattened device tree handed to the tiny guest (Devicetree
 * Specification v0.4). It tells the guest its memory, command line, CPUs
 * and devices, so the guest hard-codes nothing but the ABI header.
 */
#ifndef KVMINI_FDT_BUILD_H
#define KVMINI_FDT_BUILD_H

#include <stddef.h>

struct vm;

/*
 * Build the tree for vm (RAM regions, vm->ncpus CPUs, the serial port, the
 * test device, the virtio slots in vm->board->res) with bootargs cmdline (NULL: empty) into
 * buf. 0, or -ENOSPC if it does not fit in bufsize.
 */
int fdt_build(const struct vm *vm, const char *cmdline, void *buf, size_t bufsize);

#endif /* KVMINI_FDT_BUILD_H */
