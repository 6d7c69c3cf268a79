#!/usr/bin/env bash
# Unpacks Debian's linux-source-6.1 (the full 6.1 kernel tree, about 1.2 GB) under
# $GPLCHECK_CACHE/linux-source/<version>/linux-source-6.1 and prints that directory.
# Downloads through test/setup/debian.sh; unpacking runs once, under a lock.
#   kernel-symbols/build/linux-source.sh          -> the tree's directory
set -euo pipefail

KS_BUILD_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$KS_BUILD_DIR/../.." && pwd)"
# shellcheck source=../../test/setup/debian.sh
source "$REPO_ROOT/test/setup/debian.sh"

pkg=linux-source-6.1
if [ -f "$GPLCHECK_CACHE/debian/$pkg/.unpacked" ]; then deb_dir="$GPLCHECK_CACHE/debian/$pkg"; else deb_dir="$(debian_unpack "$pkg")"; fi
version="$(cat "$deb_dir/.version")"
tarball="$(ls "$deb_dir"/usr/src/linux-source-*.tar.xz | head -n1)"
out="$GPLCHECK_CACHE/linux-source/$version"
mkdir -p "$out"
(
  flock 9
  if [ ! -f "$out/.unpacked" ]; then
    rm -rf "$out/linux-source-6.1"
    tar -xJf "$tarball" -C "$out"
    touch "$out/.unpacked"
  fi
) 9>"$out/.lock"
echo "$out/linux-source-6.1"
