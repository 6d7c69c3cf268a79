// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fixture: a small kernel module with every kind of fact the C analyser reads.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <asm/io.h>
#include "basic_local.h"

static int counter;

static int basic_open(struct inode *inode, struct file *file)
{
	counter++;
	return nonseekable_open(inode, file);
}

static int basic_release(struct inode *inode, struct file *file)
{
	return 0;
}

static const struct file_operations basic_fops = {
	.owner = THIS_MODULE,
	.open = basic_open,
	.release = basic_release,
	.llseek = noop_llseek,
};

static void basic_work_fn(struct work_struct *work)
{
	kfree(work);
}

static DECLARE_WORK(basic_work, basic_work_fn);

static __always_inline int basic_twice(int x)
{
	return x * 2;
}

int basic_api(void __user *arg, void (*done)(int))
{
	void (*cb)(struct work_struct *) = &basic_work_fn;
	struct work_struct *w = kmalloc(sizeof(*w), GFP_KERNEL);

	if (!w)
		return -ENOMEM;
	INIT_WORK(w, basic_work_fn);
	schedule_work(w);
	cb(w);
	done(basic_twice(1));
	return register_chrdev(0, "basic", &basic_fops);
}
EXPORT_SYMBOL(basic_api);

static int __init basic_init(void)
{
	pr_info("basic: loaded\n");
	return 0;
}

static void __exit basic_exit(void)
{
	unregister_chrdev(0, "basic");
}

module_init(basic_init);
module_exit(basic_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("Fixture Author <fixture@example.org>");
MODULE_DESCRIPTION("basic fixture module");
