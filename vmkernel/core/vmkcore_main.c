// SPDX-License-Identifier: LicenseRef-vmkernel-core-proprietary
/*
 * vmkernel core: a stand-in for a hypervisor kernel under a non-GPL licence, loaded as a Linux
 * module on top of the vmk_shim module.
 *
 * On load it sets up its heap and its scheduler tick through the vmk_ API, checks its licence
 * key, and prints one line with what it measured.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/random.h>

#include "vmkcore.h"

#define VMKCORE_HEAP_BYTES (4u << 20)
#define VMKCORE_TICK_US 1000
#define VMKCORE_TICKS 3

static char *key = "766d6b65726e656c"; /* "vmkernel" in hexadecimal */
module_param(key, charp, 0444);
MODULE_PARM_DESC(key, "licence key, 16 hexadecimal digits");

/* A world is the core's schedulable context (a vCPU, a helper thread). */
struct vmkcore_world {
	unsigned int id;
	u64 created_ns;
};

static struct vmkcore_world *vmkcore_world_table;
static unsigned int vmkcore_worlds;

/**
 * vmkcore_version - the core's version string, for companion modules
 */
const char *vmkcore_version(void)
{
	return VMKCORE_VERSION;
}
EXPORT_SYMBOL(vmkcore_version);

/**
 * vmkcore_world_count - number of worlds (schedulable contexts) the core runs
 */
unsigned int vmkcore_world_count(void)
{
	return vmkcore_worlds;
}
EXPORT_SYMBOL(vmkcore_world_count);

static int vmkcore_create_worlds(unsigned int count)
{
	unsigned int i;

	vmkcore_world_table = vmk_zalloc(count * sizeof(*vmkcore_world_table));
	if (!vmkcore_world_table)
		return -ENOMEM;
	for (i = 0; i < count; i++) {
		vmkcore_world_table[i].id = i;
		vmkcore_world_table[i].created_ns = vmk_time_ns();
	}
	vmkcore_worlds = count;
	return 0;
}

static void vmkcore_destroy_worlds(void)
{
	vmkcore_worlds = 0;
	vmk_free(vmkcore_world_table);
	vmkcore_world_table = NULL;
}

static int vmkcore_check_key(char *out, size_t out_size)
{
	u8 raw[8];
	int ret = vmk_parse_hex(raw, key, sizeof(raw));

	if (ret)
		return ret;
	snprintf(out, out_size, "%.8s", raw);
	return 0;
}

static int __init vmkcore_init(void)
{
	struct vmkcore_heap_stats heap;
	struct vmkcore_sched_stats sched;
	char licensee[9];
	int ret;

	ret = vmkcore_check_key(licensee, sizeof(licensee));
	if (ret) {
		pr_err("invalid licence key '%s'\n", key);
		return ret;
	}

	ret = vmkcore_heap_init(VMKCORE_HEAP_BYTES, &heap);
	if (ret)
		return ret;

	ret = vmkcore_sched_start(VMKCORE_TICK_US);
	if (ret)
		goto err_heap;
	ret = vmkcore_sched_wait_ticks(VMKCORE_TICKS, 2000);
	if (ret) {
		vmk_log(VMK_LOG_ERR, "scheduler tick did not run\n");
		goto err_sched;
	}
	vmkcore_sched_get_stats(&sched);
	ret = vmkcore_create_worlds(1 + get_random_u32() % 4);
	if (ret)
		goto err_sched;

	pr_info("vmkernel core %s loaded for '%s': heap %zu KiB, %u ticks in %llu us "
		"(%lu jiffies), pci %s %04x:%04x, dma %s, %u worlds\n",
		VMKCORE_VERSION, licensee, heap.heap_bytes >> 10, sched.ticks,
		sched.elapsed_ns / 1000, sched.jiffies_elapsed,
		heap.pci_found ? "device" : "none", heap.pci_vendor, heap.pci_device,
		heap.dma_ok ? "ok" : "unavailable", vmkcore_worlds);
	vmk_log(VMK_LOG_INFO, "core %s running\n", VMKCORE_VERSION);
	return 0;

err_sched:
	vmkcore_sched_stop();
err_heap:
	vmkcore_heap_exit();
	return ret;
}

static void __exit vmkcore_exit(void)
{
	vmkcore_destroy_worlds();
	vmkcore_sched_stop();
	vmkcore_heap_exit();
	pr_info("vmkernel core unloaded\n");
}

module_init(vmkcore_init);
module_exit(vmkcore_exit);

MODULE_LICENSE("Proprietary");
MODULE_DESCRIPTION("vmkernel core (non-GPL) running on the vmk_shim API");
MODULE_VERSION(VMKCORE_VERSION);
MODULE_IMPORT_NS(VMK_SHIM);
