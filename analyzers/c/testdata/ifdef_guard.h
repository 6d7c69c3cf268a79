/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _IFDEF_GUARD_H
#define _IFDEF_GUARD_H

static inline int guarded(void)
{
	return guarded_call();
}

#ifdef CONFIG_X
static inline int guarded_x(void)
{
	return guarded_x_call();
}
#endif

#endif /* _IFDEF_GUARD_H */
