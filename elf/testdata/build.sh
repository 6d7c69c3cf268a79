#!/usr/bin/env bash
# Regenerates the committed ELF test objects in elf/testdata/ from the C sources in
# elf/testdata/src/. The objects are committed so that tests do not need the cross compilers;
# run this script after changing a source and commit its output together with the change.
#
#   elf/testdata/build.sh
#
# Needs (installed through test/setup/debian.sh): gcc, binutils, gcc-powerpc-linux-gnu,
# gcc-s390x-linux-gnu, make, and linux-headers-<abi>-amd64 + linux-kbuild-6.1 for the module.
# (gcc-multilib conflicts with Debian's cross compilers; the 32-bit x86 object is compiled from a
# header-free source with plain `gcc -m32 -c`, which needs no multilib.)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
SRC="$HERE/src"
OUT="$HERE"
DEB="$REPO/test/setup/debian.sh"

"$DEB" install gcc binutils make gcc-powerpc-linux-gnu gcc-s390x-linux-gnu
ABI="$("$DEB" install-headers)"

# No debug info, no unwind tables, no absolute paths: small, reproducible objects.
COMMON=(-O2 -g0 -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-ident -Wall -Werror)

# --- userspace x86-64: object, PIE executable, shared object -------------------------------
gcc "${COMMON[@]}" -c "$SRC/user/hello.c" -o "$OUT/hello.o"
gcc "${COMMON[@]}" -fPIC -c "$SRC/user/libtoy.c" -o "$OUT/libtoy.o"
gcc -shared -Wl,-soname,libtoy.so.1 "$OUT/libtoy.o" -o "$OUT/libtoy.so"
gcc "$OUT/hello.o" -L"$OUT" -ltoy -Wl,--build-id=none -o "$OUT/hello"
rm -f "$OUT/libtoy.o"

# --- other ELF flavours from one header-free source ----------------------------------------
# ELF32 little-endian (i386, REL relocations with implicit addends)
gcc "${COMMON[@]}" -m32 -c "$SRC/cross/toyarch.c" -o "$OUT/toyarch-i386.o"
# ELF32 big-endian (powerpc, RELA)
powerpc-linux-gnu-gcc "${COMMON[@]}" -c "$SRC/cross/toyarch.c" -o "$OUT/toyarch-ppc.o"
# ELF64 big-endian (s390x, RELA)
s390x-linux-gnu-gcc "${COMMON[@]}" -c "$SRC/cross/toyarch.c" -o "$OUT/toyarch-s390x.o"
# ELF64 little-endian reference (x86-64)
gcc "${COMMON[@]}" -c "$SRC/cross/toyarch.c" -o "$OUT/toyarch-x86_64.o"

# --- Linux 6.5+ export layout (.export_symbol) in three flavours -----------------------------
gcc "${COMMON[@]}" -c "$SRC/export65/exports65.c" -o "$OUT/exports65-x86_64.o"
gcc "${COMMON[@]}" -m32 -c "$SRC/export65/exports65.c" -o "$OUT/exports65-i386.o"
s390x-linux-gnu-gcc "${COMMON[@]}" -c "$SRC/export65/exports65.c" -o "$OUT/exports65-s390x.o"

# --- kernel module, built by kbuild against the installed headers ---------------------------
BUILD="$(mktemp -d)"
trap 'rm -rf "$BUILD"' EXIT
cp "$SRC/kmod/toyexp.c" "$SRC/kmod/Kbuild" "$BUILD/"
make -s -C "/lib/modules/$ABI-amd64/build" M="$BUILD" KCFLAGS="-ffile-prefix-map=$BUILD/=" modules >/dev/null 2>"$BUILD/make.log" || { cat "$BUILD/make.log" >&2; exit 1; }
# Debian ships its modules without debug info (INSTALL_MOD_STRIP); so do we. This keeps the
# symbol table and every relocation section except those of .debug_*.
objcopy --strip-debug "$BUILD/toyexp.o" "$OUT/toyexp.o"
objcopy --strip-debug "$BUILD/toyexp.ko" "$OUT/toyexp.ko"
sed "s|$BUILD/|elf/testdata/|" "$BUILD/Module.symvers" > "$OUT/toyexp.Module.symvers"
echo "$ABI" > "$OUT/toyexp.abi"

ls -l "$OUT"/*.o "$OUT"/*.ko "$OUT"/*.so "$OUT/hello"
