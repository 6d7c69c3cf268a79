// SPDX-License-Identifier: GPL-2.0
#include "foo_internal.h"

int foo_util(int x)
{
	return foo_wrap(x);
}
