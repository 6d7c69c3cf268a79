// SPDX-License-Identifier: MIT
/*
 * VM and vCPU life cycle over /dev/kvm, and the vCPU run loop with the port-I/O dispatch.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm.h"

/* Where KVM may put the three pages of the (VMX-only) real-mode TSS: just below 4 GiB. */
#define TSS_ADDR 0xfffbd000UL

int kvm_ioctl(int fd, unsigned long req, unsigned long arg, const char *name)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret < 0 && errno == EINTR && req != KVM_RUN);
	if (ret < 0 && !(req == KVM_RUN && errno == EINTR)) {
		int saved = errno;

		fprintf(stderr, "vmm: ioctl %s failed: %s (errno %d)\n", name, strerror(saved),
			saved);
		errno = saved;
	}
	return ret;
}

int vm_open(struct vm *vm, uint64_t mem_size)
{
	struct kvm_userspace_memory_region region;
	int version, mmap_size;

	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = vm->vcpu_fd = -1;
	rtc_init(&vm->rtc);

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		fprintf(stderr, "vmm: open /dev/kvm failed: %s (errno %d)\n", strerror(errno),
			errno);
		return -1;
	}
	version = KVM_IOCTL(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (version < 0)
		return -1;
	if (version != KVM_API_VERSION) {
		fprintf(stderr, "vmm: KVM_GET_API_VERSION returned %d, expected %d\n", version,
			KVM_API_VERSION);
		return -1;
	}
	vm->vm_fd = KVM_IOCTL(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return -1;
	/* Needed by VMX for real mode; accepted and ignored by SVM. */
	if (KVM_IOCTL(vm->vm_fd, KVM_SET_TSS_ADDR, TSS_ADDR) < 0)
		return -1;

	vm->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		fprintf(stderr, "vmm: mmap of %llu bytes of guest memory failed: %s (errno %d)\n",
			(unsigned long long)mem_size, strerror(errno), errno);
		return -1;
	}
	vm->mem_size = mem_size;

	memset(&region, 0, sizeof(region));
	region.slot = 0;
	region.guest_phys_addr = 0;
	region.memory_size = mem_size;
	region.userspace_addr = (uintptr_t)vm->mem;
	if (KVM_IOCTL(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return -1;

	mmap_size = KVM_IOCTL(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size < 0)
		return -1;
	vm->run_size = (size_t)mmap_size;
	return 0;
}

/* In-kernel PIC, IOAPIC and local APIC, and the PIT with its speaker port ignored. */
int vm_create_irqchip(struct vm *vm)
{
	struct kvm_pit_config pit;

	if (KVM_IOCTL(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return -1;
	memset(&pit, 0, sizeof(pit));
	/* Without a dummy speaker port the guest's PIT-based timer calibration can hang. */
	pit.flags = KVM_PIT_SPEAKER_DUMMY;
	if (KVM_IOCTL(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		return -1;
	vm->has_irqchip = 1;
	return 0;
}

int vm_create_vcpu(struct vm *vm)
{
	vm->vcpu_fd = KVM_IOCTL(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0)
		return -1;
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED) {
		vm->run = NULL;
		fprintf(stderr, "vmm: mmap of the vCPU's kvm_run area failed: %s (errno %d)\n",
			strerror(errno), errno);
		return -1;
	}
	return 0;
}

/*
 * Give the guest what KVM supports, plus the "running under a hypervisor" bit (CPUID.1:ECX[31])
 * so that a Linux guest looks at the KVM leaves 0x40000000.. and uses kvm-clock.
 */
int vm_setup_cpuid(struct vm *vm)
{
	struct kvm_cpuid2 *cpuid = NULL;
	unsigned nent = 64;
	unsigned i;
	int ret;

	for (;;) {
		free(cpuid);
		cpuid = calloc(1, sizeof(*cpuid) + nent * sizeof(cpuid->entries[0]));
		if (!cpuid) {
			fprintf(stderr, "vmm: out of memory for %u CPUID entries\n", nent);
			return -1;
		}
		cpuid->nent = nent;
		ret = ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid);
		if (ret == 0)
			break;
		if (errno == E2BIG && nent < 4096) {
			nent *= 2;
			continue;
		}
		fprintf(stderr, "vmm: ioctl KVM_GET_SUPPORTED_CPUID failed: %s (errno %d)\n",
			strerror(errno), errno);
		free(cpuid);
		return -1;
	}

	for (i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function == 1) {
			e->ecx |= 1u << 31;                 /* hypervisor present */
			/* EBX: initial APIC ID 0 (bits 31:24), one logical CPU (bits 23:16). */
			e->ebx = (e->ebx & 0x0000ffffu) | (1u << 16);
		}
	}

	ret = KVM_IOCTL(vm->vcpu_fd, KVM_SET_CPUID2, cpuid);
	free(cpuid);
	return ret < 0 ? -1 : 0;
}

/* Local APIC registers in struct kvm_lapic_state. */
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_MODE_EXTINT 0x7
#define APIC_MODE_NMI 0x4

static void lapic_set_delivery(struct kvm_lapic_state *lapic, unsigned reg, uint32_t mode)
{
	uint32_t v;

	memcpy(&v, &lapic->regs[reg], sizeof(v));
	v = (v & ~0x700u) | (mode << 8);
	memcpy(&lapic->regs[reg], &v, sizeof(v));
}

/* Virtual-wire mode as firmware leaves it: LINT0 takes the PIC's ExtINT, LINT1 the NMI. */
int vm_setup_lapic(struct vm *vm)
{
	struct kvm_lapic_state lapic;

	if (KVM_IOCTL(vm->vcpu_fd, KVM_GET_LAPIC, &lapic) < 0)
		return -1;
	lapic_set_delivery(&lapic, APIC_LVT_LINT0, APIC_MODE_EXTINT);
	lapic_set_delivery(&lapic, APIC_LVT_LINT1, APIC_MODE_NMI);
	if (KVM_IOCTL(vm->vcpu_fd, KVM_SET_LAPIC, &lapic) < 0)
		return -1;
	return 0;
}

int vm_set_irq_line(struct vm *vm, unsigned irq, int level)
{
	struct kvm_irq_level line;

	if (!vm->has_irqchip)
		return 0;
	memset(&line, 0, sizeof(line));
	line.irq = irq;
	line.level = level;
	return KVM_IOCTL(vm->vm_fd, KVM_IRQ_LINE, &line) < 0 ? -1 : 0;
}

void vm_close(struct vm *vm)
{
	if (vm->run)
		munmap(vm->run, vm->run_size);
	if (vm->mem)
		munmap(vm->mem, vm->mem_size);
	if (vm->vcpu_fd >= 0)
		close(vm->vcpu_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = vm->vcpu_fd = -1;
}

/*
 * Port input: emulated devices answer, absent ones float high (all ones). Accesses keep their
 * width: a 32-bit access to the PCI address port 0xcf8 must not reach the byte register 0xcf9.
 */
static void port_in(struct vm *vm, uint16_t port, uint8_t *data, unsigned size)
{
	if (size == 1 && port >= COM1_BASE && port < COM1_BASE + 8) {
		*data = serial_read(vm, port - COM1_BASE);
		return;
	}
	if (size == 1 && (port == RTC_BASE || port == RTC_BASE + 1)) {
		*data = rtc_read(&vm->rtc, port - RTC_BASE);
		return;
	}
	memset(data, 0xff, size);
}

/* Port output; returns a run outcome when the write stops the guest, -1 otherwise. */
static int port_out(struct vm *vm, uint16_t port, const uint8_t *data, unsigned size,
		    int *debug_exit_value)
{
	if (size != 1)
		return -1; /* no emulated device has wider registers */
	if (port >= COM1_BASE && port < COM1_BASE + 8) {
		serial_write(vm, port - COM1_BASE, data[0]);
		return -1;
	}
	if (port == RTC_BASE || port == RTC_BASE + 1) {
		rtc_write(&vm->rtc, port - RTC_BASE, data[0]);
		return -1;
	}
	switch (port) {
	case DEBUG_EXIT_PORT:
		*debug_exit_value = data[0];
		return RUN_DEBUG_EXIT;
	case KBD_STATUS_PORT:
		if (data[0] == 0xfe) {
			if (vm->verbose)
				fprintf(stderr, "vmm: guest reset through the keyboard controller\n");
			return RUN_SHUTDOWN;
		}
		return -1;
	case RESET_CF9_PORT:
		if (data[0] & 0x04) {
			if (vm->verbose)
				fprintf(stderr, "vmm: guest reset through port 0xcf9\n");
			return RUN_SHUTDOWN;
		}
		return -1;
	default:
		return -1;
	}
}

/* One KVM_EXIT_IO, possibly a string instruction repeated io.count times. */
static int handle_io(struct vm *vm, int *debug_exit_value)
{
	struct kvm_run *run = vm->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint32_t i;

	for (i = 0; i < run->io.count; i++, data += run->io.size) {
		if (run->io.direction == KVM_EXIT_IO_IN) {
			port_in(vm, run->io.port, data, run->io.size);
		} else {
			int r = port_out(vm, run->io.port, data, run->io.size, debug_exit_value);

			if (r >= 0)
				return r;
		}
	}
	return -1;
}

static const char *exit_reason_name(uint32_t reason)
{
	switch (reason) {
	case KVM_EXIT_UNKNOWN: return "KVM_EXIT_UNKNOWN";
	case KVM_EXIT_EXCEPTION: return "KVM_EXIT_EXCEPTION";
	case KVM_EXIT_FAIL_ENTRY: return "KVM_EXIT_FAIL_ENTRY";
	case KVM_EXIT_INTERNAL_ERROR: return "KVM_EXIT_INTERNAL_ERROR";
	default: return "unexpected exit";
	}
}

enum run_outcome vm_run(struct vm *vm, int *debug_exit_value)
{
	struct kvm_run *run = vm->run;

	for (;;) {
		if (KVM_IOCTL(vm->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue; /* a signal: run again */
			return RUN_ERROR;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO: {
			int r = handle_io(vm, debug_exit_value);

			if (r >= 0)
				return (enum run_outcome)r;
			break;
		}
		case KVM_EXIT_MMIO:
			/* No MMIO devices: reads see all ones, writes are dropped. */
			if (!run->mmio.is_write)
				memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
			break;
		case KVM_EXIT_HLT:
			return RUN_HALT;
		case KVM_EXIT_SHUTDOWN:
			if (vm->verbose)
				fprintf(stderr, "vmm: guest shutdown (triple fault or reset)\n");
			return RUN_SHUTDOWN;
		case KVM_EXIT_SYSTEM_EVENT:
			if (vm->verbose)
				fprintf(stderr, "vmm: guest system event %u\n",
					run->system_event.type);
			return RUN_SHUTDOWN;
		case KVM_EXIT_FAIL_ENTRY:
			fprintf(stderr, "vmm: KVM_RUN: %s, hardware reason 0x%llx\n",
				exit_reason_name(run->exit_reason),
				(unsigned long long)run->fail_entry.hardware_entry_failure_reason);
			return RUN_ERROR;
		case KVM_EXIT_INTERNAL_ERROR:
			fprintf(stderr, "vmm: KVM_RUN: %s, suberror %u\n",
				exit_reason_name(run->exit_reason), run->internal.suberror);
			return RUN_ERROR;
		default:
			fprintf(stderr, "vmm: KVM_RUN: %s (exit reason %u)\n",
				exit_reason_name(run->exit_reason), run->exit_reason);
			return RUN_ERROR;
		}
	}
}
