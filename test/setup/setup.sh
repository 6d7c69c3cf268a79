#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian 12 machine (run as root, or with sudo):
# the kernel headers and kbuild (to build the fixture modules and run the real modpost),
# compilers and binutils, QEMU and busybox for the boot test, Chromium for the HTML report
# test, and it downloads the Debian packages the end-to-end suites read (kernel modules,
# cloud kernel). Idempotent; downloads are cached in .cache/ (or $GPLCHECK_CACHE).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=test/setup/debian.sh
source "$here/debian.sh"

abi="$(debian_abi)"
echo "setup: Debian bookworm kernel ABI $abi"
apt_install \
  "linux-headers-$abi-amd64" linux-kbuild-6.1 \
  gcc make binutils libc6-dev linux-libc-dev \
  qemu-system-x86 busybox-static cpio xz-utils zstd \
  chromium
# Packages read by the end-to-end tests (unpacked, not installed).
debian_unpack "linux-image-$abi-amd64-unsigned" >/dev/null
debian_unpack "linux-headers-$abi-amd64" >/dev/null
echo "setup: done"
