/* SPDX-License-Identifier: MIT */
/*
 * vmm - a minimal userspace KVM virtual machine monitor.
 *
 * Shared declarations. The VMM uses only the C library and the kernel's UAPI headers
 * (<linux/kvm.h>, <asm/bootparam.h>): it reaches the kernel through system calls alone.
 */
#ifndef VMM_H
#define VMM_H

#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

/* Exit statuses of the vmm program. */
#define VMM_EXIT_OK 0      /* guest powered off, reset or halted as expected */
#define VMM_EXIT_ERROR 1   /* a system call failed or the guest did something fatal */
#define VMM_EXIT_USAGE 2   /* bad command line */

/* Legacy I/O ports the VMM emulates. */
#define COM1_BASE 0x3f8    /* 8250 UART, IRQ 4 */
#define RTC_BASE 0x70      /* MC146818 CMOS clock: index port, data port */
#define COM1_IRQ 4
#define DEBUG_EXIT_PORT 0x501 /* a write of value V ends the VMM with status V */
#define KBD_STATUS_PORT 0x64  /* 8042: writing 0xfe pulses the CPU reset line */
#define RESET_CF9_PORT 0xcf9  /* PCI reset control register */

struct serial {
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	int thre_pending; /* transmitter-empty interrupt latched, cleared by reading IIR */
	int irq_level;    /* last level driven on the interrupt line */
	int out_fd;       /* where transmitted bytes go */
	char capture[64]; /* first bytes transmitted, for the self-test */
	size_t captured;
};

struct rtc {
	uint8_t index;
	uint8_t ram[128];
};

struct vm {
	int kvm_fd, vm_fd, vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *mem;      /* guest physical address 0 is mem[0] */
	uint64_t mem_size;
	int has_irqchip;
	struct serial com1;
	struct rtc rtc;
	int verbose;
};

/* kvm.c: VM life cycle, each failing ioctl reported by name with errno. */
int kvm_ioctl(int fd, unsigned long req, unsigned long arg, const char *name);
#define KVM_IOCTL(fd, req, arg) kvm_ioctl((fd), (req), (unsigned long)(arg), #req)
int vm_open(struct vm *vm, uint64_t mem_size);
int vm_create_irqchip(struct vm *vm);
int vm_create_vcpu(struct vm *vm);
int vm_setup_cpuid(struct vm *vm);
int vm_setup_lapic(struct vm *vm);
int vm_set_irq_line(struct vm *vm, unsigned irq, int level);
void vm_close(struct vm *vm);

/* Outcome of running the vCPU until the guest stops. */
enum run_outcome {
	RUN_HALT,     /* HLT exit (only without an in-kernel irqchip) */
	RUN_SHUTDOWN, /* triple fault, keyboard-controller or CF9 reset, system event */
	RUN_DEBUG_EXIT, /* the guest wrote to DEBUG_EXIT_PORT */
	RUN_ERROR,
};
enum run_outcome vm_run(struct vm *vm, int *debug_exit_value);

/* serial.c: an 8250/16550A UART without receive, transmitting immediately. */
void serial_init(struct serial *s, int out_fd);
uint8_t serial_read(struct vm *vm, unsigned offset);
void serial_write(struct vm *vm, unsigned offset, uint8_t value);

/* rtc.c: a CMOS clock showing the host's time. */
void rtc_init(struct rtc *r);
uint8_t rtc_read(struct rtc *r, unsigned offset);
void rtc_write(struct rtc *r, unsigned offset, uint8_t value);

/* linux_boot.c: the x86-64 Linux boot protocol. */
struct linux_boot_args {
	const char *kernel_path;
	const char *initrd_path; /* may be NULL */
	const char *cmdline;
};
int linux_boot_setup(struct vm *vm, const struct linux_boot_args *args);

/* selftest.c: a few bytes of real-mode code printing "OK". */
int selftest_run(int verbose);

#endif /* VMM_H */
