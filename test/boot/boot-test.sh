#!/usr/bin/env bash
# Boot test of vmkernel/: the real Linux loader and a real nested KVM guest.
#
#   test/boot/boot-test.sh [OUTDIR]
#
# 1. Gets Debian's cloud kernel (linux-image-<abi>-cloud-amd64-unsigned, unpacked, not installed)
#    and its headers, and installs qemu-system-x86, busybox-static and cpio.
# 2. Builds vmkernel/ (VMM, vmk_shim, vmk_core, vmk_refuse) against those headers, in OUTDIR.
# 3. Builds an initramfs with busybox, the kvm modules, the vmkernel modules, the VMM, and the
#    same kernel plus a tiny nested initramfs for the VMM to boot.
# 4. Boots it in QEMU (TCG, -cpu max: AMD SVM is emulated). The guest's /init loads kvm, the
#    shim and the core, tries the refused module, runs `vmm --selftest`, boots the nested
#    Linux with the VMM (whose /init prints VMKERNEL-NESTED-GUEST-OK and reboots), powers off.
# 5. Extracts the guest's "VMKJSON {...}" lines and the host's own facts into OUTDIR/events.jsonl
#    (one JSON object a line; test/boot/boot.ts turns them into result.json).
#
# Environment: BOOT_TEST_OUT (OUTDIR, default <repo>/.cache/boot-test), BOOT_TEST_TIMEOUT
# (seconds for QEMU, default 240), GPLCHECK_CACHE (package cache, see test/setup/debian.sh).
# Exit status: 0 when QEMU ran to power-off and events.jsonl was written (the verdicts are
# checked by test/boot/boot.test.ts), non-zero on a setup, build or boot failure.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=../setup/debian.sh
source "$SCRIPT_DIR/../setup/debian.sh"

OUT="${1:-${BOOT_TEST_OUT:-$GPLCHECK_CACHE/boot-test}}"
QEMU_TIMEOUT="${BOOT_TEST_TIMEOUT:-240}"
MARKER=VMKERNEL-NESTED-GUEST-OK

log() { printf 'boot-test: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

T_START="$(now)"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
rm -rf "$OUT/work" "$OUT/modules" "$OUT/events.jsonl" "$OUT/serial.log" "$OUT/result.json"
WORK="$OUT/work"
mkdir -p "$WORK"

# ---- 1. packages -------------------------------------------------------------------------------
apt_install qemu-system-x86 busybox-static cpio gcc make binutils linux-kbuild-6.1

# Newest cloud kernel ABI; it can lag behind the generic one, so it is looked up on its own.
apt_ready
CLOUD_ABI="$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-cloud-amd64-unsigned$' \
  | awk '{print $1}' | sed -E 's/^linux-image-(6\.1\.0-[0-9]+)-cloud-amd64-unsigned$/\1/' \
  | sort -V | tail -n1)"
[ -n "$CLOUD_ABI" ] || die "no linux-image-6.1.0-*-cloud-amd64-unsigned in the Debian archive"
KREL="$CLOUD_ABI-cloud-amd64"
log "cloud kernel $KREL"
# The cloud headers' Makefile includes the common headers of the same ABI from /usr/src.
apt_install "linux-headers-$CLOUD_ABI-common"
IMAGE_DIR="$(debian_unpack "linux-image-$KREL-unsigned")"
HEADERS_DIR="$(debian_unpack "linux-headers-$KREL")"
VMLINUZ="$IMAGE_DIR/boot/vmlinuz-$KREL"
MODDIR="$IMAGE_DIR/lib/modules/$KREL"
[ -f "$VMLINUZ" ] || die "no $VMLINUZ in the unpacked image"

# The unpacked headers point at kbuild with relative links meant for /usr/src: a link farm in
# the work directory points them at the installed linux-kbuild-6.1 instead.
KDIR="$WORK/kdir"
mkdir -p "$KDIR"
for entry in "$HEADERS_DIR/usr/src/linux-headers-$KREL"/* "$HEADERS_DIR/usr/src/linux-headers-$KREL"/.[!.]*; do
  name="$(basename "$entry")"
  case "$name" in
    scripts | tools) ln -s "/usr/lib/linux-kbuild-6.1/$name" "$KDIR/$name" ;;
    *) ln -s "$entry" "$KDIR/$name" ;;
  esac
done
T_PACKAGES="$(now)"

# ---- 2. build ----------------------------------------------------------------------------------
SRC="$WORK/src"
mkdir -p "$SRC"
cp -r "$REPO_ROOT/vmkernel/." "$SRC/"
# Leave out whatever an earlier build in the checkout left there (built for another kernel).
find "$SRC" -type f \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
  -o -name '*.cmd' -o -name '*.d' -o -name Module.symvers -o -name modules.order \) -delete
rm -f "$SRC/vmm/vmm"
if ! make -C "$SRC" KDIR="$KDIR" >"$OUT/build.log" 2>&1; then
  tail -n 40 "$OUT/build.log" >&2
  die "building vmkernel failed (log: $OUT/build.log)"
fi
if grep -E -i '(^|[^a-z])warning:' "$OUT/build.log" >&2; then
  die "the vmkernel build printed warnings (log: $OUT/build.log)"
fi
mkdir -p "$OUT/modules"
cp "$SRC/shim/vmk_shim.ko" "$SRC/core/vmk_core.ko" "$SRC/refuse/vmk_refuse.ko" "$OUT/modules/"
for f in shim core refuse; do cp "$SRC/$f/Module.symvers" "$OUT/modules/$f.Module.symvers"; done
cp "$SRC/vmm/vmm" "$OUT/modules/vmm"
vermagic="$(strings -a "$OUT/modules/vmk_shim.ko" | sed -n 's/^vermagic=//p' | head -n1)"
case "$vermagic" in "$KREL "*) ;; *) die "vmk_shim.ko has vermagic '$vermagic', not $KREL" ;; esac
T_BUILD="$(now)"

# ---- 3. initramfs ------------------------------------------------------------------------------
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || die "busybox-static did not install $BUSYBOX"

# Kernel module file for a module name (kvm_amd -> kvm-amd.ko), from the cloud image.
module_file() {
  local name="$1" f
  for f in "$name.ko" "${name//_/-}.ko"; do
    local hit
    hit="$(find "$MODDIR/kernel" -name "$f" -print -quit)"
    if [ -n "$hit" ]; then printf '%s\n' "$hit"; return 0; fi
  done
  return 1
}
# Modules in load order: dependencies (modinfo depends=) first.
KVM_ORDER=()
add_module() {
  local name="$1" file deps dep m
  for m in "${KVM_ORDER[@]:-}"; do [ "$m" = "$name" ] && return 0; done
  file="$(module_file "$name")" || die "module $name is not in $KREL (is KVM built as a module?)"
  deps="$(strings -a "$file" | sed -n 's/^depends=//p' | head -n1)"
  for dep in ${deps//,/ }; do add_module "$dep"; done
  KVM_ORDER+=("$name")
}
add_module kvm_amd

NESTED="$WORK/nested-root"
mkdir -p "$NESTED"/{bin,dev,proc}
cp "$BUSYBOX" "$NESTED/bin/busybox"
cat >"$NESTED/init" <<'EOF'
#!/bin/busybox sh
# Nested guest: print the marker and reset (the kernel runs with reboot=t: a triple fault,
# which the VMM takes as the end of the guest).
/bin/busybox echo "VMKERNEL-NESTED-GUEST-$(/bin/busybox echo OK)"
/bin/busybox reboot -f
EOF
chmod +x "$NESTED/init"
(cd "$NESTED" && find . | sort | cpio -o -H newc --quiet | gzip -1) >"$WORK/nested-initrd.gz"

ROOT="$WORK/outer-root"
mkdir -p "$ROOT"/{bin,dev,proc,sys,tmp,modules,nested}
cp "$BUSYBOX" "$ROOT/bin/busybox"
cp "$OUT/modules/vmm" "$ROOT/bin/vmm"
for m in "${KVM_ORDER[@]}"; do cp "$(module_file "$m")" "$ROOT/modules/$m.ko"; done
cp "$OUT/modules/"vmk_*.ko "$ROOT/modules/"
cp "$VMLINUZ" "$ROOT/nested/vmlinuz"
cp "$WORK/nested-initrd.gz" "$ROOT/nested/initrd.gz"
printf '%s\n' "${KVM_ORDER[@]}" >"$ROOT/modules/kvm.order"
cp "$SCRIPT_DIR/guest-init.sh" "$ROOT/init"
chmod +x "$ROOT/init"
(cd "$ROOT" && find . | sort | cpio -o -H newc --quiet | gzip -1) >"$WORK/initrd.gz"
T_INITRD="$(now)"

# ---- 4. boot -----------------------------------------------------------------------------------
log "booting QEMU (TCG, -cpu max), timeout ${QEMU_TIMEOUT}s"
set +e
timeout --kill-after=10 "$QEMU_TIMEOUT" qemu-system-x86_64 \
  -accel tcg -cpu max -m 1024 -smp 1 \
  -nodefaults -nographic -serial stdio -no-reboot \
  -kernel "$VMLINUZ" -initrd "$WORK/initrd.gz" \
  -append "console=ttyS0 loglevel=1 panic=-1" \
  </dev/null >"$OUT/serial.raw" 2>"$OUT/qemu.stderr"
QEMU_RC=$?
set -e
T_BOOT="$(now)"
tr -d '\r' <"$OUT/serial.raw" >"$OUT/serial.log"
rm -f "$OUT/serial.raw"

# ---- 5. results --------------------------------------------------------------------------------
grep -a -o "VMKJSON {.*}" "$OUT/serial.log" | sed "s/^VMKJSON //" >"$OUT/events.jsonl" || true
marker_seen=false
grep -a -q -x "$MARKER" "$OUT/serial.log" && marker_seen=true
qemu_version="$(qemu-system-x86_64 --version | head -n1 | sed 's/"/\\"/g')"
printf '{"event":"host","kernel_release":"%s","qemu_version":"%s","qemu_rc":%d,"qemu_timeout":%d,"nested_marker_on_console":%s,"seconds":{"packages":%s,"build":%s,"initramfs":%s,"qemu":%s,"total":%s}}\n' \
  "$KREL" "$qemu_version" "$QEMU_RC" "$QEMU_TIMEOUT" "$marker_seen" \
  "$(elapsed "$T_START" "$T_PACKAGES")" "$(elapsed "$T_PACKAGES" "$T_BUILD")" \
  "$(elapsed "$T_BUILD" "$T_INITRD")" "$(elapsed "$T_INITRD" "$T_BOOT")" \
  "$(elapsed "$T_START" "$T_BOOT")" >>"$OUT/events.jsonl"

log "QEMU exited with $QEMU_RC after $(elapsed "$T_INITRD" "$T_BOOT")s; results in $OUT/events.jsonl"
grep -a -x "$MARKER" "$OUT/serial.log" || log "nested marker not seen on the console"
if [ "$QEMU_RC" -ne 0 ]; then
  tail -n 30 "$OUT/serial.log" >&2
  die "QEMU failed or timed out (status $QEMU_RC; console: $OUT/serial.log)"
fi
grep -q '"event":"done"' "$OUT/events.jsonl" || die "the guest did not finish its /init (console: $OUT/serial.log)"
