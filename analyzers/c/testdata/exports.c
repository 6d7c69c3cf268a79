// SPDX-License-Identifier: GPL-2.0
/* Fixture: every EXPORT_SYMBOL variant, module licence and namespace macros. */
#include <linux/export.h>
#include <linux/module.h>

#define DRV_DESC "exports fixture"
#define DRV_VERSION "1.0"

int plain_fn(void) { return 0; }
int gpl_fn(void) { return 1; }
int ns_fn(void) { return 2; }
int ns_gpl_fn(void) { return 3; }
int ns_str_fn(void) { return 4; }
int for_mods_fn(void) { return 5; }
int for_mods_new_fn(void) { return 6; }
DEFINE_PER_CPU(int, pcpu_counter);

EXPORT_SYMBOL(plain_fn);
EXPORT_SYMBOL_GPL(gpl_fn);
EXPORT_SYMBOL_NS(ns_fn, MY_NS);
EXPORT_SYMBOL_NS_GPL(ns_gpl_fn, MY_NS);
EXPORT_SYMBOL_NS_GPL(ns_str_fn, "MY_STR_NS");
EXPORT_SYMBOL_GPL_FOR_MODULES(for_mods_fn, "kvm,kvm-amd");
EXPORT_SYMBOL_FOR_MODULES(for_mods_new_fn, "kvm");
EXPORT_PER_CPU_SYMBOL_GPL(pcpu_counter);
EXPORT_TRACEPOINT_SYMBOL_GPL(fixture_event);

MODULE_IMPORT_NS(OTHER_NS);
MODULE_IMPORT_NS("OTHER_STR_NS");
MODULE_LICENSE("GPL v2");
MODULE_INFO(license, "Dual MIT/GPL");
MODULE_INFO(import_ns, THIRD_NS);
MODULE_DESCRIPTION(DRV_DESC " v" DRV_VERSION);
MODULE_VERSION(DRV_VERSION);
