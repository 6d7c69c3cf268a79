/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef BASIC_LOCAL_H
#define BASIC_LOCAL_H

#define BASIC_MAGIC 0x42

#endif /* BASIC_LOCAL_H */
