/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FOO_H
#define FOO_H
#define FOO_DEFAULT 1
#define foo_wrap(x) kmalloc(x, GFP_KERNEL)
#endif
