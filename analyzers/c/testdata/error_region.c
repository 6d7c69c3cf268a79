// SPDX-License-Identifier: GPL-2.0
/* Fixture: code tree-sitter cannot parse; facts before and after it must survive. */
#include <linux/module.h>

static int before_error(void)
{
	return before_call(1);
}
EXPORT_SYMBOL(before_error);

static int broken(int a)
{
	int r = first_call(a);
	r += GLUE(a) GLUE(b) hidden_call(a) @ other_call(r);
	return last_call(r);
}

static int after_error(void)
{
	return after_call(2);
}
EXPORT_SYMBOL_GPL(after_error);

#ifdef CONFIG_SPLIT
static int split(int a)
#else
static int split(int a, int b)
#endif
{
	return split_call(a);
}

MODULE_LICENSE("GPL");
