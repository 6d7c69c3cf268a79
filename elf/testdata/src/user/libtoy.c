// SPDX-License-Identifier: Apache-2.0
/* Shared object for the ELF reader's tests. */
#include <stdlib.h>
#include <string.h>

static char *toy_buffer;

__attribute__((noinline)) static size_t toy_measure(const char *s)
{
	return strlen(s) + 1;
}

char *toy_dup(const char *s)
{
	size_t n = toy_measure(s);
	toy_buffer = malloc(n);
	if (toy_buffer)
		memcpy(toy_buffer, s, n);
	return toy_buffer;
}

void toy_release(void)
{
	free(toy_buffer);
	toy_buffer = NULL;
}
