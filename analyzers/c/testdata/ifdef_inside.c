// SPDX-License-Identifier: GPL-2.0
/* Fixture: #if inside an initialiser and inside an expression. */
static int local_access(void) { return 0; }

static const struct vm_operations_struct ops = {
#ifdef CONFIG_HAVE_IOREMAP_PROT
	.access = generic_access_phys
#else
	.access = local_access
#endif
};

int pick(int a)
{
	if (a
#ifdef CONFIG_EXTRA
	    && extra_check(a)
#endif
	    )
		return slow_path(a);
	return 0;
}
