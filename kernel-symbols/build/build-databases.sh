#!/usr/bin/env bash
# Rebuilds the shipped kernel symbol databases kernel-symbols/data/<series>.symdb.json.gz from
# the Module.symvers of Debian's generic amd64 header packages:
#   5.10  bullseye  linux-headers-5.10.0-NN-amd64
#   6.1   bookworm  linux-headers-6.1.0-NN-amd64
#   6.12  trixie    linux-headers-6.12.NN+deb13-amd64
# For each series it finds the newest ABI in the archive (suite, -updates and -security),
# downloads and unpacks the package under $GPLCHECK_CACHE (default <repo>/.cache) and writes
# the database with its provenance (package, version, suite, sha256 of Module.symvers).
# Then, for each, the inline/macro reach table <series>.reach.json.gz from the matching
# linux-headers-<abi>-common package (build-reach.sh).
# Usage: kernel-symbols/build/build-databases.sh [SERIES...]     (default: all three)
set -euo pipefail

KS_BUILD_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$KS_BUILD_DIR/../.." && pwd)"
KERNELS="$KS_BUILD_DIR/debian-kernels.sh"
OUT_DIR="${GPLCHECK_SHIPPED_SYMBOLS_OUT:-$REPO_ROOT/kernel-symbols/data}"

cd "$REPO_ROOT"
# Compile only what the writer needs (does not depend on the rest of the project building).
npx tsc -p "$KS_BUILD_DIR/tsconfig.json"
WRITER="$REPO_ROOT/dist/kernel-symbols/build/write-database.js"

if [ $# -eq 0 ]; then set -- $("$KERNELS" series | awk '{print $1}'); fi
mkdir -p "$OUT_DIR"
for series in "$@"; do
  pkg="$("$KERNELS" newest "$series")"
  dir="$("$KERNELS" fetch "$pkg")"
  version="$(cat "$dir/.version")"
  suite="$("$KERNELS" suite "$pkg" "$version")"
  kernel="${pkg#linux-headers-}"
  symvers="$dir/usr/src/linux-headers-$kernel/Module.symvers"
  [ -f "$symvers" ] || { echo "$pkg $version has no usr/src/linux-headers-$kernel/Module.symvers" >&2; exit 1; }
  node "$WRITER" --symvers "$symvers" --root "$dir" --name "$series" --kernel "$kernel" --arch amd64 \
    --package "$pkg" --package-version "$version" --suite "$suite" --out "$OUT_DIR/$series.symdb.json.gz"
done
GPLCHECK_SKIP_TSC=1 GPLCHECK_SHIPPED_SYMBOLS_OUT="$OUT_DIR" "$KS_BUILD_DIR/build-reach.sh" "$@"
ls -l "$OUT_DIR"
