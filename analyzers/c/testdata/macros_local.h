/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MACROS_LOCAL_H
#define MACROS_LOCAL_H

#define hdr_helper(p) vfree(p)
#define hdr_chain(x) hdr_helper(x)

#endif
