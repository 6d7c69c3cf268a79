// SPDX-License-Identifier: GPL-2.0
/*
 * vmk_shim time: clocks, sleeping and high-resolution one-shot timers.
 *
 * ktime_get() and the hrtimer interface are exported GPL-only by Linux; vmk_time_ns() and the
 * vmk_timer_* wrappers re-export them to any module.
 */
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "vmk_shim.h"

struct vmk_timer {
	struct hrtimer timer;
	void (*fn)(void *arg);
	void *arg;
};

/**
 * vmk_time_ns - monotonic time in nanoseconds
 */
u64 vmk_time_ns(void)
{
	return ktime_to_ns(ktime_get());
}
EXPORT_SYMBOL(vmk_time_ns);

/**
 * vmk_time_raw_ns - raw monotonic time (not adjusted by NTP) in nanoseconds
 *
 * Exported GPL-only, as the Linux interface it wraps.
 */
u64 vmk_time_raw_ns(void)
{
	return ktime_to_ns(ktime_get_raw());
}
EXPORT_SYMBOL_GPL(vmk_time_raw_ns);

/**
 * vmk_jiffies - the scheduler tick counter
 */
unsigned long vmk_jiffies(void)
{
	return jiffies;
}
EXPORT_SYMBOL(vmk_jiffies);

/**
 * vmk_sleep_ms - sleep for at least @ms milliseconds
 * @ms: milliseconds
 */
void vmk_sleep_ms(unsigned int ms)
{
	msleep(ms);
}
EXPORT_SYMBOL(vmk_sleep_ms);

static enum hrtimer_restart vmk_timer_expired(struct hrtimer *hrtimer)
{
	struct vmk_timer *t = container_of(hrtimer, struct vmk_timer, timer);

	t->fn(t->arg);
	return HRTIMER_NORESTART;
}

/**
 * vmk_timer_create - make a one-shot timer calling @fn(@arg) in interrupt context
 * @fn: callback
 * @arg: its argument
 *
 * Return: the timer, or NULL when out of memory.
 */
struct vmk_timer *vmk_timer_create(void (*fn)(void *arg), void *arg)
{
	struct vmk_timer *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return NULL;
	hrtimer_init(&t->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	t->timer.function = vmk_timer_expired;
	t->fn = fn;
	t->arg = arg;
	return t;
}
EXPORT_SYMBOL(vmk_timer_create);

/**
 * vmk_timer_start_ns - arm (or re-arm) a timer
 * @timer: from vmk_timer_create()
 * @delay_ns: nanoseconds from now
 */
void vmk_timer_start_ns(struct vmk_timer *timer, u64 delay_ns)
{
	hrtimer_start(&timer->timer, ns_to_ktime(delay_ns), HRTIMER_MODE_REL);
}
EXPORT_SYMBOL(vmk_timer_start_ns);

/**
 * vmk_timer_cancel - stop a timer and wait for a running callback
 * @timer: from vmk_timer_create()
 */
void vmk_timer_cancel(struct vmk_timer *timer)
{
	hrtimer_cancel(&timer->timer);
}
EXPORT_SYMBOL(vmk_timer_cancel);

/**
 * vmk_timer_destroy - cancel and free a timer
 * @timer: from vmk_timer_create(), or NULL
 */
void vmk_timer_destroy(struct vmk_timer *timer)
{
	if (!timer)
		return;
	hrtimer_cancel(&timer->timer);
	kfree(timer);
}
EXPORT_SYMBOL(vmk_timer_destroy);
