/* SPDX-License-Identifier: GPL-2.0 */
/* Fixture: both branches of every #if are read; their facts are conditional. */
#include <linux/kernel.h>
#ifdef CONFIG_FOO
#include <linux/foo.h>
#endif

static int always(void) { return always_call(); }

#ifdef CONFIG_FOO
static int only_foo(void) { return foo_do(1); }
EXPORT_SYMBOL_GPL(only_foo);
#else
static int only_foo(void) { return bar_do(2); }
#endif

int mixed(int x)
{
	int r = always();
#if defined(CONFIG_BAR) && CONFIG_BAR > 1
	r += bar_do(x);
#elif IS_ENABLED(CONFIG_BAZ)
	r += baz_do(x);
#else
	r += generic_do(x);
#endif
	return r + only_foo();
}

#if 0
MODULE_LICENSE("Proprietary");
#endif
MODULE_LICENSE("GPL");
