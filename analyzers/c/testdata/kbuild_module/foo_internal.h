/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FOO_INTERNAL_H
#define FOO_INTERNAL_H
#define foo_helper(x) foo_util(x)
int foo_util(int x);
#endif
