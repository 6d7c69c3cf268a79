/* SPDX-License-Identifier: MIT */
int vmm_io(int x);
