// SPDX-License-Identifier: Apache-2.0
/*
 * Header-free C compiled for several ELF flavours (i386, 32-bit big-endian powerpc, 64-bit
 * big-endian s390x): calls to an external function, a static function in another section, data
 * references, and a function pointer in data.
 */
extern int ext_call(int x);
extern int ext_data;

int arch_counter;

__attribute__((noinline, section(".text.cold_path"))) static int arch_cold(int x)
{
	return ext_call(x) + arch_counter;
}

__attribute__((noinline)) int arch_work(int x)
{
	arch_counter += ext_data;
	return arch_cold(x) * 2 + ext_call(x + 1);
}

int (*arch_hook)(int) = arch_work;
int (*arch_ext_hook)(int) = ext_call;

int arch_entry(void)
{
	return arch_hook(3) + arch_work(4);
}
