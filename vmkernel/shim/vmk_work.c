// SPDX-License-Identifier: GPL-2.0
/*
 * vmk_shim deferred work: workqueues and work items running core callbacks in process context.
 *
 * alloc_workqueue(), destroy_workqueue(), flush_work() and cancel_work_sync() are exported
 * GPL-only by Linux; queue_work_on() is a plain export.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "vmk_shim.h"

struct vmk_workqueue {
	struct workqueue_struct *wq;
};

struct vmk_work {
	struct work_struct work;
	void (*fn)(void *arg);
	void *arg;
};

/**
 * vmk_workqueue_create - create an ordered workqueue
 * @name: its name, shown in the kernel's worker thread names
 */
struct vmk_workqueue *vmk_workqueue_create(const char *name)
{
	struct vmk_workqueue *q = kzalloc(sizeof(*q), GFP_KERNEL);

	if (!q)
		return NULL;
	q->wq = alloc_ordered_workqueue("%s", 0, name);
	if (!q->wq) {
		kfree(q);
		return NULL;
	}
	return q;
}
EXPORT_SYMBOL(vmk_workqueue_create);

/**
 * vmk_workqueue_destroy - drain and free a workqueue
 * @q: from vmk_workqueue_create(), or NULL
 */
void vmk_workqueue_destroy(struct vmk_workqueue *q)
{
	if (!q)
		return;
	destroy_workqueue(q->wq);
	kfree(q);
}
EXPORT_SYMBOL(vmk_workqueue_destroy);

static void vmk_work_run(struct work_struct *work)
{
	struct vmk_work *w = container_of(work, struct vmk_work, work);

	w->fn(w->arg);
}

/**
 * vmk_work_create - make a work item calling @fn(@arg)
 * @fn: callback, may sleep
 * @arg: its argument
 */
struct vmk_work *vmk_work_create(void (*fn)(void *arg), void *arg)
{
	struct vmk_work *w = kzalloc(sizeof(*w), GFP_KERNEL);

	if (!w)
		return NULL;
	INIT_WORK(&w->work, vmk_work_run);
	w->fn = fn;
	w->arg = arg;
	return w;
}
EXPORT_SYMBOL(vmk_work_create);

/**
 * vmk_work_queue - queue a work item
 * @q: the workqueue
 * @w: the work item
 *
 * Return: false if it was already pending.
 */
bool vmk_work_queue(struct vmk_workqueue *q, struct vmk_work *w)
{
	return queue_work(q->wq, &w->work);
}
EXPORT_SYMBOL(vmk_work_queue);

/**
 * vmk_work_flush - wait until a queued work item has run
 * @w: the work item
 */
void vmk_work_flush(struct vmk_work *w)
{
	flush_work(&w->work);
}
EXPORT_SYMBOL(vmk_work_flush);

/**
 * vmk_work_destroy - cancel a work item, wait for it, and free it
 * @w: from vmk_work_create(), or NULL
 */
void vmk_work_destroy(struct vmk_work *w)
{
	if (!w)
		return;
	cancel_work_sync(&w->work);
	kfree(w);
}
EXPORT_SYMBOL(vmk_work_destroy);
