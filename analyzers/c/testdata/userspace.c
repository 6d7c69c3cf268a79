// SPDX-License-Identifier: MIT
/* Fixture: a userspace program; <linux/...> here is the UAPI copy. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <net/if.h>
#include <linux/kvm.h>
#include <asm/kvm.h>
#include <uapi/linux/types.h>
#include <glib.h>
#include "vmm_local.h"

static void usage(void)
{
	fprintf(stderr, "usage: vmm\n");
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	atexit(usage);
	return ioctl(0, KVM_GET_API_VERSION, 0);
}
