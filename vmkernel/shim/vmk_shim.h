/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal declarations of the vmk_shim module.
 */
#ifndef _VMK_SHIM_H
#define _VMK_SHIM_H

#include "include/vmk_api.h"

#define VMK_SHIM_NAME "vmk_shim"

#endif /* _VMK_SHIM_H */
