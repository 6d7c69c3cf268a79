// SPDX-License-Identifier: GPL-2.0
/*
 * vmk_refuse - a GPL module that the Linux module loader refuses.
 *
 * It uses GPL-only Linux symbols (ktime_get, synchronize_rcu) and imports a symbol from the
 * vmkernel core, a proprietary module. Since Linux 5.9 the loader's inherit_taint() rejects
 * that combination: "vmk_refuse: module using GPL-only symbols uses symbols
 * vmkcore_world_count from proprietary module vmk_core." It is built to check that verdict
 * against the real loader.
 *
 * The loader resolves imports in symbol-table order and sets "uses GPL-only symbols" as it
 * goes; had the core's symbol come first, the module would inherit the P taint instead and
 * then fail on the GPL-only symbols as unknown. The linker happens to place synchronize_rcu
 * before vmkcore_world_count here (checked by test/boot).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/rcupdate.h>
#include <linux/timekeeping.h>

/* Exported by vmk_core (core/vmkcore_main.c). */
unsigned int vmkcore_world_count(void);

static int __init vmk_refuse_init(void)
{
	ktime_t start = ktime_get();

	synchronize_rcu();
	pr_info("an RCU grace period took %lld ns; the vmkernel core runs %u worlds\n",
		ktime_to_ns(ktime_sub(ktime_get(), start)), vmkcore_world_count());
	return 0;
}

static void __exit vmk_refuse_exit(void)
{
}

module_init(vmk_refuse_init);
module_exit(vmk_refuse_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("GPL module using GPL-only symbols and the proprietary core: refused");
