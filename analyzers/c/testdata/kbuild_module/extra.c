// SPDX-License-Identifier: MIT
#include <linux/module.h>
MODULE_LICENSE("Dual MIT/GPL");
