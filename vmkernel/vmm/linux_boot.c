// SPDX-License-Identifier: MIT
/*
 * The Linux x86-64 boot protocol (Documentation/x86/boot.rst), 64-bit entry:
 * the protected-mode part of a bzImage is loaded at its preferred address, the setup header is
 * copied into a zero page (struct boot_params) with the command line, initramfs and e820 map
 * filled in, and the vCPU starts in long mode at the kernel's startup_64 (load address + 0x200)
 * with RSI pointing at the zero page, on identity-mapped page tables and a flat GDT.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <asm/bootparam.h>

#include "vmm.h"

/* Guest-physical layout of what the VMM builds below 1 MiB. */
#define GDT_ADDR 0x500
#define ZERO_PAGE_ADDR 0x7000
#define PML4_ADDR 0x9000
#define PDPT_ADDR 0xa000
#define PD_ADDR 0xb000 /* four page directories: 0xb000-0xefff map 4 GiB in 2 MiB pages */
#define BOOT_STACK_TOP 0x8ff0
#define CMDLINE_ADDR 0x20000
#define EBDA_START 0x9fc00 /* reserved from here to 1 MiB: EBDA, VGA hole, BIOS ROM */
#define HIGH_MEMORY 0x100000
#define DEFAULT_LOAD_ADDR 0x100000

/* Offsets inside a bzImage's first sector (the setup header starts at 0x1f1). */
#define HDR_OFFSET 0x1f1
#define HDR_SETUP_SECTS 0x1f1
#define HDR_BOOT_FLAG 0x1fe
#define HDR_JUMP_END 0x201
#define HDR_MAGIC 0x202
#define MIN_PROTOCOL 0x020c /* 2.12: xloadflags and the 64-bit entry */

/* Page-table and descriptor bits. */
#define PTE_PRESENT 0x1ULL
#define PTE_WRITE 0x2ULL
#define PTE_HUGE 0x80ULL
#define CR0_PE 0x1ULL
#define CR0_ET 0x10ULL
#define CR0_PG 0x80000000ULL
#define CR4_PAE 0x20ULL
#define EFER_LME 0x100ULL
#define EFER_LMA 0x400ULL
#define BOOT_CS 0x10 /* __BOOT_CS and __BOOT_DS of the boot protocol */
#define BOOT_DS 0x18

struct file_buf {
	uint8_t *data;
	size_t size;
};

static int read_file(const char *path, const char *what, struct file_buf *out)
{
	struct stat st;
	size_t done = 0;
	int fd;

	out->data = NULL;
	out->size = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "vmm: cannot open %s %s: %s (errno %d)\n", what, path,
			strerror(errno), errno);
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		fprintf(stderr, "vmm: cannot stat %s %s: %s (errno %d)\n", what, path,
			strerror(errno), errno);
		close(fd);
		return -1;
	}
	out->size = (size_t)st.st_size;
	out->data = malloc(out->size ? out->size : 1);
	if (!out->data) {
		fprintf(stderr, "vmm: out of memory reading %s %s\n", what, path);
		close(fd);
		return -1;
	}
	while (done < out->size) {
		ssize_t n = read(fd, out->data + done, out->size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "vmm: cannot read %s %s: %s\n", what, path,
				n < 0 ? strerror(errno) : "unexpected end of file");
			close(fd);
			free(out->data);
			out->data = NULL;
			return -1;
		}
		done += (size_t)n;
	}
	close(fd);
	return 0;
}

static void put_u64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void add_e820(struct boot_params *bp, uint64_t addr, uint64_t size, uint32_t type)
{
	struct boot_e820_entry *e = &bp->e820_table[bp->e820_entries++];

	e->addr = addr;
	e->size = size;
	e->type = type;
}

#define E820_RAM 1
#define E820_RESERVED 2

/* Identity map of the first 4 GiB with 2 MiB pages, and a GDT with the boot protocol's flat
 * 64-bit code and data segments. */
static void setup_page_tables_and_gdt(struct vm *vm)
{
	uint8_t *m = vm->mem;
	uint64_t i;

	memset(m + PML4_ADDR, 0, 0x1000);
	memset(m + PDPT_ADDR, 0, 0x1000);
	put_u64(m + PML4_ADDR, PDPT_ADDR | PTE_PRESENT | PTE_WRITE);
	for (i = 0; i < 4; i++)
		put_u64(m + PDPT_ADDR + i * 8, (PD_ADDR + i * 0x1000) | PTE_PRESENT | PTE_WRITE);
	for (i = 0; i < 4 * 512; i++)
		put_u64(m + PD_ADDR + i * 8, (i << 21) | PTE_PRESENT | PTE_WRITE | PTE_HUGE);

	put_u64(m + GDT_ADDR + 0x00, 0);
	put_u64(m + GDT_ADDR + 0x08, 0);
	put_u64(m + GDT_ADDR + BOOT_CS, 0x00af9b000000ffffULL); /* code: L=1, P, DPL0, exec/read */
	put_u64(m + GDT_ADDR + BOOT_DS, 0x00cf93000000ffffULL); /* data: G, D/B, P, read/write */
}

static void flat_segment(struct kvm_segment *seg, uint16_t selector, int code)
{
	memset(seg, 0, sizeof(*seg));
	seg->base = 0;
	seg->limit = 0xffffffff;
	seg->selector = selector;
	seg->present = 1;
	seg->dpl = 0;
	seg->s = 1;
	seg->g = 1;
	if (code) {
		seg->type = 0xb; /* execute/read, accessed */
		seg->l = 1;
	} else {
		seg->type = 0x3; /* read/write, accessed */
		seg->db = 1;
	}
}

static int setup_long_mode_vcpu(struct vm *vm, uint64_t entry)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_fpu fpu;

	if (KVM_IOCTL(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return -1;
	flat_segment(&sregs.cs, BOOT_CS, 1);
	flat_segment(&sregs.ds, BOOT_DS, 0);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.gdt.base = GDT_ADDR;
	sregs.gdt.limit = 4 * 8 - 1;
	sregs.cr3 = PML4_ADDR;
	sregs.cr4 = CR4_PAE;
	sregs.cr0 = CR0_PE | CR0_ET | CR0_PG;
	sregs.efer = EFER_LME | EFER_LMA;
	if (KVM_IOCTL(vm->vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		return -1;

	memset(&regs, 0, sizeof(regs));
	regs.rflags = 0x2; /* reserved bit; interrupts disabled */
	regs.rip = entry;
	regs.rsi = ZERO_PAGE_ADDR;
	regs.rsp = BOOT_STACK_TOP;
	if (KVM_IOCTL(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0)
		return -1;

	memset(&fpu, 0, sizeof(fpu));
	fpu.fcw = 0x37f;    /* x87 default control word */
	fpu.mxcsr = 0x1f80; /* SSE default: all exceptions masked */
	if (KVM_IOCTL(vm->vcpu_fd, KVM_SET_FPU, &fpu) < 0)
		return -1;
	return 0;
}

int linux_boot_setup(struct vm *vm, const struct linux_boot_args *args)
{
	struct file_buf kernel = { 0 }, initrd = { 0 };
	struct boot_params *bp;
	size_t setup_size, hdr_len, cmdline_len;
	uint64_t load_addr, kernel_end, initrd_addr = 0, initrd_top;
	uint16_t version;
	unsigned setup_sects;
	int ret = -1;

	if (read_file(args->kernel_path, "kernel", &kernel) < 0)
		goto out;
	if (kernel.size < 0x1000 || memcmp(kernel.data + HDR_MAGIC, "HdrS", 4) != 0 ||
	    kernel.data[HDR_BOOT_FLAG] != 0x55 || kernel.data[HDR_BOOT_FLAG + 1] != 0xaa) {
		fprintf(stderr, "vmm: %s is not a bzImage (no \"HdrS\" setup header)\n",
			args->kernel_path);
		goto out;
	}

	bp = (struct boot_params *)(vm->mem + ZERO_PAGE_ADDR);
	memset(bp, 0, sizeof(*bp));
	hdr_len = HDR_JUMP_END + 1 + kernel.data[HDR_JUMP_END] - HDR_OFFSET;
	if (hdr_len > sizeof(bp->hdr))
		hdr_len = sizeof(bp->hdr);
	memcpy(&bp->hdr, kernel.data + HDR_OFFSET, hdr_len);

	version = bp->hdr.version;
	if (version < MIN_PROTOCOL || !(bp->hdr.xloadflags & XLF_KERNEL_64)) {
		fprintf(stderr,
			"vmm: %s: boot protocol %u.%02u without a 64-bit entry point "
			"(need 2.12 and XLF_KERNEL_64)\n",
			args->kernel_path, version >> 8, version & 0xff);
		goto out;
	}

	setup_sects = kernel.data[HDR_SETUP_SECTS] ? kernel.data[HDR_SETUP_SECTS] : 4;
	setup_size = (size_t)(setup_sects + 1) * 512;
	if (setup_size >= kernel.size) {
		fprintf(stderr, "vmm: %s: setup size %zu exceeds the file\n", args->kernel_path,
			setup_size);
		goto out;
	}

	load_addr = bp->hdr.pref_address ? bp->hdr.pref_address : DEFAULT_LOAD_ADDR;
	kernel_end = load_addr + (bp->hdr.init_size > kernel.size - setup_size
					  ? bp->hdr.init_size : kernel.size - setup_size);
	if (load_addr < HIGH_MEMORY || kernel_end > vm->mem_size) {
		fprintf(stderr,
			"vmm: kernel needs guest memory 0x%llx-0x%llx but only %llu MiB are given\n",
			(unsigned long long)load_addr, (unsigned long long)kernel_end,
			(unsigned long long)(vm->mem_size >> 20));
		goto out;
	}
	memcpy(vm->mem + load_addr, kernel.data + setup_size, kernel.size - setup_size);

	/* Command line. */
	cmdline_len = strlen(args->cmdline);
	if (bp->hdr.cmdline_size && cmdline_len > bp->hdr.cmdline_size) {
		fprintf(stderr, "vmm: command line is %zu bytes, the kernel accepts %u\n",
			cmdline_len, bp->hdr.cmdline_size);
		goto out;
	}
	memcpy(vm->mem + CMDLINE_ADDR, args->cmdline, cmdline_len + 1);

	/* Initramfs: as high as the kernel allows, page aligned, above the kernel's image. */
	if (args->initrd_path) {
		if (read_file(args->initrd_path, "initrd", &initrd) < 0)
			goto out;
		initrd_top = vm->mem_size;
		if (bp->hdr.initrd_addr_max && initrd_top > (uint64_t)bp->hdr.initrd_addr_max + 1)
			initrd_top = (uint64_t)bp->hdr.initrd_addr_max + 1;
		if (initrd.size > initrd_top) {
			fprintf(stderr, "vmm: initrd %s (%zu bytes) does not fit in guest memory\n",
				args->initrd_path, initrd.size);
			goto out;
		}
		initrd_addr = (initrd_top - initrd.size) & ~0xfffULL;
		if (initrd_addr < kernel_end) {
			fprintf(stderr,
				"vmm: initrd %s (%zu bytes) overlaps the kernel: give more memory\n",
				args->initrd_path, initrd.size);
			goto out;
		}
		memcpy(vm->mem + initrd_addr, initrd.data, initrd.size);
		bp->hdr.ramdisk_image = (uint32_t)initrd_addr;
		bp->hdr.ramdisk_size = (uint32_t)initrd.size;
	}

	bp->hdr.type_of_loader = 0xff; /* undefined boot loader */
	bp->hdr.loadflags |= LOADED_HIGH | CAN_USE_HEAP;
	bp->hdr.heap_end_ptr = 0xfe00;
	bp->hdr.cmd_line_ptr = CMDLINE_ADDR;
	bp->hdr.code32_start = (uint32_t)load_addr;
	bp->hdr.vid_mode = 0xffff; /* "normal" */

	add_e820(bp, 0, EBDA_START, E820_RAM);
	add_e820(bp, EBDA_START, HIGH_MEMORY - EBDA_START, E820_RESERVED);
	add_e820(bp, HIGH_MEMORY, vm->mem_size - HIGH_MEMORY, E820_RAM);

	setup_page_tables_and_gdt(vm);
	if (setup_long_mode_vcpu(vm, load_addr + 0x200) < 0)
		goto out;

	if (vm->verbose)
		fprintf(stderr,
			"vmm: boot protocol %u.%02u, kernel at 0x%llx (%zu bytes, init_size %u), "
			"initrd at 0x%llx (%zu bytes)\n",
			version >> 8, version & 0xff, (unsigned long long)load_addr,
			kernel.size - setup_size, bp->hdr.init_size,
			(unsigned long long)initrd_addr, initrd.size);
	ret = 0;
out:
	free(kernel.data);
	free(initrd.data);
	return ret;
}
