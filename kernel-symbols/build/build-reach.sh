#!/usr/bin/env bash
# Rebuilds the shipped inline/macro reach tables kernel-symbols/data/<series>.reach.json.gz.
# For each shipped database <series>.symdb.json.gz it reads the Debian package and version the
# database came from (linux-headers-<abi>-amd64 VERSION), fetches the matching
# linux-headers-<abi>-common VERSION (the kernel's include/ and arch/x86/include/), parses
# every header with the C analyser, evaluates #if branches against the build's autoconf.h (from
# the -amd64 package) and writes the reach graph against that database's exports.
# Usage: kernel-symbols/build/build-reach.sh [SERIES...]     (default: every shipped database)
# Called by build-databases.sh after the databases; can be run alone (it never changes them).
set -euo pipefail

KS_BUILD_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$KS_BUILD_DIR/../.." && pwd)"
KERNELS="$KS_BUILD_DIR/debian-kernels.sh"
OUT_DIR="${GPLCHECK_SHIPPED_SYMBOLS_OUT:-$REPO_ROOT/kernel-symbols/data}"

cd "$REPO_ROOT"
[ "${GPLCHECK_SKIP_TSC:-}" = 1 ] || npx tsc -p "$KS_BUILD_DIR/tsconfig.json"
WRITER="$REPO_ROOT/dist/kernel-symbols/build/write-reach.js"

if [ $# -eq 0 ]; then
  set -- $(cd "$OUT_DIR" && ls *.symdb.json.gz | sed 's/\.symdb\.json\.gz$//')
fi
for series in "$@"; do
  db="$OUT_DIR/$series.symdb.json.gz"
  [ -f "$db" ] || { echo "no database $db" >&2; exit 1; }
  read -r pkg version suite < <(zcat "$db" | head -n1 | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const m = JSON.parse(s).source; console.log(`${m.package ?? ""} ${m.packageVersion ?? ""} ${m.suite ?? "-"}`); });')
  case "$pkg" in
    linux-headers-*-amd64) ;;
    *) echo "$db was not built from a Debian linux-headers-*-amd64 package (source: '$pkg')" >&2; exit 1 ;;
  esac
  common="${pkg%-amd64}-common"
  dir="$("$KERNELS" fetch "$common" "$version")"
  headers="$dir/usr/src/$common"
  [ -d "$headers/include" ] || { echo "$common $version has no usr/src/$common/include" >&2; exit 1; }
  [ "$suite" = - ] && suite=""
  # The kernel's configuration, from the -amd64 package the database came from.
  adir="$("$KERNELS" fetch "$pkg" "$version")"
  autoconf="$adir/usr/src/$pkg/include/generated/autoconf.h"
  [ -f "$autoconf" ] || { echo "$pkg $version has no usr/src/$pkg/include/generated/autoconf.h" >&2; exit 1; }
  node --expose-gc "$WRITER" --headers "$headers" --db "$db" --package "$common" --package-version "$version" \
    --config "$autoconf" --config-root "$adir" --config-package "$pkg" \
    ${suite:+--suite "$suite"} --out "$OUT_DIR/$series.reach.json.gz"
done
