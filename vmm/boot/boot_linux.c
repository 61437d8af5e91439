// SPDX-License-Identifier: MIT
/*
 * Booting Linux, as a bzImage (the x86 boot protocol, 64-bit entry) or as a
 * vmlinux with a PVH entry note (boot/elf.c has already loaded its segments).
 * Both share everything but the hand-over: the command line, the initrd, the
 * e820 map, the MP table, the MSRs and how the run ends. The memory layout is
 * in include/abi/memory_map.h.
 *
 * How a Linux run ends (the exit status):
 *   - /init writes a status to the test device's EXIT register: that status;
 *   - reboot: Linux resets the CPU through the i8042 (the default) or by a
 *     triple fault (reboot=t): 0. Either counts as a reboot only once
 *     Linux has booted (its first console line, or /init's marker); before
 *     that the kernel died, and the run ends as a crash
 *     (board_reset_status(), board_shutdown_status());
 *   - halt or poweroff: a PC without ACPI cannot power off, so Linux halts
 *     forever after printing "reboot: System halted" (or "Power down"); the
 *     console watch (boot/linux_events.c) sees that line and ends the run: 0;
 *   - panic: "Kernel panic - not syncing" on the console marks the run, and
 *     the reset that follows (panic=-1, or CONFIG_PANIC_TIMEOUT) ends it with
 *     KVMINI_STATUS_PANIC; a kernel that would spin forever instead is
 *     stopped at its "---[ end Kernel panic" line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abi/kvmini_abi.h"
#include "abi/memory_map.h"
#include "kvmini/log.h"
#include "board/board.h"
#include "board/board_virtio.h"
#include "board/e820.h"
#include "board/mptable.h"
#include "boot/boot.h"
#include "boot/boot_linux.h"
#include "boot/bzimage.h"
#include "boot/elf.h"
#include "boot/linux_cmdline.h"
#include "boot/linux_events.h"
#include "boot/pvh.h"
#include "config.h"
#include "host/stdin_console.h"
#include "kvm/cpu_setup.h"
#include "kvm/host_quirks.h"
#include "kvm/msr.h"
#include "kvm/vcpu.h"
#include "kvm/vm.h"

#define PAGE 4096ULL
#define MIB  (1ULL << 20)
/* The 64-bit entry point is the protected-mode kernel's start + 0x200 (boot.rst). */
#define ENTRY_64_OFFSET 0x200
/* x86 COMMAND_LINE_SIZE (arch/x86/include/asm/setup.h, 6.1) minus the NUL. */
#define PVH_CMDLINE_MAX 2047

/* What the common part needs from the kernel-specific part, and what it decided. */
struct linux_boot {
	uint64_t cmdline_max;  /* the longest command line this kernel takes */
	uint64_t kernel_end;   /* first byte above the kernel's run-time footprint */
	uint64_t initrd_limit; /* the initrd must end at or below this address */
	uint64_t initrd_addr, initrd_size;
	struct e820_entry e820[E820_MAX_ENTRIES];
	unsigned int e820_entries;
};

/* COM1's output told the board how the kernel is ending (opaque: the board). */
static void on_console_event(void *opaque, enum linux_event event)
{
	struct board *b = opaque;
	struct vm *vm = b->vm;

	switch (event) {
	case LINUX_EVENT_PANIC:
		__atomic_store_n(&b->guest_panicked, true, __ATOMIC_SEQ_CST);
		break;
	case LINUX_EVENT_PANIC_END:
		log_info("guest kernel panicked");
		vm_request_stop(vm, KVMINI_STATUS_PANIC);
		break;
	case LINUX_EVENT_HALTED:
		log_info("guest halted (Linux has no other way to power off a PC without ACPI)");
		vm_request_stop(vm, board_reset_status(b));
		break;
	}
}

/* Append " words" to the string in buf[size]. 0, or -E2BIG (buf unchanged). */
static int append_words(char *buf, size_t size, const char *words)
{
	size_t len = strlen(buf);
	int n = snprintf(buf + len, size - len, " %s", words);
	if (n < 0 || (size_t)n >= size - len) {
		buf[len] = '\0';
		return -E2BIG;
	}
	return 0;
}

/* Does the VM have a --net user NIC, whose libslirp network answers DHCP? */
static bool has_user_net(const struct vm_config *cfg)
{
	for (unsigned int i = 0; i < cfg->nnics; i++)
		if (cfg->nics[i].kind == NET_USER)
			return true;
	return false;
}

/*
 * The user's command line plus, before any "--": console=ttyS0 unless the
 * user chose a console, the virtio-mmio devices, kvmini.tty= (what the
 * user's terminal is: host/stdin_console.h) unless the user chose it,
 * ip=dhcp for a --net user NIC unless the user chose ip=, and this host's
 * quirks.
 */
static int write_cmdline(struct vm *vm, const struct vm_config *cfg, const struct linux_boot *lb)
{
	static char additions[1024], cmdline[LINUX_CMDLINE_MAX];

	additions[0] = '\0';
	if (!linux_cmdline_has_param(cfg->cmdline, "console"))
		strcpy(additions, "console=ttyS0");
	if (board_virtio_cmdline(vm->board, additions, sizeof(additions)) != 0) {
		log_error("the virtio-mmio device list does not fit the command line");
		return -E2BIG;
	}
	char tty[40];
	if (!linux_cmdline_has_param(cfg->cmdline, "kvmini.tty") &&
	    stdin_console_tty_param(STDIN_FILENO, STDOUT_FILENO, tty, sizeof(tty)) == 0 && tty[0] &&
	    append_words(additions, sizeof(additions), tty)) {
		log_error("the terminal parameter does not fit the command line");
		return -E2BIG;
	}
	/*
	 * The kernel's own DHCP client (CONFIG_IP_PNP_DHCP) configures eth0 and
	 * lo before init, and libslirp's DHCP server answers at once: no client
	 * process in the guest (Documentation/admin-guide/nfs/nfsroot.rst, ip=).
	 * A TAP network has no known DHCP server, so the user decides there.
	 */
	if ((has_user_net(cfg) && !linux_cmdline_has_param(cfg->cmdline, "ip") &&
	     append_words(additions, sizeof(additions), "ip=dhcp")) ||
	    (vm->quirks && vm->quirks->linux_cmdline &&
	     append_words(additions, sizeof(additions), vm->quirks->linux_cmdline))) {
		log_error("kvmini's additions to the kernel command line do not fit: '%s'",
			  additions);
		return -E2BIG;
	}

	const char *added = additions + strspn(additions, " ");
	int n = linux_cmdline_compose(cmdline, sizeof(cmdline), cfg->cmdline, added);
	if (n < 0 || (uint64_t)n > lb->cmdline_max) {
		log_error("the kernel command line is %zu bytes, but this kernel takes at most "
			  "%llu (kvmini added %zu of them: '%s')",
			  n < 0 ? sizeof(cmdline) : (size_t)n, (unsigned long long)lb->cmdline_max,
			  strlen(added) + (*added ? 1 : 0), added);
		return -E2BIG;
	}
	log_info("kernel command line: %s", cmdline);
	return guest_mem_write(&vm->mem, LINUX_CMDLINE, cmdline, (uint64_t)n + 1);
}

/* Read the initrd as high as it may go, above the kernel. */
static int load_initrd(struct vm *vm, const char *path, struct linux_boot *lb)
{
	struct stat st;
	int ret = 0;

	if (!path)
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		ret = -errno;
		log_error("cannot open initrd '%s': %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		ret = -EINVAL;
		log_error("initrd '%s' is %s", path,
			  S_ISREG(st.st_mode) ? "empty" : "not a regular file");
		goto out;
	}

	uint64_t size = (uint64_t)st.st_size;
	uint64_t top = lb->initrd_limit < vm->mem.low_size ? lb->initrd_limit : vm->mem.low_size;
	uint64_t bottom = (lb->kernel_end + PAGE - 1) & ~(PAGE - 1);
	if (size > top || ((top - size) & ~(PAGE - 1)) < bottom) {
		ret = -ENOMEM;
		log_error("initrd '%s' (%.1f MiB) does not fit in guest RAM: it must lie between "
			  "the kernel's end at %llu MiB and %llu MiB (use a larger --mem)",
			  path, (double)size / MIB, (unsigned long long)(bottom / MIB),
			  (unsigned long long)(top / MIB));
		goto out;
	}
	lb->initrd_addr = (top - size) & ~(PAGE - 1); /* boot.rst: page aligned, high */
	lb->initrd_size = size;

	uint8_t *dst = guest_mem_ptr(&vm->mem, lb->initrd_addr, size); /* checked above */
	for (uint64_t done = 0; done < size;) {
		ssize_t n = pread(fd, dst + done, size - done, (off_t)done);
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			log_error("cannot read initrd '%s': %s", path,
				  n < 0 ? strerror(errno) : "file shrank while loading");
			goto out;
		}
		done += (uint64_t)n;
	}
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

/* Everything a Linux boot needs besides the kernel's own hand-over structure. */
static int prepare_common(struct vm *vm, const struct vm_config *cfg, struct linux_boot *lb)
{
	int ret;

	if ((ret = write_cmdline(vm, cfg, lb)) || (ret = load_initrd(vm, cfg->initrd_path, lb)))
		return ret;

	ret = e820_build(&vm->mem, lb->e820, E820_MAX_ENTRIES);
	if (ret < 0)
		return ret;
	lb->e820_entries = (unsigned int)ret;

	/* Built for one CPU too: without it Linux finds no IOAPIC. */
	void *mpt = guest_mem_ptr(&vm->mem, LINUX_MPTABLE, mptable_size(vm->ncpus));
	if (!mpt || (ret = mptable_build(mpt, mptable_size(vm->ncpus), LINUX_MPTABLE, vm->ncpus))) {
		log_error("cannot build the MP table for %u CPUs", vm->ncpus);
		return mpt ? ret : -ENOMEM;
	}

	for (unsigned int i = 0; i < vm->ncpus; i++)
		if ((ret = msr_setup_linux(&vm->vcpus[i])))
			return ret;

	boot_linux_watch_console(vm->board);
	return 0;
}

void boot_linux_watch_console(struct board *b)
{
	/* The watch lives in the board, as long as COM1 that feeds it. */
	linux_events_init(&b->linux_watch, on_console_event, b);
	board_set_console_tap(b, linux_events_feed, &b->linux_watch);
	/* Linux's reboot=t (and a reset with no IDT) ends in a triple fault. */
	b->shutdown_is_reboot = true;
}

int boot_linux_bzimage(struct vm *vm, const struct vm_config *cfg)
{
	uint8_t head[BZIMAGE_HEAD];
	struct bzimage_info info;
	struct stat st;
	char err[256];
	int ret;

	int fd = open(cfg->kernel_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		ret = -errno;
		log_error("cannot open kernel '%s': %s", cfg->kernel_path, strerror(errno));
		goto out;
	}
	ssize_t n = pread(fd, head, sizeof(head), 0);
	ret = n < 0 ? -errno
		    : bzimage_parse(head, (size_t)n, (uint64_t)st.st_size, &info, err, sizeof(err));
	if (ret) {
		log_error("cannot boot kernel '%s': %s", cfg->kernel_path,
			  n < 0 ? strerror(-ret) : err);
		goto out;
	}

	/* boot.rst, "LOADING THE REST OF THE KERNEL": bzImage at 1 MiB. */
	uint64_t load = LINUX_BZIMAGE_LOAD;
	uint64_t run, end;
	if (bzimage_footprint(&info, load, &run, &end) || end > vm->mem.low_size) {
		ret = -ENOMEM;
		log_error("kernel '%s' needs %llu MiB of guest RAM (it runs at %#llx and needs "
			  "%llu MiB there before it reads the memory map); the guest has %llu MiB "
			  "below 4 GiB: use a larger --mem",
			  cfg->kernel_path, (unsigned long long)((end + MIB - 1) / MIB),
			  (unsigned long long)run, (unsigned long long)(info.init_size / MIB),
			  (unsigned long long)(vm->mem.low_size / MIB));
		goto out;
	}
	uint8_t *dst = guest_mem_ptr(&vm->mem, load, info.kernel_size); /* checked above */
	n = pread(fd, dst, info.kernel_size, info.setup_size);
	if (n < 0 || (uint64_t)n != info.kernel_size) {
		ret = n < 0 ? -errno : -EIO;
		log_error("cannot read kernel '%s': %s", cfg->kernel_path,
			  n < 0 ? strerror(errno) : "file shrank while loading");
		goto out;
	}

	struct linux_boot lb = {
		.cmdline_max = info.cmdline_size,
		.kernel_end = end,
		.initrd_limit = (uint64_t)info.initrd_addr_max + 1,
	};
	if ((ret = prepare_common(vm, cfg, &lb)))
		goto out;

	struct linux_boot_args args = {
		.kernel_addr = load,
		.cmdline_addr = LINUX_CMDLINE,
		.initrd_addr = lb.initrd_addr,
		.initrd_size = lb.initrd_size,
		.e820 = lb.e820,
		.e820_entries = lb.e820_entries,
	};
	struct boot_params *bp = guest_mem_ptr(&vm->mem, LINUX_ZERO_PAGE, sizeof(*bp));
	if (!bp || (ret = bzimage_fill_boot_params(bp, head, &info, &args))) {
		ret = bp ? ret : -ENOMEM;
		goto out;
	}

	/* 64-bit BOOT PROTOCOL: long mode, identity mapped, RSI = zero page. */
	struct cpu_entry entry = {
		.rip = load + ENTRY_64_OFFSET,
		.rsp = LINUX_STACK_TOP,
		.rsi = LINUX_ZERO_PAGE,
	};
	ret = cpu_setup_long_mode(&vm->vcpus[0], &entry);
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

int boot_linux_pvh(struct vm *vm, const struct vm_config *cfg, const struct elf_image *img)
{
	struct hvm_start_info si;
	struct hvm_modlist_entry mod;
	struct hvm_memmap_table_entry memmap[E820_MAX_ENTRIES];
	const struct pvh_layout layout = {
		.start_info = LINUX_START_INFO,
		.modlist = LINUX_PVH_MODLIST,
		.memmap = LINUX_PVH_MEMMAP,
	};
	int ret;

	if (img->pvh_entry < img->load_low || img->pvh_entry >= img->load_high) {
		log_error("cannot boot kernel '%s': its PVH entry point %#x is outside its "
			  "segments",
			  cfg->kernel_path, img->pvh_entry);
		return -ENOEXEC;
	}

	/*
	 * The initrd stays below 4 GiB: Linux copies its address into the
	 * 32-bit ramdisk_image field (pvh/enlighten.c).
	 */
	struct linux_boot lb = {
		.cmdline_max = PVH_CMDLINE_MAX,
		.kernel_end = img->load_high,
		.initrd_limit = vm->mem.low_size,
	};
	if ((ret = prepare_common(vm, cfg, &lb)))
		return ret;

	pvh_start_info_fill(&si, &mod, memmap, &layout, LINUX_CMDLINE, lb.initrd_addr,
			    lb.initrd_size, lb.e820, lb.e820_entries);
	if (guest_mem_write(&vm->mem, layout.start_info, &si, sizeof(si)) ||
	    guest_mem_write(&vm->mem, layout.modlist, &mod, sizeof(mod)) ||
	    guest_mem_write(&vm->mem, layout.memmap, memmap, lb.e820_entries * sizeof(memmap[0])))
		return -ENOMEM;

	/* PVH: 32-bit protected mode, paging off, EBX = start info. */
	struct cpu_entry entry = {
		.rip = img->pvh_entry,
		.rsp = LINUX_STACK_TOP,
		.rbx = LINUX_START_INFO,
	};
	return cpu_setup_protected_mode(&vm->vcpus[0], &entry);
}
