// SPDX-License-Identifier: GPL-2.0
/*
 * vmk_shim locking: sleeping mutexes and interrupt-safe spinlocks behind opaque handles.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "vmk_shim.h"

struct vmk_mutex {
	struct mutex mutex;
};

/* All core mutexes form one lock class for lockdep. */
static struct lock_class_key vmk_mutex_key;

struct vmk_spinlock {
	spinlock_t lock;
};

/**
 * vmk_mutex_create - allocate and initialise a mutex
 * @name: name for lock debugging
 */
struct vmk_mutex *vmk_mutex_create(const char *name)
{
	struct vmk_mutex *m = kzalloc(sizeof(*m), GFP_KERNEL);

	if (!m)
		return NULL;
	__mutex_init(&m->mutex, name, &vmk_mutex_key);
	return m;
}
EXPORT_SYMBOL(vmk_mutex_create);

void vmk_mutex_lock(struct vmk_mutex *m)
{
	mutex_lock(&m->mutex);
}
EXPORT_SYMBOL(vmk_mutex_lock);

void vmk_mutex_unlock(struct vmk_mutex *m)
{
	mutex_unlock(&m->mutex);
}
EXPORT_SYMBOL(vmk_mutex_unlock);

void vmk_mutex_destroy(struct vmk_mutex *m)
{
	if (!m)
		return;
	mutex_destroy(&m->mutex);
	kfree(m);
}
EXPORT_SYMBOL(vmk_mutex_destroy);

/**
 * vmk_spin_create - allocate and initialise a spinlock
 */
struct vmk_spinlock *vmk_spin_create(void)
{
	struct vmk_spinlock *l = kzalloc(sizeof(*l), GFP_KERNEL);

	if (!l)
		return NULL;
	spin_lock_init(&l->lock);
	return l;
}
EXPORT_SYMBOL(vmk_spin_create);

/**
 * vmk_spin_lock_irqsave - take a spinlock with local interrupts disabled
 * @l: the lock
 *
 * Return: the interrupt state to give to vmk_spin_unlock_irqrestore().
 */
unsigned long vmk_spin_lock_irqsave(struct vmk_spinlock *l)
{
	unsigned long flags;

	spin_lock_irqsave(&l->lock, flags);
	return flags;
}
EXPORT_SYMBOL(vmk_spin_lock_irqsave);

void vmk_spin_unlock_irqrestore(struct vmk_spinlock *l, unsigned long flags)
{
	spin_unlock_irqrestore(&l->lock, flags);
}
EXPORT_SYMBOL(vmk_spin_unlock_irqrestore);

void vmk_spin_destroy(struct vmk_spinlock *l)
{
	kfree(l);
}
EXPORT_SYMBOL(vmk_spin_destroy);
