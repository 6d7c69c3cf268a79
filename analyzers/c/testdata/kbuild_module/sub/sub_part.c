// SPDX-License-Identifier: GPL-2.0
int sub_part(void)
{
	return 1;
}
