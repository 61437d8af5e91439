/* SPDX-License-Identifier: MIT */
/*
 * Support for code built with -fstack-protector, which libfdt.a is.
 */
#ifndef GUEST_STACK_PROTECTOR_H
#define GUEST_STACK_PROTECTOR_H

/* Point FS at the guard area. Call before any protected function runs. */
void stack_protector_init(void);

#endif /* GUEST_STACK_PROTECTOR_H */
