// SPDX-License-Identifier: MIT
/*
 * The VM as KVM sees it: /dev/kvm, the VM file descriptor, guest RAM
 * registered as memory slots, the in-kernel irqchip, interrupt lines and
 * ioeventfds. See Documentation/virt/kvm/api.rst in the Linux sources.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "abi/kvmini_abi.h"
#include "kvmini/log.h"
#include "kvm/vm.h"

uint64_t vm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int open_kvm(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	int err = errno;
	switch (err) {
	case ENOENT:
		log_error("cannot open /dev/kvm: no such device (is the kvm module loaded, "
			  "and does this CPU or VM offer virtualization?)");
		break;
	case EACCES:
	case EPERM:
		log_error("cannot open /dev/kvm: permission denied (run as root, or add "
			  "yourself to the 'kvm' group)");
		break;
	default:
		log_error("cannot open /dev/kvm: %s", strerror(err));
	}
	return -err;
}

int vm_open(struct vm *vm)
{
	int ret;

	vm->kvm_fd = vm->vm_fd = -1;
	vm->kvm_fd = open_kvm();
	if (vm->kvm_fd < 0)
		return vm->kvm_fd;

	/* api.rst 4.1: "Applications should refuse to run if KVM_GET_API_VERSION
	 * returns a value other than 12." */
	ret = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION) {
		log_error("/dev/kvm speaks API version %d, kvmini needs %d", ret, KVM_API_VERSION);
		return -EINVAL;
	}
	vm->vcpu_mmap_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->vcpu_mmap_size <= 0) {
		log_error("KVM_GET_VCPU_MMAP_SIZE failed: %s", strerror(errno));
		return -errno;
	}
	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) <= 0) {
		log_error("this KVM lacks KVM_CAP_USER_MEMORY");
		return -ENOTSUP;
	}
	vm->has_irqfd = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD) > 0;
	vm->has_ioeventfd = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD) > 0;

	/* EINTR: a signal during VM creation; creation is safe to retry. */
	do
		vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	while (vm->vm_fd < 0 && errno == EINTR);
	if (vm->vm_fd < 0) {
		ret = -errno;
		log_error("KVM_CREATE_VM failed: %s", strerror(errno));
		return ret;
	}
	return 0;
}

static int set_memory_slot(struct vm *vm, uint32_t slot, uint64_t gpa, uint64_t size, void *host)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)host,
	};

	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		int err = errno;
		log_error("KVM_SET_USER_MEMORY_REGION (slot %u, %#llx bytes at %#llx) failed: %s",
			  slot, (unsigned long long)size, (unsigned long long)gpa, strerror(err));
		return -err;
	}
	return 0;
}

/*
 * Register guest RAM that was just mapped into vm->mem with KVM; map_ret is
 * the mapping's result and kind ("", "shared (memfd) ", ...) names it.
 */
static int register_ram(struct vm *vm, uint64_t size, int map_ret, const char *kind)
{
	if (map_ret) {
		log_error("cannot map %llu MiB of %sguest memory: %s",
			  (unsigned long long)(size >> 20), kind, strerror(-map_ret));
		return map_ret;
	}
	/* Slot 0: RAM below the MMIO hole; slot 1: the rest, above 4 GiB. */
	int ret = set_memory_slot(vm, 0, 0, vm->mem.low_size, vm->mem.host);
	if (!ret && vm->mem.high_size)
		ret = set_memory_slot(vm, 1, KVMINI_HIGH_RAM_START, vm->mem.high_size,
				      vm->mem.host + vm->mem.low_size);
	return ret;
}

int vm_create_memory(struct vm *vm, uint64_t size, bool shared)
{
	int ret = shared ? guest_mem_map_shared(&vm->mem, size) : guest_mem_map(&vm->mem, size);
	return register_ram(vm, size, ret, shared ? "shared (memfd) " : "");
}

int vm_create_memory_file(struct vm *vm, uint64_t size, int fd)
{
	return register_ram(vm, size, guest_mem_map_file(&vm->mem, size, fd), "snapshot ");
}

int vm_create_irqchip(struct vm *vm, bool with_pit)
{
	if (vm->unwired_lines) {
		log_error("the irqchip comes too late: %u interrupt line(s) were wired without one "
			  "and would stay dead (create it before the board)",
			  vm->unwired_lines);
		return -EBUSY;
	}
	/*
	 * KVM_CREATE_IRQCHIP gives the PC's interrupt controllers in the kernel:
	 * two 8259 PICs, an IOAPIC (24 pins) and a local APIC per vCPU. On x86
	 * KVM needs a TSS and an identity-map page below 4 GiB for real-mode
	 * emulation on Intel; put both at the top of the MMIO hole, where no
	 * device lives (api.rst: KVM_SET_TSS_ADDR, KVM_SET_IDENTITY_MAP_ADDR).
	 */
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000ul) < 0)
		log_debug("KVM_SET_TSS_ADDR: %s", strerror(errno));
	uint64_t identity = 0xfffbc000ul;
	if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &identity) < 0)
		log_debug("KVM_SET_IDENTITY_MAP_ADDR: %s", strerror(errno));

	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		int err = errno;
		log_error("KVM_CREATE_IRQCHIP failed: %s", strerror(err));
		return -err;
	}
	vm->has_irqchip = true;
	if (!with_pit)
		return 0;

	/* The 8254 PIT on ports 0x40-0x43 (and speaker port 0x61), in the kernel. */
	struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
		int err = errno;
		log_error("KVM_CREATE_PIT2 failed: %s", strerror(err));
		return -err;
	}
	return 0;
}

/* irqfd: the kernel raises the GSI when the eventfd is written; no ioctl per interrupt. */
static void irqfd_pulse(struct irq_line *line)
{
	uint64_t one = 1;
	int fd = (int)(intptr_t)line->opaque;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		log_warn("irqfd write for GSI %d failed: %s", line->gsi, strerror(errno));
}

/*
 * Level through KVM_IRQ_LINE. The vm pointer cannot live in opaque together
 * with the fd, so opaque is the vm and gsi says which pin.
 */
static void irq_line_ioctl_level(struct irq_line *line, int level)
{
	struct vm *vm = line->opaque;
	struct kvm_irq_level irq = {.irq = (uint32_t)line->gsi, .level = (uint32_t)level};

	if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq) < 0)
		log_warn("KVM_IRQ_LINE %d failed: %s", line->gsi, strerror(errno));
}

int vm_irq_line_init_level(struct vm *vm, struct irq_line *line, int gsi)
{
	memset(line, 0, sizeof(*line));
	line->gsi = gsi;
	if (!vm->has_irqchip) {
		vm->unwired_lines++; /* nothing to deliver interrupts to */
		return 0;
	}
	/*
	 * An irqfd can only pulse its GSI, so a line that must stay asserted
	 * (the UART's, until the guest reads IIR) always uses KVM_IRQ_LINE.
	 */
	line->set_level = irq_line_ioctl_level;
	line->opaque = vm;
	return 0;
}

int vm_irq_line_init(struct vm *vm, struct irq_line *line, int gsi)
{
	/* Without irqfds, a pulse is two KVM_IRQ_LINE calls (irq_pulse()). */
	int ret = vm_irq_line_init_level(vm, line, gsi);
	if (ret || !vm->has_irqchip || !vm->has_irqfd)
		return ret;

	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0)
		return -errno;
	struct kvm_irqfd irqfd = {.fd = (uint32_t)fd, .gsi = (uint32_t)gsi};
	if (ioctl(vm->vm_fd, KVM_IRQFD, &irqfd) < 0) {
		log_debug("KVM_IRQFD for GSI %d: %s; using KVM_IRQ_LINE", gsi, strerror(errno));
		close(fd);
		return 0;
	}
	/* Edge-triggered users (virtio) call irq_pulse(), which takes the irqfd. */
	line->pulse = irqfd_pulse;
	line->set_level = NULL;
	line->opaque = (void *)(intptr_t)fd;
	return 0;
}

int vm_ioeventfd(struct vm *vm, uint64_t addr, uint32_t len, bool pio, bool match,
		 uint64_t datamatch)
{
	if (!vm->has_ioeventfd)
		return -ENOTSUP;
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0)
		return -errno;
	struct kvm_ioeventfd io = {
		.datamatch = datamatch,
		.addr = addr,
		.len = len,
		.fd = fd,
		.flags = (pio ? KVM_IOEVENTFD_FLAG_PIO : 0u) |
			 (match ? KVM_IOEVENTFD_FLAG_DATAMATCH : 0u),
	};
	if (ioctl(vm->vm_fd, KVM_IOEVENTFD, &io) < 0) {
		int err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

void vm_request_stop(struct vm *vm, int status)
{
	int expected = 0;

	if (__atomic_compare_exchange_n(&vm->stop_requested, &expected, 1, false, __ATOMIC_SEQ_CST,
					__ATOMIC_SEQ_CST)) {
		vm->exit_status = status;
		event_loop_stop(&vm->loop);
	}
}

bool vm_stopping(const struct vm *vm)
{
	return __atomic_load_n(&vm->stop_requested, __ATOMIC_SEQ_CST) != 0;
}

void vm_mark(struct vm *vm, const char *name, int guest_marker)
{
	uint64_t now = vm_now_ns();
	unsigned int i = __atomic_fetch_add(&vm->nmarks, 1, __ATOMIC_SEQ_CST);

	if (i >= VM_MAX_MARKS)
		return; /* a chatty guest cannot grow this */
	vm->marks[i].name = name;
	vm->marks[i].guest_marker = guest_marker;
	vm->marks[i].ns = now - vm->start_ns;
}

void vm_destroy(struct vm *vm)
{
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vm->vm_fd = vm->kvm_fd = -1;
	guest_mem_unmap(&vm->mem);
}
