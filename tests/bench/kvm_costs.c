// SPDX-License-Identifier: MIT
/*
 * kvm_costs: what each step of starting and stopping a VM costs on this
 * host, so that a monitor's startup time can be read line by line.
 *
 * Usage: kvm_costs [ROUNDS]   (default 30; prints the median of each step)
 *
 * Every round builds VMs the way a monitor does and times each system call
 * with CLOCK_MONOTONIC:
 *   - open /dev/kvm, KVM_CREATE_VM, a 2 MiB and a 128 MiB memory slot,
 *     KVM_CREATE_VCPU, KVM_GET_SUPPORTED_CPUID with a buffer that is large
 *     enough at once and with one that is too small first (64 entries, the
 *     E2BIG retry), KVM_SET_CPUID2;
 *   - starting and joining a thread (a monitor's vCPU thread);
 *   - the first KVM_RUN of a guest that halts at once;
 *   - KVM_CREATE_IRQCHIP and KVM_CREATE_PIT2 (what a Linux guest needs);
 *   - closing the VM, which is when KVM tears it down, without an
 *     in-kernel irqchip, with KVM_CREATE_IRQCHIP, and with the PIT as well;
 *   - 90 one-byte write()s to stdout against one 90-byte write(): what a
 *     serial console that writes each byte as it comes costs per line of
 *     guest output (stdout as this program got it: run it with stdout on
 *     a pipe to see what a benchmark reading the console sees).
 * Needs /dev/kvm (exit status 77 without it).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MAX_ROUNDS 1000

enum step {
	OPEN_KVM,
	CREATE_VM,
	SLOT_2M,
	SLOT_128M,
	CREATE_VCPU,
	CPUID_ONE_CALL,
	CPUID_E2BIG_FIRST,
	SET_CPUID,
	CREATE_IRQCHIP,
	CREATE_PIT,
	THREAD,
	FIRST_RUN,
	CLOSE_PLAIN,
	CLOSE_IRQCHIP,
	CLOSE_IRQCHIP_PIT,
	WRITE_BYTES,
	WRITE_LINE,
	NSTEPS
};

static const char *const step_names[NSTEPS] = {
	[OPEN_KVM] = "open /dev/kvm",
	[CREATE_VM] = "KVM_CREATE_VM",
	[SLOT_2M] = "mmap + KVM_SET_USER_MEMORY_REGION, 2 MiB",
	[SLOT_128M] = "mmap + KVM_SET_USER_MEMORY_REGION, 128 MiB",
	[CREATE_VCPU] = "KVM_CREATE_VCPU + mmap of kvm_run",
	[CPUID_ONE_CALL] = "KVM_GET_SUPPORTED_CPUID, 256 entries at once",
	[CPUID_E2BIG_FIRST] = "KVM_GET_SUPPORTED_CPUID, 64 (E2BIG) then 128",
	[SET_CPUID] = "KVM_SET_CPUID2",
	[CREATE_IRQCHIP] = "KVM_CREATE_IRQCHIP (PIC, IOAPIC, local APICs)",
	[CREATE_PIT] = "KVM_CREATE_PIT2",
	[THREAD] = "pthread_create + pthread_join (empty thread)",
	[FIRST_RUN] = "first KVM_RUN to HLT (real mode, 3 instructions)",
	[CLOSE_PLAIN] = "close VM + vCPU, no irqchip (teardown)",
	[CLOSE_IRQCHIP] = "close VM + vCPU, with KVM_CREATE_IRQCHIP",
	[CLOSE_IRQCHIP_PIT] = "close VM + vCPU, with irqchip and KVM_CREATE_PIT2",
	[WRITE_BYTES] = "90 one-byte write()s to stdout",
	[WRITE_LINE] = "one 90-byte write() to stdout",
};

static double samples[NSTEPS][MAX_ROUNDS];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "kvm_costs: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ioctl that must succeed, timed into *us (may be NULL). Returns its result. */
static int timed_ioctl(int fd, unsigned long req, void *arg, double *us)
{
	uint64_t t0 = now_ns();
	int ret = ioctl(fd, req, arg);
	if (us)
		*us = (double)(now_ns() - t0) / 1e3;
	if (ret < 0)
		die("ioctl");
	return ret;
}

/* A memory slot of size bytes at guest address 0; returns the mapping. */
static void *add_slot(int vm, size_t size, double *us)
{
	uint64_t t0 = now_ns();
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	struct kvm_userspace_memory_region region = {.memory_size = size,
						     .userspace_addr = (uintptr_t)mem};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("KVM_SET_USER_MEMORY_REGION");
	*us = (double)(now_ns() - t0) / 1e3;
	return mem;
}

/* KVM_GET_SUPPORTED_CPUID starting at first entries, doubling on E2BIG. */
static struct kvm_cpuid2 *get_cpuid(int kvm, unsigned int first, double *us)
{
	uint64_t t0 = now_ns();
	for (unsigned int n = first; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		if (!c)
			die("calloc");
		c->nent = n;
		if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			*us = (double)(now_ns() - t0) / 1e3;
			return c;
		}
		free(c);
		if (errno != E2BIG)
			die("KVM_GET_SUPPORTED_CPUID");
	}
	die("KVM_GET_SUPPORTED_CPUID: too many entries");
	return NULL;
}

static void *empty_thread(void *arg)
{
	return arg;
}

/* One VM with one vCPU; irqchip 0, 1 (IRQCHIP) or 2 (IRQCHIP + PIT). Times
 * its setup into row r when irqchip is 0, and its teardown always. */
static void one_vm(int kvm, int run_size, int irqchip, int r)
{
	double ignore;
	int vm = timed_ioctl(kvm, KVM_CREATE_VM, 0, irqchip ? NULL : &samples[CREATE_VM][r]);
	if (irqchip) {
		timed_ioctl(vm, KVM_CREATE_IRQCHIP, 0,
			    irqchip == 1 ? &samples[CREATE_IRQCHIP][r] : NULL);
		if (irqchip == 2) {
			struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
			timed_ioctl(vm, KVM_CREATE_PIT2, &pit, &samples[CREATE_PIT][r]);
		}
	}
	uint8_t *mem = add_slot(vm, 2 << 20, irqchip ? &ignore : &samples[SLOT_2M][r]);
	/* mov $0x42, %al; out %al, $0xf1; hlt  at 0x1000, real mode */
	static const uint8_t code[] = {0xb0, 0x42, 0xe6, 0xf1, 0xf4};
	memcpy(mem + 0x1000, code, sizeof(code));
	uint64_t t0 = now_ns();
	int vcpu = timed_ioctl(vm, KVM_CREATE_VCPU, 0, NULL);
	struct kvm_run *run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");
	if (!irqchip)
		samples[CREATE_VCPU][r] = (double)(now_ns() - t0) / 1e3;
	struct kvm_sregs sregs;
	timed_ioctl(vcpu, KVM_GET_SREGS, &sregs, NULL);
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	struct kvm_regs regs = {.rip = 0x1000, .rflags = 0x2};
	timed_ioctl(vcpu, KVM_SET_SREGS, &sregs, NULL);
	timed_ioctl(vcpu, KVM_SET_REGS, &regs, NULL);
	/*
	 * Without an in-kernel irqchip, HLT exits to user space; with one, KVM
	 * keeps a halted vCPU in the kernel until an interrupt comes. So
	 * only the first VM runs to HLT; the others stop at the port write.
	 */
	t0 = now_ns();
	do {
		timed_ioctl(vcpu, KVM_RUN, 0, NULL);
	} while (!irqchip && run->exit_reason == KVM_EXIT_IO);
	if (!irqchip)
		samples[FIRST_RUN][r] = (double)(now_ns() - t0) / 1e3;
	/* The VM is destroyed when its last reference goes: the vCPU fd and
	 * the kvm_run mapping hold one each. */
	t0 = now_ns();
	munmap(run, run_size);
	close(vcpu);
	close(vm);
	samples[CLOSE_PLAIN + irqchip][r] = (double)(now_ns() - t0) / 1e3;
	munmap(mem, 2 << 20);
}

static void one_round(int r)
{
	char line[90]; /* about the tiny guest's whole console output */
	memset(line, '.', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	uint64_t t0 = now_ns();
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	samples[OPEN_KVM][r] = (double)(now_ns() - t0) / 1e3;
	if (kvm < 0)
		die("/dev/kvm");
	int run_size = timed_ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0, NULL);

	/* A 128 MiB slot and the CPUID calls, on a VM of their own. */
	int vm = timed_ioctl(kvm, KVM_CREATE_VM, 0, NULL);
	void *big = add_slot(vm, 128 << 20, &samples[SLOT_128M][r]);
	int vcpu = timed_ioctl(vm, KVM_CREATE_VCPU, 0, NULL);
	free(get_cpuid(kvm, 64, &samples[CPUID_E2BIG_FIRST][r]));
	struct kvm_cpuid2 *cpuid = get_cpuid(kvm, 256, &samples[CPUID_ONE_CALL][r]);
	timed_ioctl(vcpu, KVM_SET_CPUID2, cpuid, &samples[SET_CPUID][r]);
	free(cpuid);
	close(vcpu);
	close(vm);
	munmap(big, 128 << 20);

	pthread_t thread;
	t0 = now_ns();
	if (pthread_create(&thread, NULL, empty_thread, NULL) || pthread_join(thread, NULL))
		die("pthread");
	samples[THREAD][r] = (double)(now_ns() - t0) / 1e3;

	for (int irqchip = 0; irqchip <= 2; irqchip++)
		one_vm(kvm, run_size, irqchip, r);
	close(kvm);

	t0 = now_ns();
	for (int i = 0; i < 90; i++)
		if (write(STDOUT_FILENO, &line[i], 1) != 1)
			die("write");
	samples[WRITE_BYTES][r] = (double)(now_ns() - t0) / 1e3;
	t0 = now_ns();
	if (write(STDOUT_FILENO, line, 90) != 90)
		die("write");
	samples[WRITE_LINE][r] = (double)(now_ns() - t0) / 1e3;
}

static int compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 30;

	if (rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "usage: kvm_costs [ROUNDS (1-%d)]\n", MAX_ROUNDS);
		return 2;
	}
	if (access("/dev/kvm", R_OK | W_OK) != 0) {
		fprintf(stderr, "kvm_costs: SKIP: /dev/kvm: %s\n", strerror(errno));
		return 77;
	}
	for (int r = 0; r < rounds; r++)
		one_round(r);
	/* Results on stderr: stdout carried the write() test's bytes. */
	fprintf(stderr, "kvm_costs: median of %d rounds, microseconds\n", rounds);
	for (int s = 0; s < NSTEPS; s++) {
		qsort(samples[s], rounds, sizeof(double), compare);
		fprintf(stderr, "%10.1f  %s\n", samples[s][rounds / 2], step_names[s]);
	}
	return 0;
}
