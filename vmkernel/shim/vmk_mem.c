// SPDX-License-Identifier: GPL-2.0
/*
 * vmk_shim memory: kmalloc and vmalloc for the core.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "vmk_shim.h"

/**
 * vmk_alloc - allocate physically contiguous memory that may sleep
 * @size: bytes wanted
 *
 * Return: the memory, or NULL.
 */
void *vmk_alloc(size_t size)
{
	return kmalloc(size, GFP_KERNEL);
}
EXPORT_SYMBOL(vmk_alloc);

/**
 * vmk_zalloc - like vmk_alloc(), zeroed
 * @size: bytes wanted
 */
void *vmk_zalloc(size_t size)
{
	return kzalloc(size, GFP_KERNEL);
}
EXPORT_SYMBOL(vmk_zalloc);

/**
 * vmk_free - free memory from vmk_alloc() or vmk_zalloc()
 * @ptr: the memory, or NULL
 */
void vmk_free(void *ptr)
{
	kfree(ptr);
}
EXPORT_SYMBOL(vmk_free);

/**
 * vmk_alloc_large - allocate zeroed, virtually contiguous memory
 * @size: bytes wanted
 */
void *vmk_alloc_large(size_t size)
{
	return vzalloc(size);
}
EXPORT_SYMBOL(vmk_alloc_large);

/**
 * vmk_free_large - free memory from vmk_alloc_large()
 * @ptr: the memory, or NULL
 */
void vmk_free_large(void *ptr)
{
	vfree(ptr);
}
EXPORT_SYMBOL(vmk_free_large);
