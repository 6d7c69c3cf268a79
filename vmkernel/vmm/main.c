// SPDX-License-Identifier: MIT
/*
 * vmm: boot a Linux bzImage, or a built-in real-mode self-test, in a KVM virtual machine.
 *
 *   vmm --kernel BZIMAGE [--initrd INITRD] [--append CMDLINE] [--mem 256M] [--verbose]
 *   vmm --selftest
 *
 * The guest's COM1 goes to standard output. The VMM exits with status 0 when the guest resets
 * or powers off (triple fault, keyboard-controller or port-0xcf9 reset), with the value written
 * to port 0x501 when the guest writes there, and with 1 on any error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm.h"

#define MAX_MEM (3ULL << 30) /* guest RAM stays below the 32-bit MMIO/TSS area */
#define MIN_LINUX_MEM (32ULL << 20)

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vmm --kernel BZIMAGE [--initrd INITRD] [--append CMDLINE] [--mem SIZE] "
		"[--verbose]\n"
		"       vmm --selftest [--verbose]\n"
		"SIZE is bytes with an optional K, M or G suffix (default 256M, at most 3G).\n");
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'G': case 'g': v <<= 30; end++; break;
	case 'M': case 'm': v <<= 20; end++; break;
	case 'K': case 'k': v <<= 10; end++; break;
	default: break;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static int run_linux(const struct linux_boot_args *args, uint64_t mem, int verbose)
{
	struct vm vm;
	enum run_outcome outcome;
	int debug_exit = 0, status;

	if (vm_open(&vm, mem) < 0)
		goto fail;
	vm.verbose = verbose;
	serial_init(&vm.com1, STDOUT_FILENO);
	if (vm_create_irqchip(&vm) < 0 || vm_create_vcpu(&vm) < 0 || vm_setup_cpuid(&vm) < 0 ||
	    vm_setup_lapic(&vm) < 0 || linux_boot_setup(&vm, args) < 0)
		goto fail;

	outcome = vm_run(&vm, &debug_exit);
	switch (outcome) {
	case RUN_SHUTDOWN:
		fprintf(stderr, "vmm: guest reset or powered off\n");
		status = VMM_EXIT_OK;
		break;
	case RUN_HALT:
		fprintf(stderr, "vmm: guest halted\n");
		status = VMM_EXIT_OK;
		break;
	case RUN_DEBUG_EXIT:
		fprintf(stderr, "vmm: guest wrote %d to the debug-exit port\n", debug_exit);
		status = debug_exit;
		break;
	default:
		goto fail;
	}
	vm_close(&vm);
	return status;
fail:
	fprintf(stderr, "vmm: failed\n");
	vm_close(&vm);
	return VMM_EXIT_ERROR;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "append", required_argument, NULL, 'a' },
		{ "mem", required_argument, NULL, 'm' },
		{ "selftest", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct linux_boot_args args = { NULL, NULL, "console=ttyS0" };
	uint64_t mem = 256ULL << 20;
	int selftest = 0, verbose = 0, c;

	while ((c = getopt_long(argc, argv, "k:i:a:m:svh", options, NULL)) != -1) {
		switch (c) {
		case 'k': args.kernel_path = optarg; break;
		case 'i': args.initrd_path = optarg; break;
		case 'a': args.cmdline = optarg; break;
		case 'm':
			if (parse_size(optarg, &mem) < 0) {
				fprintf(stderr, "vmm: bad --mem value '%s'\n", optarg);
				return VMM_EXIT_USAGE;
			}
			break;
		case 's': selftest = 1; break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); return VMM_EXIT_OK;
		default: usage(stderr); return VMM_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "vmm: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return VMM_EXIT_USAGE;
	}
	if (selftest)
		return selftest_run(verbose);
	if (!args.kernel_path) {
		usage(stderr);
		return VMM_EXIT_USAGE;
	}
	if (mem < MIN_LINUX_MEM || mem > MAX_MEM || (mem & 0xfff)) {
		fprintf(stderr, "vmm: --mem must be a multiple of 4K between 32M and 3G\n");
		return VMM_EXIT_USAGE;
	}
	return run_linux(&args, mem, verbose);
}
