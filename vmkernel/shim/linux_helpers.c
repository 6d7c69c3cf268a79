// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers taken from Linux.
 *
 * hex_to_bin() and hex2bin() below are copied from Linux 6.1, file lib/hexdump.c, whose
 * header reads:
 *
 *	// SPDX-License-Identifier: GPL-2.0-only
 *	/\*
 *	 * lib/hexdump.c
 *	 *\/
 *
 * The code and its comments are unchanged; only their EXPORT_SYMBOL() lines are left out (the
 * kernel exports these names already). The shim's own vmk_parse_hex() wraps them for the core.
 */

#include <linux/types.h>
#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/export.h>

#include "vmk_shim.h"

/* ---- begin code from Linux 6.1 lib/hexdump.c ---- */

/**
 * hex_to_bin - convert a hex digit to its real value
 * @ch: ascii character represents hex digit
 *
 * hex_to_bin() converts one hex digit to its actual value or -1 in case of bad
 * input.
 *
 * This function is used to load cryptographic keys, so it is coded in such a
 * way that there are no conditions or memory accesses that depend on data.
 *
 * Explanation of the logic:
 * (ch - '9' - 1) is negative if ch <= '9'
 * ('0' - 1 - ch) is negative if ch >= '0'
 * we "and" these two values, so the result is negative if ch is in the range
 *	'0' ... '9'
 * we are only interested in the sign, so we do a shift ">> 8"; note that right
 *	shift of a negative value is implementation-defined, so we cast the
 *	value to (unsigned) before the shift --- we have 0xffffff if ch is in
 *	the range '0' ... '9', 0 otherwise
 * we "and" this value with (ch - '0' + 1) --- we have a value 1 ... 10 if ch is
 *	in the range '0' ... '9', 0 otherwise
 * we add this value to -1 --- we have a value 0 ... 9 if ch is in the range '0'
 *	... '9', -1 otherwise
 * the next line is similar to the previous one, but we need to decode both
 *	uppercase and lowercase letters, so we use (ch & 0xdf), which converts
 *	lowercase to uppercase
 */
int hex_to_bin(unsigned char ch)
{
	unsigned char cu = ch & 0xdf;
	return -1 +
		((ch - '0' +  1) & (unsigned)((ch - '9' - 1) & ('0' - 1 - ch)) >> 8) +
		((cu - 'A' + 11) & (unsigned)((cu - 'F' - 1) & ('A' - 1 - cu)) >> 8);
}

/**
 * hex2bin - convert an ascii hexadecimal string to its binary representation
 * @dst: binary result
 * @src: ascii hexadecimal string
 * @count: result length
 *
 * Return 0 on success, -EINVAL in case of bad input.
 */
int hex2bin(u8 *dst, const char *src, size_t count)
{
	while (count--) {
		int hi, lo;

		hi = hex_to_bin(*src++);
		if (unlikely(hi < 0))
			return -EINVAL;
		lo = hex_to_bin(*src++);
		if (unlikely(lo < 0))
			return -EINVAL;

		*dst++ = (hi << 4) | lo;
	}
	return 0;
}

/* ---- end code from Linux 6.1 lib/hexdump.c ---- */

/**
 * vmk_parse_hex - convert @count bytes of hexadecimal text at @src into @dst
 * @dst: 'count' bytes of output
 * @src: 2 * @count hexadecimal digits
 * @count: bytes to produce
 *
 * Return: 0, or -EINVAL on a character that is not a hexadecimal digit.
 */
int vmk_parse_hex(u8 *dst, const char *src, size_t count)
{
	return hex2bin(dst, src, count);
}
EXPORT_SYMBOL(vmk_parse_hex);
