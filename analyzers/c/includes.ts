/**
 * Include categories.
 *
 * The rule (by path, then by what the including file looks like):
 * - `<uapi/...>` is `uapi`.
 * - A C library / POSIX / glibc header (`<stdio.h>`, `<sys/...>`, `<netinet/...>`, ... below) is
 *   `libc`. `<net/if.h>`-style glibc names under `net/` count as `libc` only in a userspace file
 *   (the kernel has its own `include/net/route.h`).
 * - A path under one of the kernel's include directories (`linux/`, `asm/`, `asm-generic/`, `net/`,
 *   `drm/`, `sound/`, ...): in a file that looks like userspace, a path under a directory that
 *   the kernel also exports to userspace (`linux/`, `asm/`, `asm-generic/`, `drm/`, `misc/`, `mtd/`,
 *   `rdma/`, `scsi/`, `sound/`, `video/`, `xen/`) is the UAPI copy: `uapi`. Otherwise `kernel`.
 * - Anything else is `local`: quoted includes whose path is not a kernel/libc path, and angle
 *   includes of headers that are neither (a project's or a third-party library's header).
 * - Quoted includes of a kernel-shaped path (`"linux/list.h"`) are categorised by path here; the
 *   group step (`resolveLocalIncludes`) turns them into `local` when the scan holds that file
 *   relative to the includer (a shim's private copy of a Linux header).
 *
 * A file "looks like userspace" when it defines `main` or includes a C library header, and shows
 * no sign of being kernel code (no `MODULE_*`/`EXPORT_SYMBOL*`/`module_init`-style macros, no
 * kernel-only header such as `<linux/init.h>`, `<linux/slab.h>`, `<linux/module.h>`; see
 * KERNEL_ONLY_MARKERS). It "looks like kernel" when it has such signs. Otherwise `unknown`
 * (categorised like kernel code).
 */
import type { IncludeCategory } from '../facts';

/** Top-level directories of the kernel's `include/` and `arch/<arch>/include/`. */
const KERNEL_DIRS = new Set([
  'acpi', 'asm', 'asm-generic', 'clocksource', 'crypto', 'cxl', 'drm', 'dt-bindings', 'keys', 'kunit',
  'kvm', 'linux', 'math-emu', 'media', 'memory', 'misc', 'net', 'pcmcia', 'ras', 'rdma', 'rv', 'scsi',
  'soc', 'sound', 'target', 'trace', 'ufs', 'vdso', 'video', 'xen', 'generated', 'uapi',
]);

/** Directories of `include/uapi` and `arch/<arch>/include/uapi` (what linux-libc-dev ships). */
const UAPI_DIRS = new Set(['asm', 'asm-generic', 'drm', 'linux', 'misc', 'mtd', 'rdma', 'scsi', 'sound', 'video', 'xen']);

/** C11, POSIX and common glibc headers (exact names). */
const LIBC_HEADERS = new Set([
  'assert.h', 'complex.h', 'ctype.h', 'errno.h', 'fenv.h', 'float.h', 'inttypes.h', 'iso646.h', 'limits.h',
  'locale.h', 'math.h', 'setjmp.h', 'signal.h', 'stdalign.h', 'stdarg.h', 'stdatomic.h', 'stdbool.h',
  'stddef.h', 'stdint.h', 'stdio.h', 'stdlib.h', 'stdnoreturn.h', 'string.h', 'tgmath.h', 'threads.h',
  'time.h', 'uchar.h', 'wchar.h', 'wctype.h',
  'aio.h', 'cpio.h', 'dirent.h', 'dlfcn.h', 'fcntl.h', 'fmtmsg.h', 'fnmatch.h', 'ftw.h', 'glob.h', 'grp.h',
  'iconv.h', 'langinfo.h', 'libgen.h', 'monetary.h', 'mqueue.h', 'ndbm.h', 'netdb.h', 'nl_types.h',
  'poll.h', 'pthread.h', 'pwd.h', 'regex.h', 'sched.h', 'search.h', 'semaphore.h', 'spawn.h', 'strings.h',
  'stropts.h', 'syslog.h', 'tar.h', 'termios.h', 'ulimit.h', 'unistd.h', 'utime.h', 'utmpx.h', 'wordexp.h',
  'alloca.h', 'argp.h', 'byteswap.h', 'endian.h', 'err.h', 'error.h', 'execinfo.h', 'features.h',
  'getopt.h', 'ifaddrs.h', 'libintl.h', 'link.h', 'malloc.h', 'memory.h', 'mntent.h', 'paths.h',
  'pty.h', 'resolv.h', 'shadow.h', 'sysexits.h', 'ucontext.h', 'utmp.h', 'values.h', 'elf.h', 'crypt.h',
  'fts.h', 'gshadow.h', 'lastlog.h', 'printf.h', 'stdc-predef.h', 'termio.h', 'ttyent.h', 'fstab.h',
]);

/** Directories that only exist in the C library's tree. */
const LIBC_DIRS = new Set(['sys', 'bits', 'arpa', 'netinet', 'netinet6', 'netpacket', 'netash', 'netatalk', 'netax25', 'netipx', 'netiucv', 'netrom', 'netrose', 'nfs', 'protocols', 'rpc', 'gnu', 'scsi-glibc']);

/** glibc's headers under `net/` (the kernel also has `include/net/`). */
const LIBC_NET = new Set(['net/ethernet.h', 'net/if.h', 'net/if_arp.h', 'net/if_packet.h', 'net/if_ppp.h', 'net/if_shaper.h', 'net/if_slip.h', 'net/ppp-comp.h', 'net/ppp_defs.h', 'net/route.h']);

/** Kernel-only headers whose presence marks a file as kernel code (not in UAPI). */
export const KERNEL_ONLY_MARKERS = new Set(['linux/init.h', 'linux/slab.h', 'linux/export.h', 'linux/device.h', 'linux/spinlock.h', 'linux/mutex.h', 'linux/printk.h', 'linux/interrupt.h', 'linux/kthread.h', 'linux/module.h', 'linux/moduleparam.h']);

export type FileContext = 'kernel' | 'userspace' | 'unknown';

export function isLibcHeader(target: string): boolean {
  if (LIBC_HEADERS.has(target)) return true;
  const slash = target.indexOf('/');
  return slash > 0 && LIBC_DIRS.has(target.slice(0, slash));
}

export function categorizeInclude(target: string, system: boolean, context: FileContext): IncludeCategory {
  const t = target.replace(/^\.\//, '');
  const slash = t.indexOf('/');
  const dir = slash > 0 ? t.slice(0, slash) : '';
  if (dir === 'uapi') return 'uapi';
  if (system && isLibcHeader(t)) return 'libc';
  if (system && context === 'userspace' && LIBC_NET.has(t)) return 'libc';
  if (dir && KERNEL_DIRS.has(dir)) {
    if (context === 'userspace' && UAPI_DIRS.has(dir)) return 'uapi';
    return 'kernel';
  }
  return 'local';
}
