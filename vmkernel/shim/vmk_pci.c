// SPDX-License-Identifier: GPL-2.0
/*
 * vmk_shim PCI and DMA: device lookup, configuration space, device-managed and coherent DMA
 * memory. struct vmk_pci_dev is never defined: the handles are struct pci_dev pointers.
 *
 * devm_kmalloc(), devm_kfree() and pci_find_ext_capability() are exported GPL-only by Linux.
 * The DMA allocators are exported in the VMK_SHIM symbol namespace.
 */
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/pci.h>

#include "vmk_shim.h"

static inline struct pci_dev *to_pci(struct vmk_pci_dev *dev)
{
	return (struct pci_dev *)dev;
}

/**
 * vmk_pci_find - find the first PCI device with this vendor and device ID
 * @vendor: vendor ID, or PCI_ANY_ID
 * @device: device ID, or PCI_ANY_ID
 *
 * Return: a referenced handle to release with vmk_pci_put(), or NULL.
 */
struct vmk_pci_dev *vmk_pci_find(u16 vendor, u16 device)
{
	unsigned int v = vendor == 0xffff ? PCI_ANY_ID : vendor;
	unsigned int d = device == 0xffff ? PCI_ANY_ID : device;

	return (struct vmk_pci_dev *)pci_get_device(v, d, NULL);
}
EXPORT_SYMBOL(vmk_pci_find);

void vmk_pci_put(struct vmk_pci_dev *dev)
{
	pci_dev_put(to_pci(dev));
}
EXPORT_SYMBOL(vmk_pci_put);

/**
 * vmk_pci_read_config32 - read a 32-bit word of configuration space
 * @dev: the device
 * @where: byte offset, 4-aligned
 * @val: the value read
 *
 * Return: 0 or a negative errno.
 */
int vmk_pci_read_config32(struct vmk_pci_dev *dev, int where, u32 *val)
{
	return pcibios_err_to_errno(pci_read_config_dword(to_pci(dev), where, val));
}
EXPORT_SYMBOL(vmk_pci_read_config32);

/**
 * vmk_pci_find_ext_capability - offset of an extended capability, 0 if absent
 * @dev: the device
 * @cap: PCI_EXT_CAP_ID_*
 *
 * Exported GPL-only, as the Linux interface it wraps.
 */
int vmk_pci_find_ext_capability(struct vmk_pci_dev *dev, int cap)
{
	return pci_find_ext_capability(to_pci(dev), cap);
}
EXPORT_SYMBOL_GPL(vmk_pci_find_ext_capability);

/**
 * vmk_dev_alloc - zeroed memory tied to the device's lifetime
 * @dev: the device
 * @size: bytes wanted
 */
void *vmk_dev_alloc(struct vmk_pci_dev *dev, size_t size)
{
	return devm_kzalloc(&to_pci(dev)->dev, size, GFP_KERNEL);
}
EXPORT_SYMBOL(vmk_dev_alloc);

/**
 * vmk_dev_free - release memory from vmk_dev_alloc() early
 * @dev: the device
 * @ptr: the memory
 */
void vmk_dev_free(struct vmk_pci_dev *dev, void *ptr)
{
	devm_kfree(&to_pci(dev)->dev, ptr);
}
EXPORT_SYMBOL(vmk_dev_free);

/**
 * vmk_dma_alloc - coherent DMA memory for a device
 * @dev: the device
 * @size: bytes wanted
 * @dma_handle: the bus address of the memory
 *
 * Return: the CPU address, or NULL.
 */
void *vmk_dma_alloc(struct vmk_pci_dev *dev, size_t size, u64 *dma_handle)
{
	dma_addr_t handle;
	void *cpu = dma_alloc_coherent(&to_pci(dev)->dev, size, &handle, GFP_KERNEL);

	if (cpu)
		*dma_handle = handle;
	return cpu;
}
EXPORT_SYMBOL_NS(vmk_dma_alloc, VMK_SHIM);

/**
 * vmk_dma_free - free memory from vmk_dma_alloc()
 * @dev: the device
 * @size: the size given to vmk_dma_alloc()
 * @cpu_addr: the CPU address
 * @dma_handle: the bus address
 */
void vmk_dma_free(struct vmk_pci_dev *dev, size_t size, void *cpu_addr, u64 dma_handle)
{
	dma_free_coherent(&to_pci(dev)->dev, size, cpu_addr, (dma_addr_t)dma_handle);
}
EXPORT_SYMBOL_NS(vmk_dma_free, VMK_SHIM);
