// SPDX-License-Identifier: LicenseRef-vmkernel-core-proprietary
/*
 * vmkernel core: the core heap and the first PCI device it manages.
 */
#include <linux/module.h>

#include "vmkcore.h"

/* A DMA ring of this size is set up on the first PCI device found. */
#define VMKCORE_RING_BYTES 4096
#define VMKCORE_DEVSTATE_BYTES 256

static void *vmkcore_heap;
static size_t vmkcore_heap_size;
static struct vmk_pci_dev *vmkcore_dev;
static void *vmkcore_devstate;
static void *vmkcore_ring;
static u64 vmkcore_ring_dma;

/* Claim the first PCI device, give it device-managed state and a coherent DMA ring. */
static void vmkcore_probe_device(struct vmkcore_heap_stats *stats)
{
	u32 id;

	vmkcore_dev = vmk_pci_find(0xffff, 0xffff);
	if (!vmkcore_dev)
		return;
	if (vmk_pci_read_config32(vmkcore_dev, 0, &id) == 0) {
		stats->pci_found = true;
		stats->pci_vendor = id & 0xffff;
		stats->pci_device = id >> 16;
	}
	vmkcore_devstate = vmk_dev_alloc(vmkcore_dev, VMKCORE_DEVSTATE_BYTES);
	vmkcore_ring = vmk_dma_alloc(vmkcore_dev, VMKCORE_RING_BYTES, &vmkcore_ring_dma);
	stats->dma_ok = vmkcore_devstate && vmkcore_ring;
	stats->dma_addr = vmkcore_ring_dma;
}

int vmkcore_heap_init(size_t bytes, struct vmkcore_heap_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	vmkcore_heap = vmk_alloc_large(bytes);
	if (!vmkcore_heap) {
		vmk_log(VMK_LOG_ERR, "heap: cannot allocate %zu bytes\n", bytes);
		return -ENOMEM;
	}
	vmkcore_heap_size = bytes;
	stats->heap_bytes = bytes;
	vmkcore_probe_device(stats);
	return 0;
}

void vmkcore_heap_exit(void)
{
	if (vmkcore_ring)
		vmk_dma_free(vmkcore_dev, VMKCORE_RING_BYTES, vmkcore_ring, vmkcore_ring_dma);
	if (vmkcore_devstate)
		vmk_dev_free(vmkcore_dev, vmkcore_devstate);
	if (vmkcore_dev)
		vmk_pci_put(vmkcore_dev);
	vmk_free_large(vmkcore_heap);
	vmkcore_heap = NULL;
	vmkcore_heap_size = 0;
	vmkcore_dev = NULL;
	vmkcore_devstate = NULL;
	vmkcore_ring = NULL;
}
