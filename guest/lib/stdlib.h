/* SPDX-License-Identifier: MIT */
/*
 * Empty stand-in for the C library's <stdlib.h>.
 *
 * libfdt_env.h includes <stdlib.h> but the parts of libfdt the guest links
 * (fdt.o, fdt_ro.o, fdt_addresses.o) call nothing from it. This file exists
 * so that the hosted header is not picked up by the freestanding guest.
 */
#ifndef GUEST_STDLIB_H
#define GUEST_STDLIB_H

#include <stddef.h>

#endif /* GUEST_STDLIB_H */
