// SPDX-License-Identifier: Apache-2.0
/* Userspace program for the ELF reader's tests: libc and libtoy.so imports, a static helper,
 * a function pointer, extern data. */
#include <stdio.h>
#include <stdlib.h>

extern char *toy_dup(const char *s);
extern void toy_release(void);

int hello_calls;

__attribute__((noinline)) static int hello_twice(int x)
{
	hello_calls++;
	return 2 * x;
}

int (*hello_printer)(const char *) = puts;

int hello_entry(int argc)
{
	return hello_twice(argc) + 1;
}

int main(int argc, char **argv)
{
	char *copy = toy_dup(argc > 1 ? argv[1] : "hello");

	printf("%s %d\n", copy, hello_entry(argc));
	hello_printer(copy);
	toy_release();
	if (getenv("HELLO_FAIL"))
		exit(1);
	return 0;
}
