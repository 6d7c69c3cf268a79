// SPDX-License-Identifier: LicenseRef-vmkernel-core-proprietary
/*
 * vmkernel core: the world scheduler's tick.
 *
 * A one-shot high-resolution timer queues a work item; the work item counts the tick under the
 * scheduler lock and re-arms the timer. Every service comes from the vmk_ API.
 */
#include <linux/module.h>

#include "vmkcore.h"

struct vmkcore_sched {
	struct vmk_workqueue *wq;
	struct vmk_work *tick_work;
	struct vmk_timer *tick_timer;
	struct vmk_spinlock *lock;  /* protects ticks and running */
	struct vmk_mutex *mutex;    /* serialises start, stop and stats */
	unsigned int ticks;
	bool running;
	u64 period_ns;
	u64 start_ns;
	unsigned long start_jiffies;
};

static struct vmkcore_sched sched;

/* Timer callback, interrupt context: hand over to process context. */
static void vmkcore_tick_timer(void *arg)
{
	struct vmkcore_sched *s = arg;

	vmk_work_queue(s->wq, s->tick_work);
}

/* Work item, process context: count the tick and re-arm. */
static void vmkcore_tick_work(void *arg)
{
	struct vmkcore_sched *s = arg;
	unsigned long flags;
	bool running;

	flags = vmk_spin_lock_irqsave(s->lock);
	s->ticks++;
	running = s->running;
	vmk_spin_unlock_irqrestore(s->lock, flags);

	if (running)
		vmk_timer_start_ns(s->tick_timer, s->period_ns);
}

int vmkcore_sched_start(unsigned int period_us)
{
	struct vmkcore_sched *s = &sched;

	s->mutex = vmk_mutex_create("vmkcore_sched");
	s->lock = vmk_spin_create();
	s->wq = vmk_workqueue_create("vmkcore_worlds");
	s->tick_work = vmk_work_create(vmkcore_tick_work, s);
	s->tick_timer = vmk_timer_create(vmkcore_tick_timer, s);
	if (!s->mutex || !s->lock || !s->wq || !s->tick_work || !s->tick_timer) {
		vmk_log(VMK_LOG_ERR, "scheduler: out of memory\n");
		vmkcore_sched_stop();
		return -ENOMEM;
	}

	vmk_mutex_lock(s->mutex);
	s->period_ns = (u64)period_us * 1000;
	s->ticks = 0;
	s->running = true;
	s->start_ns = vmk_time_ns();
	s->start_jiffies = vmk_jiffies();
	vmk_timer_start_ns(s->tick_timer, s->period_ns);
	vmk_mutex_unlock(s->mutex);
	return 0;
}

static unsigned int vmkcore_sched_ticks(void)
{
	unsigned long flags = vmk_spin_lock_irqsave(sched.lock);
	unsigned int ticks = sched.ticks;

	vmk_spin_unlock_irqrestore(sched.lock, flags);
	return ticks;
}

int vmkcore_sched_wait_ticks(unsigned int ticks, unsigned int timeout_ms)
{
	unsigned int waited = 0;

	while (vmkcore_sched_ticks() < ticks) {
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		vmk_sleep_ms(1);
		waited++;
	}
	return 0;
}

void vmkcore_sched_get_stats(struct vmkcore_sched_stats *stats)
{
	vmk_mutex_lock(sched.mutex);
	stats->ticks = vmkcore_sched_ticks();
	stats->elapsed_ns = vmk_time_ns() - sched.start_ns;
	stats->jiffies_elapsed = vmk_jiffies() - sched.start_jiffies;
	vmk_mutex_unlock(sched.mutex);
}

void vmkcore_sched_stop(void)
{
	struct vmkcore_sched *s = &sched;

	if (s->lock) {
		unsigned long flags = vmk_spin_lock_irqsave(s->lock);

		s->running = false;
		vmk_spin_unlock_irqrestore(s->lock, flags);
	}
	/* The work item may re-arm the timer once more: cancel after it has run. */
	if (s->tick_timer)
		vmk_timer_cancel(s->tick_timer);
	if (s->tick_work)
		vmk_work_flush(s->tick_work);
	vmk_timer_destroy(s->tick_timer);
	vmk_work_destroy(s->tick_work);
	vmk_workqueue_destroy(s->wq);
	vmk_spin_destroy(s->lock);
	vmk_mutex_destroy(s->mutex);
	memset(s, 0, sizeof(*s));
}
