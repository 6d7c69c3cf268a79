// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exports in the object layout of Linux 6.5 and later: one entry per export in section
 * ".export_symbol", emitted with the assembler directives of that kernel's
 * include/linux/export.h (___EXPORT_SYMBOL: label __export_symbol_SYM, .asciz licence,
 * .asciz namespace, aligned pointer to SYM). Lets the ELF reader be tested on that layout
 * without a 6.5+ kernel build tree. Header-free, so it compiles for any target.
 */
#if __SIZEOF_POINTER__ == 8
#define EXPORT_REF "\t.balign 8\n\t.quad "
#else
#define EXPORT_REF "\t.balign 4\n\t.long "
#endif

#define EXPORT65(sym, license, ns)                              \
	asm("\t.section \".export_symbol\",\"a\"\n"             \
	    "__export_symbol_" #sym ":\n"                       \
	    "\t.asciz \"" license "\"\n"                        \
	    "\t.asciz \"" ns "\"\n"                             \
	    EXPORT_REF #sym "\n"                                \
	    "\t.previous\n")

int e65_plain(int x)
{
	return x + 1;
}
EXPORT65(e65_plain, "", "");

int e65_gpl(int x)
{
	return e65_plain(x) * 2;
}
EXPORT65(e65_gpl, "GPL", "");

int e65_counter;
EXPORT65(e65_counter, "", "E65_DATA");

int e65_ns(int x)
{
	return e65_gpl(x) + e65_counter;
}
EXPORT65(e65_ns, "GPL", "E65_NS");

int e65_for_kvm(int x)
{
	return x ^ 0x5a;
}
EXPORT65(e65_for_kvm, "GPL", "module:kvm,kvm_amd");
