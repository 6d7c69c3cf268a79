#!/usr/bin/env bash
# Shared helpers for getting Debian's kernel packages, used by the test setup, the database
# builders and the benchmarks. Source it, or run it with a sub-command:
#   test/setup/debian.sh abi                 newest bookworm 6.1 ABI, e.g. 6.1.0-56
#   test/setup/debian.sh install-headers     apt-get install linux-headers-<abi>-amd64 (+ kbuild)
#   test/setup/debian.sh unpack PKG          download PKG and unpack it under .cache/debian/PKG
# Downloads go to $GPLCHECK_CACHE (default: <repo>/.cache) and are reused when present.
set -euo pipefail

DEBIAN_SH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$DEBIAN_SH_DIR/../.." && pwd)"
GPLCHECK_CACHE="${GPLCHECK_CACHE:-$REPO_ROOT/.cache}"
export GPLCHECK_CACHE

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# apt-get update once per machine boot (cheap marker), under a lock so parallel callers wait.
apt_ready() {
  local marker=/tmp/.gplcheck-apt-updated
  if [ ! -f "$marker" ] || [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v lock)" ]; then
    as_root flock /tmp/.gplcheck-apt.lock apt-get update -qq
    touch "$marker"
  fi
}

apt_install() {
  apt_ready
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    as_root flock /tmp/.gplcheck-apt.lock env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# Newest linux-headers-6.1.0-NN-amd64 in the archive (never hard-coded: it moves).
debian_abi() {
  apt_ready
  apt-cache search --names-only '^linux-headers-6\.1\.0-[0-9]+-amd64$' \
    | awk '{print $1}' | sed -E 's/^linux-headers-(6\.1\.0-[0-9]+)-amd64$/\1/' | sort -V | tail -n1
}

install_headers() {
  local abi; abi="$(debian_abi)"
  apt_install "linux-headers-$abi-amd64" "linux-kbuild-6.1" make gcc
  echo "$abi"
}

# Unpack a .deb into DIR (emptied first), recording its version; `.unpacked` marks it complete.
unpack_deb() {
  local deb="$1" dir="$2"
  rm -rf "$dir"; mkdir -p "$dir"
  dpkg -x "$deb" "$dir"
  dpkg-deb -f "$deb" Version > "$dir/.version"
  touch "$dir/.unpacked"
}

# Download a package (.deb) and unpack it; prints the directory. The whole step runs under a
# per-package lock, so parallel callers neither download twice nor unpack over each other.
debian_unpack() {
  local pkg="$1" dir="$GPLCHECK_CACHE/debian/$1"
  apt_ready
  mkdir -p "$GPLCHECK_CACHE/debian/debs"
  (
    flock 9
    if [ ! -f "$dir/.unpacked" ]; then
      cd "$GPLCHECK_CACHE/debian/debs"
      ls "${pkg}"_*.deb >/dev/null 2>&1 || apt-get -o APT::Sandbox::User=root download -qq "$pkg" >/dev/null
      unpack_deb "$(ls -t "$GPLCHECK_CACHE/debian/debs/${pkg}"_*.deb | head -n1)" "$dir"
    fi
  ) 9>"$GPLCHECK_CACHE/debian/.lock-$pkg"
  echo "$dir"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-}" in
    abi) debian_abi ;;
    install-headers) install_headers ;;
    unpack) shift; debian_unpack "$1" ;;
    install) shift; apt_install "$@" ;;
    *) echo "usage: $0 abi | install-headers | unpack PKG | install PKG..." >&2; exit 2 ;;
  esac
fi
