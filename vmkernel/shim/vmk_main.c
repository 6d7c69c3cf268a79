// SPDX-License-Identifier: GPL-2.0
/*
 * vmk_shim - a vmklinux-style compatibility layer.
 *
 * This module offers the small vmk_ API (include/vmk_api.h) to the vmkernel core, a module
 * under a non-GPL licence, and implements it over Linux. Several of the Linux interfaces used
 * underneath are exported GPL-only (ktime_get, hrtimers, alloc_workqueue, devm_kmalloc, ...),
 * while the wrappers are exported with plain EXPORT_SYMBOL, so that modpost and the module
 * loader let the core use them. This file holds module setup and logging.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/printk.h>

#include "vmk_shim.h"

static const char *const vmk_log_prefix[] = {
	[VMK_LOG_ERR] = KERN_ERR,
	[VMK_LOG_WARN] = KERN_WARNING,
	[VMK_LOG_INFO] = KERN_INFO,
	[VMK_LOG_DEBUG] = KERN_DEBUG,
};

/**
 * vmk_log - log a message from the core through printk
 * @level: one of enum vmk_log_level
 * @fmt: printf-style format
 */
void vmk_log(enum vmk_log_level level, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (level > VMK_LOG_DEBUG)
		level = VMK_LOG_DEBUG;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	printk("%svmkernel: %pV", vmk_log_prefix[level], &vaf);
	va_end(args);
}
EXPORT_SYMBOL(vmk_log);

static int __init vmk_shim_init(void)
{
	pr_info("vmk API version %d ready\n", VMK_API_VERSION);
	return 0;
}

static void __exit vmk_shim_exit(void)
{
	pr_info("unloaded\n");
}

module_init(vmk_shim_init);
module_exit(vmk_shim_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vmk_ API shim between Linux and the vmkernel core");
MODULE_VERSION("1.0");
