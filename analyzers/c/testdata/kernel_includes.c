// SPDX-License-Identifier: GPL-2.0
/* Fixture: the same kind of includes in kernel code. */
#include <linux/kvm.h>
#include <linux/module.h>
#include <net/route.h>
#include <uapi/linux/types.h>
#include "linux/private_copy.h"
#include "local.h"

MODULE_LICENSE("GPL");
