// SPDX-License-Identifier: GPL-2.0
#include "foo_internal.h"

void foo_debug(void)
{
	foo_dump();
}
