// SPDX-License-Identifier: GPL-2.0
/* Fixture: DEFAULT_SYMBOL_NAMESPACE gives plain EXPORT_SYMBOL a namespace. */
#define DEFAULT_SYMBOL_NAMESPACE FIXTURE_NS
#include <linux/export.h>

int ns_default_fn(void)
{
	return 0;
}
EXPORT_SYMBOL_GPL(ns_default_fn);
