#!/usr/bin/env bash
# Finding and fetching the Debian kernel header packages the shipped databases come from.
#   debian-kernels.sh series                  the series we ship: "5.10 bullseye", "6.1 bookworm", "6.12 trixie"
#   debian-kernels.sh newest SERIES           newest linux-headers-<abi>-amd64 of a series, e.g. 6.12
#                                             (refreshes the package lists first)
#   debian-kernels.sh fetch PKG [VERSION]     download + unpack PKG (optionally exactly VERSION);
#                                             prints the directory (.cache/debian/PKG, with .version)
#   debian-kernels.sh suite PKG VERSION       the archive suite that has PKG at VERSION
# bookworm (6.1) goes through the shared helper test/setup/debian.sh and the system's apt
# sources; bullseye and trixie (+ -updates, -security: the newest kernels are often only in
# the security archive) through an apt sources file of our own under $GPLCHECK_CACHE/apt,
# verified with the Debian archive keyring.
set -euo pipefail

KS_BUILD_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$KS_BUILD_DIR/../.." && pwd)"
# shellcheck source=../../test/setup/debian.sh
source "$REPO_ROOT/test/setup/debian.sh"

KEYRING="${GPLCHECK_DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}"
MIRROR="${GPLCHECK_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${GPLCHECK_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
APT_DIR="$GPLCHECK_CACHE/apt"

# series -> suite, and the package name pattern of its generic amd64 headers.
suite_of_series() {
  case "$1" in
    5.10) echo bullseye ;;
    6.1) echo bookworm ;;
    6.12) echo trixie ;;
    *) echo "unknown series '$1' (known: 5.10 6.1 6.12)" >&2; return 2 ;;
  esac
}
pattern_of_series() {
  case "$1" in
    5.10) echo '^linux-headers-5\.10\.0-[0-9]+-amd64$' ;;
    6.1) echo '^linux-headers-6\.1\.0-[0-9]+-amd64$' ;;
    6.12) echo '^linux-headers-6\.12\.[0-9]+\+deb13(\.[0-9]+)?-amd64$' ;;
    *) echo "unknown series '$1'" >&2; return 2 ;;
  esac
}

# Options that point apt at our own sources, lists and cache instead of the system's.
own_apt_opts() {
  OWN_APT=(
    -o "Dir::Etc::sourcelist=$APT_DIR/gplcheck-debian.sources"
    -o "Dir::Etc::sourceparts=-"
    -o "Dir::State::Lists=$APT_DIR/lists"
    -o "Dir::Cache=$APT_DIR/cache"
    -o "APT::Sandbox::User=$(id -un)"
  )
}

write_sources() {
  [ -r "$KEYRING" ] || { echo "Debian archive keyring $KEYRING is missing (apt-get install debian-archive-keyring)" >&2; return 1; }
  mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
  cat > "$APT_DIR/gplcheck-debian.sources.new" <<EOF
# Written by kernel-symbols/build/debian-kernels.sh: the suites of the other shipped kernels.
Types: deb
URIs: $MIRROR
Suites: bullseye bullseye-updates trixie trixie-updates
Components: main
Architectures: amd64
Signed-By: $KEYRING

Types: deb
URIs: $SECURITY_MIRROR
Suites: bullseye-security trixie-security
Components: main
Architectures: amd64
Signed-By: $KEYRING
EOF
  mv "$APT_DIR/gplcheck-debian.sources.new" "$APT_DIR/gplcheck-debian.sources"
}

# Refresh our own package lists (always when FORCE=1, else only when there are none).
own_apt_update() {
  own_apt_opts
  mkdir -p "$APT_DIR"
  (
    flock 9
    write_sources
    if [ "${1:-}" = force ] || ! ls "$APT_DIR"/lists/*_Packages* >/dev/null 2>&1; then
      # apt-get update exits 0 even when a suite failed; treat its warnings as errors.
      local out
      out="$(apt-get "${OWN_APT[@]}" -q update 2>&1)" || { echo "$out" >&2; exit 1; }
      if grep -qE '^(W|E): ' <<<"$out"; then echo "$out" >&2; echo "apt-get update of $APT_DIR failed" >&2; exit 1; fi
    fi
  ) 9>"$APT_DIR/.lock"
}

uses_own_apt() { [ "$(suite_of_series "$1")" != bookworm ]; }

series_of_package() {
  case "$1" in
    linux-headers-5.10.*) echo 5.10 ;;
    linux-headers-6.1.*) echo 6.1 ;;
    linux-headers-6.12.*) echo 6.12 ;;
    *) echo "not a shipped kernel series: $1" >&2; return 2 ;;
  esac
}

newest() {
  local series="$1" pat
  pat="$(pattern_of_series "$series")"
  local found
  if uses_own_apt "$series"; then
    own_apt_update force
    found="$(apt-cache "${OWN_APT[@]}" search --names-only "$pat" | awk '{print $1}' | sort -V | tail -n1)"
  else
    as_root flock /tmp/.gplcheck-apt.lock apt-get update -qq
    touch /tmp/.gplcheck-apt-updated
    found="$(apt-cache search --names-only "$pat" | awk '{print $1}' | sort -V | tail -n1)"
  fi
  [ -n "$found" ] || { echo "no package matching $pat in the $(suite_of_series "$series") archive" >&2; return 1; }
  echo "$found"
}

# apt-cache policy's version table: the "release" line right after the wanted version.
suite() {
  local pkg="$1" version="$2" series
  series="$(series_of_package "$pkg")"
  local policy
  if uses_own_apt "$series"; then own_apt_update; policy="$(apt-cache "${OWN_APT[@]}" policy "$pkg")"; else policy="$(apt-cache policy "$pkg")"; fi
  awk -v v="$version" '
    $1 == "***" { sub(/\*\*\*/, "") ; $1 = $1 }
    NF == 2 && $2 ~ /^-?[0-9]+$/ { want = ($1 == v); next }
    want && $2 ~ /:\/\// { split($3, a, "/"); print a[1]; exit }
  ' <<<"$policy"
}

fetch() {
  local pkg="$1" version="${2:-}" series dir
  series="$(series_of_package "$pkg")"
  dir="$GPLCHECK_CACHE/debian/$pkg"
  if [ -f "$dir/.unpacked" ] && { [ -z "$version" ] || [ "$(cat "$dir/.version")" = "$version" ]; }; then
    echo "$dir"; return 0
  fi
  if ! uses_own_apt "$series"; then
    dir="$(debian_unpack "$pkg")"
    if [ -n "$version" ] && [ "$(cat "$dir/.version")" != "$version" ]; then
      echo "$pkg: the archive has version $(cat "$dir/.version"), wanted $version" >&2; return 1
    fi
    echo "$dir"; return 0
  fi
  own_apt_opts
  own_apt_update
  mkdir -p "$GPLCHECK_CACHE/debian/debs"
  local spec="$pkg" want="${pkg}_"
  if [ -n "$version" ]; then spec="$pkg=$version"; want="${pkg}_${version//:/%3a}_"; fi
  # One lock per package for download and unpack; re-check inside, another process may have done it.
  (
    flock 9
    if [ -f "$dir/.unpacked" ] && { [ -z "$version" ] || [ "$(cat "$dir/.version")" = "$version" ]; }; then exit 0; fi
    cd "$GPLCHECK_CACHE/debian/debs"
    if ! ls "$want"*.deb >/dev/null 2>&1; then
      if ! apt-get "${OWN_APT[@]}" -qq download "$spec" >/dev/null 2>"$APT_DIR/download-$pkg.err"; then
        # Lists may be stale (security updates replace packages): refresh once and retry.
        own_apt_update force
        apt-get "${OWN_APT[@]}" -qq download "$spec" >/dev/null 2>"$APT_DIR/download-$pkg.err" || {
          echo "cannot download $spec from the bullseye/trixie archives:" >&2; cat "$APT_DIR/download-$pkg.err" >&2; exit 1; }
      fi
    fi
    unpack_deb "$(ls -t "$want"*.deb | head -n1)" "$dir"
  ) 9>"$GPLCHECK_CACHE/debian/.lock-$pkg"
  echo "$dir"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  own_apt_opts
  case "${1:-}" in
    series) printf '%s\n' "5.10 bullseye" "6.1 bookworm" "6.12 trixie" ;;
    newest) shift; newest "$1" ;;
    fetch) shift; fetch "$@" ;;
    suite) shift; suite "$1" "$2" ;;
    *) echo "usage: $0 series | newest SERIES | fetch PKG [VERSION] | suite PKG VERSION" >&2; exit 2 ;;
  esac
fi
