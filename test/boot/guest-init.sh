#!/bin/busybox sh
# /init of the boot test's QEMU guest (busybox sh). It reports on the serial console with lines
# "VMKJSON {...}", one JSON object each, that test/boot/boot-test.sh extracts.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
export PATH=/bin
# scratch files of this guest (in its own initramfs root, not the host's)
guest_tmp=/tmp
mkdir -p "$guest_tmp"

# JSON string body: escapes backslash, quote, tab and newline; drops other control characters.
json_str() {
  printf '%s' "$1" | tr -d '\000-\010\013\014\016-\037' |
    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/\t/\\t/g' -e 's/\r//g' |
    sed -e ':a' -e 'N' -e '$!ba' -e 's/\n/\\n/g'
}
# JSON array of strings from lines on stdin.
json_lines() {
  first=1
  printf '['
  while IFS= read -r line; do
    [ $first = 1 ] || printf ','
    first=0
    printf '"%s"' "$(json_str "$line")"
  done
  printf ']'
}
emit() { printf 'VMKJSON %s\n' "$1"; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
tainted() { cat /proc/sys/kernel/tainted; }
bool() { if [ "$1" = 0 ]; then echo true; else echo false; fi; }

grep -q -w svm /proc/cpuinfo
svm=$(bool $?)
emit "{\"event\":\"start\",\"release\":\"$(json_str "$(uname -r)")\",\"uptime\":$(uptime_s),\"tainted\":$(tainted),\"svm\":$svm}"

# KVM modules, dependencies first.
while read -r m; do
  err="$(insmod "/modules/$m.ko" 2>&1)"
  rc=$?
  emit "{\"event\":\"insmod\",\"module\":\"$m\",\"ok\":$(bool $rc),\"error\":\"$(json_str "$err")\"}"
done </modules/kvm.order
[ -c /dev/kvm ]
kvm=$(bool $?)
emit "{\"event\":\"kvm\",\"dev_kvm\":$kvm,\"uptime\":$(uptime_s)}"

# The vmkernel modules: shim, core, then the one the loader must refuse.
for m in vmk_shim vmk_core vmk_refuse; do
  before="$(tainted)"
  err="$(insmod "/modules/$m.ko" 2>&1)"
  rc=$?
  after="$(tainted)"
  taint=""
  [ -r "/sys/module/$m/taint" ] && taint="$(cat "/sys/module/$m/taint")"
  lines="$(dmesg | grep -F "$m" | sed 's/^\[[ 0-9.]*\] //' | json_lines)"
  emit "{\"event\":\"module\",\"module\":\"$m\",\"loaded\":$(bool $rc),\"insmod_error\":\"$(json_str "$err")\",\"taint\":\"$(json_str "$taint")\",\"tainted_before\":$before,\"tainted_after\":$after,\"dmesg\":$lines}"
done
emit "{\"event\":\"dmesg\",\"lines\":$(dmesg | grep -E -i 'vmk|taint' | sed 's/^\[[ 0-9.]*\] //' | json_lines)}"

# The VMM's built-in real-mode guest.
t0="$(uptime_s)"
out="$(timeout 60 vmm --selftest 2>&1)"
rc=$?
emit "{\"event\":\"selftest\",\"rc\":$rc,\"output\":\"$(json_str "$out")\",\"seconds\":$(awk -v a="$t0" -v b="$(uptime_s)" 'BEGIN{print b-a}')}"

# The same Linux kernel, nested, under the VMM; its console is shown here as it runs.
t0="$(uptime_s)"
{
  timeout 150 vmm --kernel /nested/vmlinuz --initrd /nested/initrd.gz \
    --append "console=ttyS0 quiet reboot=t panic=-1 acpi=off" --mem 256M
  echo $? >"$guest_tmp/nested.rc"
} 2>&1 | tee "$guest_tmp/nested.log"
rc="$(cat "$guest_tmp/nested.rc")"
tr -d '\r' <"$guest_tmp/nested.log" | grep -q -x "VMKERNEL-NESTED-GUEST-OK"
marker=$(bool $?)
emit "{\"event\":\"nested\",\"rc\":$rc,\"marker\":$marker,\"seconds\":$(awk -v a="$t0" -v b="$(uptime_s)" 'BEGIN{print b-a}'),\"output\":$(tail -n 20 "$guest_tmp/nested.log" | json_lines)}"

emit "{\"event\":\"done\",\"uptime\":$(uptime_s),\"tainted\":$(tainted)}"
poweroff -f
