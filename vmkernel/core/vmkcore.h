/* SPDX-License-Identifier: LicenseRef-vmkernel-core-proprietary */
/*
 * vmkernel core: internal declarations.
 *
 * The core reaches Linux only through the vmk_ API of the vmk_shim module, apart from a few
 * plain exports (printk, snprintf, random numbers).
 */
#ifndef _VMKCORE_H
#define _VMKCORE_H

#include <vmk_api.h>

#define VMKCORE_VERSION "1.0"

struct vmkcore_sched_stats {
	unsigned int ticks;
	u64 elapsed_ns;
	unsigned long jiffies_elapsed;
};

struct vmkcore_heap_stats {
	size_t heap_bytes;
	u16 pci_vendor, pci_device;
	bool pci_found;
	bool dma_ok;
	u64 dma_addr;
};

/* vmkcore_sched.c: the world scheduler's tick, a timer feeding a workqueue */
int vmkcore_sched_start(unsigned int period_us);
int vmkcore_sched_wait_ticks(unsigned int ticks, unsigned int timeout_ms);
void vmkcore_sched_get_stats(struct vmkcore_sched_stats *stats);
void vmkcore_sched_stop(void);

/* vmkcore_heap.c: the core heap and its first device */
int vmkcore_heap_init(size_t bytes, struct vmkcore_heap_stats *stats);
void vmkcore_heap_exit(void);

/* vmkcore_main.c: exported to other modules */
const char *vmkcore_version(void);
unsigned int vmkcore_world_count(void);

#endif /* _VMKCORE_H */
