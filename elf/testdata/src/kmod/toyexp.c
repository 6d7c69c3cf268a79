// SPDX-License-Identifier: GPL-2.0
/*
 * A tiny kernel module for the ELF reader's tests: one export of each kind, imports called from
 * .text and .init.text, a data reference, an address taken into .data, and a call from
 * .init.text to a static function in .text (a relocation against the .text section symbol).
 */
#include <linux/module.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/slab.h>

static int toy_counter;

static noinline int toy_helper(int x)
{
	return x * 3 + toy_counter + (int)(jiffies & 1);
}

int toy_plain(int x)
{
	return toy_helper(x) + 1;
}
EXPORT_SYMBOL(toy_plain);

u64 toy_gpl_now(void)
{
	return ktime_get() + toy_plain(2);
}
EXPORT_SYMBOL_GPL(toy_gpl_now);

void *toy_ns_alloc(size_t n)
{
	return kmalloc(n, GFP_KERNEL);
}
EXPORT_SYMBOL_NS_GPL(toy_ns_alloc, TOY_NS);

struct toy_ops {
	void (*release)(const void *p);
	int (*compute)(int x);
};

static struct toy_ops toy_default_ops = {
	.release = kfree,
	.compute = toy_helper,
};

static int __init toy_init(void)
{
	void *p = toy_ns_alloc(16);

	toy_counter = toy_helper(4);
	pr_info("toyexp: %d %llu\n", toy_counter, (unsigned long long)toy_gpl_now());
	toy_default_ops.release(p);
	return 0;
}

static void __exit toy_exit(void)
{
	pr_info("toyexp: bye %d\n", toy_default_ops.compute(1));
}

module_init(toy_init);
module_exit(toy_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(license, "Dual MIT/GPL");
MODULE_DESCRIPTION("gplcheck ELF reader test module");
MODULE_IMPORT_NS(DMA_BUF);
