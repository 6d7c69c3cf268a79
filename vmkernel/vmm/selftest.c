// SPDX-License-Identifier: MIT
/*
 * vmm --selftest: a few bytes of real-mode code that print "OK" on the emulated COM1 and halt.
 * It checks /dev/kvm, guest memory, a vCPU, CPUID, port-I/O exits and the UART in well under a
 * second, without a kernel image. It runs without the in-kernel irqchip so that HLT exits to
 * the VMM.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmm.h"

#define SELFTEST_MEM (1u << 20)
#define SELFTEST_CODE 0x1000

static const uint8_t selftest_code[] = {
	0xba, 0xf8, 0x03, /* mov dx, 0x3f8 */
	0xb0, 'O',        /* mov al, 'O' */
	0xee,             /* out dx, al */
	0xb0, 'K',        /* mov al, 'K' */
	0xee,             /* out dx, al */
	0xb0, '\n',       /* mov al, '\n' */
	0xee,             /* out dx, al */
	0xf4,             /* hlt */
};

int selftest_run(int verbose)
{
	static const char expected[] = "OK\n";
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct vm vm;
	enum run_outcome outcome;
	int debug_exit = 0, ok;

	if (vm_open(&vm, SELFTEST_MEM) < 0 || vm_create_vcpu(&vm) < 0 || vm_setup_cpuid(&vm) < 0)
		goto fail;
	vm.verbose = verbose;
	serial_init(&vm.com1, STDOUT_FILENO);
	memcpy(vm.mem + SELFTEST_CODE, selftest_code, sizeof(selftest_code));

	/* Real mode, CS base 0: execution starts at physical SELFTEST_CODE. */
	if (KVM_IOCTL(vm.vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		goto fail;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (KVM_IOCTL(vm.vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		goto fail;
	memset(&regs, 0, sizeof(regs));
	regs.rip = SELFTEST_CODE;
	regs.rflags = 0x2;
	if (KVM_IOCTL(vm.vcpu_fd, KVM_SET_REGS, &regs) < 0)
		goto fail;

	outcome = vm_run(&vm, &debug_exit);
	ok = outcome == RUN_HALT && vm.com1.captured == strlen(expected) &&
	     memcmp(vm.com1.capture, expected, strlen(expected)) == 0;
	if (ok) {
		printf("vmm: selftest passed: real-mode guest wrote \"OK\" to COM1 and halted\n");
	} else {
		fprintf(stderr, "vmm: selftest FAILED: run outcome %d, %zu bytes on COM1 (\"%.*s\")\n",
			(int)outcome, vm.com1.captured, (int)vm.com1.captured, vm.com1.capture);
	}
	fflush(stdout);
	vm_close(&vm);
	return ok ? VMM_EXIT_OK : VMM_EXIT_ERROR;
fail:
	fprintf(stderr, "vmm: selftest FAILED during setup\n");
	vm_close(&vm);
	return VMM_EXIT_ERROR;
}
