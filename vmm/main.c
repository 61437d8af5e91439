// SPDX-License-Identifier: MIT
/*
 * kvmini: the whole life of a VM, in order. Each step is one call; a student
 * can read this function top to bottom and know where to look next.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "abi/kvmini_abi.h"
#include "board/board.h"
#include "board/board_labs.h"
#include "boot/boot.h"
#include "cli.h"
#include "ctl.h"
#include "host/control_vm.h"
#include "host/restore.h"
#include "host/snapshot.h"
#include "host/stdin_console.h"
#include "kvm/host_quirks.h"
#include "kvmini/log.h"
#include "host/seccomp.h"
#include "host/stats.h"
#include "host/symbols.h"
#include "kvm/vcpu.h"
#include "kvm/vm.h"
#include "host/virtiofsd.h"
#include "host/watch.h"
#include "oci/oci_main.h"

static uint64_t host_ram_bytes(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	return pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : 0;
}

/*
 * `kvmini host-info`: what host_quirks_detect() decides here, and whether
 * /dev/kvm is usable, as JSON for scripts (vmm/kvm/host_quirks.h). Needs
 * no /dev/kvm: its absence is part of the answer.
 */
static int host_info(void)
{
	char why[256];
	bool usable = host_quirks_kvm_check("/dev/kvm", why, sizeof(why)) == 0;

	if (host_quirks_print_json(host_quirks_detect(), usable ? NULL : why, stdout) ||
	    fflush(stdout)) {
		log_error("cannot write the host information: %s", strerror(errno));
		return KVMINI_STATUS_SETUP_ERROR;
	}
	return KVMINI_STATUS_OK;
}

/*
 * Steps 2 and 3 of every setup: the I/O thread's loop with the signals and
 * watchdog that end a run and the control socket's requests
 * (host/control_vm.c), the devices on the buses (the board; kvmini-lab
 * adds the labs'), then the vCPUs. 0 or -errno (logged).
 */
static int setup_loop_and_board(struct vm *vm, struct board *board, struct watch *watch,
				struct control_vm *ctl, const struct vm_config *cfg)
{
	int ret;

	if ((ret = event_loop_init(&vm->loop)) || (ret = watch_signals(watch, vm)) ||
	    (ret = watch_timeout(watch, cfg->timeout_s)) || (ret = control_vm_start(ctl))) {
		log_error("cannot set up the event loop: %s", strerror(-ret));
		return ret;
	}
	if ((ret = board_setup(board, vm, cfg)) || (ret = board_labs_setup(board)) ||
	    (ret = vcpus_create(vm)))
		return ret;
	return 0;
}

/* Everything before the first KVM_RUN. Logs its own errors. 0 or -errno. */
static int setup(struct vm *vm, struct board *board, struct watch *watch, struct control_vm *ctl,
		 const struct vm_config *cfg, struct symbols *syms)
{
	int ret;

	/*
	 * 0. Every input file is of the right kind, readable and sound, and
	 * the symbols are read: bad input is refused before touching KVM.
	 */
	if ((ret = boot_check_inputs(cfg)))
		return ret;
	char why[512];
	if ((ret = virtiofsd_check_shares(cfg, why, sizeof(why)))) {
		log_error("%s", why);
		return ret;
	}
	if (cfg->symbols_path) {
		char err[256];
		ret = symbols_load(syms, cfg->symbols_path, err, sizeof(err));
		if (ret == -ENODATA) {
			log_warn("ignoring symbols '%s' (--symbols): %s; crash reports will show "
				 "bare addresses",
				 cfg->symbols_path, err);
		} else if (ret) {
			log_error("cannot read symbols '%s' (--symbols): %s", cfg->symbols_path,
				  err);
			return ret;
		} else {
			vm->symbols = syms;
		}
	}
	/* The control socket: a name another live VM holds is refused here too. */
	if ((ret = control_vm_open(ctl, vm, cfg)))
		return ret;
	vm->quirks = host_quirks_detect();
	log_debug("KVM host kind: %s", vm->quirks->name);

	/*
	 * 1. The VM, its RAM and interrupt controllers. Linux and multiboot
	 * kernels (kvm-unit-tests) need the whole PC (APICs and the PIT); the tiny guest needs
	 * interrupts only for virtio devices, and local APICs only to keep extra vCPUs waiting for
	 * a startup IPI (without one they would run from the reset vector). The irqchip comes
	 * before the board: a line wired without one stays dead.
	 */
	enum kernel_kind kind = boot_detect(cfg->kernel_path);
	bool is_pc = kind != KERNEL_ELF;
	bool has_virtio = cfg->ndisks || cfg->console != CONSOLE_NONE || cfg->rng || cfg->nnics ||
			  cfg->vsock_path || cfg->nshares;
	bool need_irqchip = is_pc || has_virtio || cfg->cpus > 1 || board_labs_need_irqchip();
	/* With --share, RAM is a memfd that virtiofsd maps (vhost-user SET_MEM_TABLE). */
	if ((ret = vm_open(vm)) || (ret = vm_create_memory(vm, cfg->mem_size, cfg->nshares > 0)) ||
	    (need_irqchip && (ret = vm_create_irqchip(vm, is_pc))))
		return ret;

	/*
	 * 2 and 3: the event loop, the board and the vCPUs; for a multiboot
	 * kernel also QEMU's isa-debug-exit, fw_cfg and pc-testdev.
	 */
	if ((ret = setup_loop_and_board(vm, board, watch, ctl, cfg)) ||
	    (kind == KERNEL_MULTIBOOT && (ret = board_add_qemu_devices(board, cfg))))
		return ret;

	/* 4. The guest image, and the boot CPU's registers. */
	if ((ret = boot_guest(vm, cfg, kind)))
		return ret;

	/* 5. Input for the guest console; a snapshot when the guest is ready, if asked. */
	if (cfg->snapshot_dir &&
	    (ret = snapshot_on_ready(vm, cfg->snapshot_dir, cfg->exit_after_snapshot)))
		return ret;
	return board_start_console(board, cfg);
}

/*
 * `kvmini restore DIR`: the same steps as setup(), but the VM's shape comes
 * from the snapshot, RAM is the snapshot's memory.bin (copy-on-write), and
 * instead of booting a kernel every piece of state is set back
 * (host/restore.h). opts is the command line; r->cfg the VM's configuration.
 */
static int setup_restore(struct vm *vm, struct board *board, struct watch *watch,
			 struct control_vm *ctl, const struct vm_config *opts, struct restore *r)
{
	int ret;

	/*
	 * 0. The whole snapshot directory is checked before touching KVM; the
	 * control socket is the command line's, as for a run.
	 */
	vm->quirks = host_quirks_detect();
	if ((ret = restore_check(r, opts, vm->quirks->name)) ||
	    (ret = control_vm_open(ctl, vm, opts)))
		return ret;
	const struct vm_config *cfg = &r->cfg;
	vm->ncpus = cfg->cpus;
	vm->cfg = cfg;

	/* 1. The VM, RAM mapped from the snapshot, the irqchip (and PIT) it had. */
	if ((ret = vm_open(vm)) || (ret = vm_create_memory_file(vm, cfg->mem_size, r->mem_fd)) ||
	    (r->manifest.irqchip && (ret = vm_create_irqchip(vm, r->manifest.pit))))
		return ret;

	/* 2 and 3: the event loop, the board and the vCPUs, as for a run. */
	if ((ret = setup_loop_and_board(vm, board, watch, ctl, cfg)))
		return ret;

	/* 4. The state, in KVM's order; 5. the guest console, fed `-- CMD` if given. */
	if ((ret = restore_apply(r, vm)) || (ret = restore_feed_command(opts)))
		return ret;
	return board_start_console(board, cfg);
}

int main(int argc, char **argv)
{
	struct vm vm = {.kvm_fd = -1, .vm_fd = -1, .loop = {.epoll_fd = -1, .wake_fd = -1}};
	struct board board = {0};
	struct watch watch = {0};
	struct vm_config cfg;
	struct symbols syms = {0};
	struct control_vm ctl;
	struct restore restore = {.dirfd = -1, .mem_fd = -1};
	char err[512];

	vm.start_ns = vm_now_ns();
	/*
	 * `kvmini oci ...` is an OCI runtime with runc's command line, whose
	 * global options (--root, --log) are not kvmini's: it parses its own.
	 */
	if (argc >= 2 && strcmp(argv[1], "oci") == 0)
		return oci_main(argc - 1, argv + 1);
	/*
	 * Called as kvmini-oci (the installed symlink): podman and containerd
	 * run a runtime by path with runc's arguments and no way to insert "oci".
	 */
	if (oci_main_is_runtime_name(argv[0]))
		return oci_main(argc, argv);
	switch (cli_parse(argc, argv, host_ram_bytes(), &cfg, stdout, err, sizeof(err))) {
	case CLI_EXIT_OK:
		return 0;
	case CLI_HOST_INFO:
		return host_info();
	case CLI_CTL:
		return ctl_command(&cfg, stdout);
	case CLI_LIST:
		return ctl_list(stdout);
	case CLI_ERROR:
		log_error("%s", err);
		return KVMINI_STATUS_SETUP_ERROR;
	case CLI_RUN:
	case CLI_RESTORE:
		break;
	}
	log_set_level(cfg.verbosity >= 2 ? LOG_DEBUG : cfg.verbosity == 1 ? LOG_INFO : LOG_WARN);
	vm.ncpus = cfg.cpus;
	vm.trace = cfg.trace;
	vm.cfg = &cfg;
	control_server_init(&ctl.srv);

	int status = KVMINI_STATUS_SETUP_ERROR;
	int ret = cfg.restore_dir ? setup_restore(&vm, &board, &watch, &ctl, &cfg, &restore)
				  : setup(&vm, &board, &watch, &ctl, &cfg, &syms);
	if (ret == 0) {
		vm_mark(&vm, "VM ready", -1);
		/*
		 * 6. Run: vCPU threads run the guest; this thread serves I/O until a
		 * stop. First the system-call filter, which the threads inherit,
		 * after a restore too: the one program that has what this run
		 * needs (config_seccomp_extras()).
		 */
		if ((!cfg.seccomp || seccomp_install(config_seccomp_extras(vm.cfg, &cfg)) == 0) &&
		    vcpus_start(&vm) == 0) {
			ret = event_loop_run(&vm.loop);
			if (ret)
				log_error("event loop failed: %s", strerror(-ret));
			status = vm.exit_status;
		}
	}

	/*
	 * 7. Tear down, on every path: vCPUs stopped, the control socket
	 * removed, disks flushed, terminal restored.
	 */
	vm_request_stop(&vm, status);
	vcpus_stop(&vm);
	control_vm_close(&ctl);
	board_labs_destroy(&board);
	board_shutdown(&board);
	stdin_console_restore();
	uint64_t end = vm_now_ns();
	if (watch_stop_reason(&watch))
		log_error("%s", watch_stop_reason(&watch));
	if (cfg.trace)
		stats_print_exits(&vm, end);
	if (cfg.boot_times)
		stats_print_boot_times(&vm, end);
	event_loop_destroy(&vm.loop);
	vm_destroy(&vm);
	symbols_free(&syms);
	restore_free(&restore);
	return vm.exit_status;
}
