/* SPDX-License-Identifier: MIT */
/*
 * vmk_api.h - the interface between the vmkernel core and the vmk_shim module.
 *
 * The core is not GPL-licensed; it programs against these declarations only, and the GPL shim
 * implements them over Linux. All shim objects are opaque to the core. Every function here
 * that a non-GPL module may call is exported by the shim with plain EXPORT_SYMBOL (or
 * EXPORT_SYMBOL_NS in the VMK_SHIM namespace); those marked "GPL-only export" are exported
 * with EXPORT_SYMBOL_GPL and are not for the core.
 */
#ifndef _VMK_API_H
#define _VMK_API_H

#include <linux/types.h>

#define VMK_API_VERSION 1

/* Logging */
enum vmk_log_level {
	VMK_LOG_ERR,
	VMK_LOG_WARN,
	VMK_LOG_INFO,
	VMK_LOG_DEBUG,
};
__attribute__((format(printf, 2, 3)))
void vmk_log(enum vmk_log_level level, const char *fmt, ...);

/* Memory */
void *vmk_alloc(size_t size);
void *vmk_zalloc(size_t size);
void vmk_free(void *ptr);
void *vmk_alloc_large(size_t size);
void vmk_free_large(void *ptr);

/* Time and timers */
u64 vmk_time_ns(void);        /* monotonic clock */
u64 vmk_time_raw_ns(void);    /* raw monotonic clock; GPL-only export */
unsigned long vmk_jiffies(void);
void vmk_sleep_ms(unsigned int ms);

struct vmk_timer;
struct vmk_timer *vmk_timer_create(void (*fn)(void *arg), void *arg);
void vmk_timer_start_ns(struct vmk_timer *timer, u64 delay_ns);
void vmk_timer_cancel(struct vmk_timer *timer);
void vmk_timer_destroy(struct vmk_timer *timer);

/* Locking */
struct vmk_mutex;
struct vmk_mutex *vmk_mutex_create(const char *name);
void vmk_mutex_lock(struct vmk_mutex *mutex);
void vmk_mutex_unlock(struct vmk_mutex *mutex);
void vmk_mutex_destroy(struct vmk_mutex *mutex);

struct vmk_spinlock;
struct vmk_spinlock *vmk_spin_create(void);
unsigned long vmk_spin_lock_irqsave(struct vmk_spinlock *lock);
void vmk_spin_unlock_irqrestore(struct vmk_spinlock *lock, unsigned long flags);
void vmk_spin_destroy(struct vmk_spinlock *lock);

/* Deferred work */
struct vmk_workqueue;
struct vmk_work;
struct vmk_workqueue *vmk_workqueue_create(const char *name);
void vmk_workqueue_destroy(struct vmk_workqueue *wq);
struct vmk_work *vmk_work_create(void (*fn)(void *arg), void *arg);
bool vmk_work_queue(struct vmk_workqueue *wq, struct vmk_work *work);
void vmk_work_flush(struct vmk_work *work);
void vmk_work_destroy(struct vmk_work *work);

/* PCI and DMA */
struct vmk_pci_dev;
struct vmk_pci_dev *vmk_pci_find(u16 vendor, u16 device);
void vmk_pci_put(struct vmk_pci_dev *dev);
int vmk_pci_read_config32(struct vmk_pci_dev *dev, int where, u32 *val);
int vmk_pci_find_ext_capability(struct vmk_pci_dev *dev, int cap); /* GPL-only export */
void *vmk_dev_alloc(struct vmk_pci_dev *dev, size_t size);
void vmk_dev_free(struct vmk_pci_dev *dev, void *ptr);
/* Namespace VMK_SHIM: users need MODULE_IMPORT_NS(VMK_SHIM). */
void *vmk_dma_alloc(struct vmk_pci_dev *dev, size_t size, u64 *dma_handle);
void vmk_dma_free(struct vmk_pci_dev *dev, size_t size, void *cpu_addr, u64 dma_handle);

/* Helpers */
int vmk_parse_hex(u8 *dst, const char *src, size_t count);

#endif /* _VMK_API_H */
