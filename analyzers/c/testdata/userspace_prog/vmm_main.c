// SPDX-License-Identifier: MIT
#include <stdio.h>
#include "vmm.h"

int main(void)
{
	return vmm_io(puts("vmm"));
}
