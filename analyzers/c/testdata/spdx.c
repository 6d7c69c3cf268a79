// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/* SPDX-License-Identifier: LicenseRef-Fixture-Proprietary */
/*
 * SPDX-License-Identifier: GPL-2.0+ AND BSD-3-Clause
 */
// SPDX-License-Identifier: GPL-2.0 OR
// SPDX-License-Identifier: GPL-2.0-only AND Not-A-Licence-1.0
// SPDX-License-Identifier: GPL-2.0 WITH Made-Up-exception

int spdx_fixture(void)
{
	return 0; /* SPDX-License-Identifier: MIT */
}
