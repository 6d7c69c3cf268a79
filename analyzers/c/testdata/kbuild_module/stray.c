// SPDX-License-Identifier: GPL-2.0
/* Named by no makefile: grouped by its directory. */
int stray(void)
{
	return 0;
}
