// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <foo.h>
#include "foo_internal.h"

static int __init foo_init(void)
{
	return foo_helper(FOO_DEFAULT);
}
module_init(foo_init);
MODULE_LICENSE("GPL");
