// SPDX-License-Identifier: GPL-2.0
/* Fixture: local macros followed to what they call. */
#include <linux/slab.h>
#include "macros_local.h"

#define my_alloc(size) kmalloc(size, GFP_KERNEL)
#define my_zalloc(size) memset(my_alloc(size), 0, size)
#define my_free(p) do { if (p) kfree(p); } while (0)
#define CURRENT_TASK get_current()
#define LOG(fmt, ...) printk(KERN_INFO "macros: " fmt, ##__VA_ARGS__)
#define CALL_IT(fn, arg) fn(arg)
#define recursive(x) recursive(x, 0)

static void *grab(size_t n)
{
	void *p = my_zalloc(n);
	struct task_struct *t = CURRENT_TASK;

	LOG("grab %zu\n", n);
	hdr_chain(p);
	my_free(p);
	CALL_IT(kvfree, t);
	return recursive(t);
}
