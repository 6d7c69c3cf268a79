// SPDX-License-Identifier: Apache-2.0
/*
 * Written for gplcheck's provenance tests, without looking at the Linux versions: functions
 * that do what lib/sort.c sort_r(), lib/string_helpers.c string_get_size(), lib/kstrtox.c
 * _parse_integer_limit() and lib/hexdump.c hex2bin() do. Independent code for the same purpose
 * must not be reported as copied.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef int (*order_fn)(const void *left, const void *right, void *ctx);

static void swap_bytes(unsigned char *x, unsigned char *y, size_t width)
{
	while (width > 0) {
		unsigned char t = *x;

		*x++ = *y;
		*y++ = t;
		width--;
	}
}

/* Restore the heap below `root` for a heap of `count` elements. */
static void heap_fix(unsigned char *items, size_t width, size_t root, size_t count,
		     order_fn order, void *ctx)
{
	for (;;) {
		size_t largest = root;
		size_t left = 2 * root + 1;
		size_t right = left + 1;

		if (left < count && order(items + left * width, items + largest * width, ctx) > 0)
			largest = left;
		if (right < count && order(items + right * width, items + largest * width, ctx) > 0)
			largest = right;
		if (largest == root)
			return;
		swap_bytes(items + root * width, items + largest * width, width);
		root = largest;
	}
}

void table_sort(void *base, size_t count, size_t width, order_fn order, void *ctx)
{
	unsigned char *items = base;
	size_t i;

	if (count < 2 || width == 0)
		return;
	for (i = count / 2; i-- > 0;)
		heap_fix(items, width, i, count, order, ctx);
	for (i = count - 1; i > 0; i--) {
		swap_bytes(items, items + i * width, width);
		heap_fix(items, width, 0, i, order, ctx);
	}
}

/* "1.50 GiB" style text for a byte count; binary or decimal steps. */
int format_size(char *out, size_t room, uint64_t bytes, int binary)
{
	static const char *const dec[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
	static const char *const bin[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	const unsigned step = binary ? 1024u : 1000u;
	unsigned level = 0;
	uint64_t whole = bytes, rest = 0;

	while (whole >= step && level < 6) {
		rest = whole % step;
		whole /= step;
		level++;
	}
	if (level == 0)
		return snprintf(out, room, "%u %s", (unsigned)whole, dec[0]);
	/* two decimals, rounded half up */
	rest = (rest * 100 + step / 2) / step;
	if (rest >= 100) {
		whole++;
		rest -= 100;
	}
	return snprintf(out, room, "%u.%02u %s", (unsigned)whole, (unsigned)rest,
			binary ? bin[level] : dec[level]);
}

#define PARSE_OVERFLOWED 0x80000000u

/* Digits of `radix` (2..16) from `text`, at most `limit` of them; returns how many were read,
 * with PARSE_OVERFLOWED set when the value did not fit. */
unsigned read_unsigned(const char *text, unsigned radix, size_t limit, uint64_t *value)
{
	uint64_t acc = 0;
	unsigned used = 0, flags = 0;

	for (; used < limit && text[used] != '\0'; used++) {
		int ch = text[used];
		unsigned digit;

		if (ch >= '0' && ch <= '9')
			digit = (unsigned)(ch - '0');
		else if (ch >= 'A' && ch <= 'F')
			digit = (unsigned)(ch - 'A') + 10;
		else if (ch >= 'a' && ch <= 'f')
			digit = (unsigned)(ch - 'a') + 10;
		else
			break;
		if (digit >= radix)
			break;
		if (acc > (UINT64_MAX - digit) / radix)
			flags = PARSE_OVERFLOWED;
		acc = acc * radix + digit;
	}
	*value = acc;
	return used | flags;
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Two hex digits per output byte; -1 on anything else. */
int unhex(uint8_t *dst, const char *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int high = nibble(src[2 * i]);
		int low = high < 0 ? -1 : nibble(src[2 * i + 1]);

		if (low < 0)
			return -1;
		dst[i] = (uint8_t)(high << 4 | low);
	}
	return 0;
}
