// SPDX-License-Identifier: MIT
/*
 * A device model that breaks the rule "a device model never sees KVM": it
 * includes a monitor header. tests/layout/device-boundary.sh compiles it the
 * way devices/ is compiled and expects the compiler to refuse it.
 */
#include "kvm/vm.h"

int bad_device_peeks_at_the_vm(struct vm *vm)
{
	return vm->vm_fd;
}
