import type { CFileFacts, ElfFileFacts } from '../analyzers/facts';
import { KERNEL_ONLY_MARKERS } from '../analyzers/c/includes';
import type { Rule } from './types';
import { REF_COPYING } from './references';
import { listNames } from './wording';

/** C library functions that are thin wrappers of one system call each (glibc names). */
export const SYSCALL_WRAPPERS = new Set([
  'open', 'openat', 'creat', 'close', 'read', 'write', 'pread', 'pwrite', 'pread64', 'pwrite64', 'readv', 'writev',
  'lseek', 'ioctl', 'fcntl', 'mmap', 'mmap64', 'munmap', 'mprotect', 'madvise', 'mremap', 'msync', 'mlock', 'munlock',
  'brk', 'stat', 'fstat', 'lstat', 'fstatat', 'statx', 'access', 'faccessat', 'poll', 'ppoll', 'select', 'pselect',
  'epoll_create', 'epoll_create1', 'epoll_ctl', 'epoll_wait', 'epoll_pwait', 'eventfd', 'signalfd', 'timerfd_create',
  'timerfd_settime', 'timerfd_gettime', 'inotify_init', 'inotify_init1', 'inotify_add_watch', 'memfd_create',
  'socket', 'socketpair', 'bind', 'connect', 'listen', 'accept', 'accept4', 'send', 'recv', 'sendto', 'recvfrom',
  'sendmsg', 'recvmsg', 'shutdown', 'getsockopt', 'setsockopt', 'pipe', 'pipe2', 'dup', 'dup2', 'dup3', 'fork',
  'vfork', 'clone', 'execve', 'execveat', 'wait4', 'waitpid', 'waitid', 'kill', 'tgkill', 'sigaction', 'sigprocmask',
  'nanosleep', 'clock_nanosleep', 'clock_gettime', 'clock_settime', 'gettimeofday', 'getpid', 'getppid', 'gettid',
  'getuid', 'geteuid', 'getgid', 'setuid', 'setgid', 'chdir', 'fchdir', 'mkdir', 'mkdirat', 'rmdir', 'unlink',
  'unlinkat', 'rename', 'renameat', 'link', 'symlink', 'readlink', 'chmod', 'fchmod', 'chown', 'fchown', 'truncate',
  'ftruncate', 'fsync', 'fdatasync', 'sync', 'mount', 'umount', 'umount2', 'reboot', 'syscall', 'prctl', 'ptrace',
  'sched_setaffinity', 'sched_getaffinity', 'sched_yield', 'getrandom', 'ioperm', 'iopl', 'uname', 'sysinfo',
  'getrlimit', 'setrlimit', 'prlimit', 'setsid', 'umask', 'chroot', 'pivot_root', 'unshare', 'setns', 'personality',
  'capget', 'capset', 'mknod', 'mknodat', 'getdents64', 'futex', 'io_uring_setup', 'io_uring_enter', 'bpf', 'perf_event_open',
]);

/** A userspace program that meets the kernel only at its system-call interface. Information. */
const rule: Rule = {
  meta: {
    id: 'userspace-boundary',
    defaultSeverity: 'info',
    description: 'A userspace program reaches the kernel only through system calls and UAPI headers.',
    rationale:
      "Linux's COPYING says its licence does not cover user programs that use kernel services by normal " +
      'system calls, and the UAPI headers such programs include carry GPL-2.0 WITH Linux-syscall-note for ' +
      'that reason. The finding records where the program meets the kernel so a report shows the boundary ' +
      'as well as what crosses it; it is never a violation.',
    references: [REF_COPYING],
  },
  check({ model, report }) {
    for (const unit of model.units) {
      if (unit.kind !== 'userspace') continue;
      const facts = model.facts.get(unit.id) ?? [];
      const cs = facts.filter((f): f is CFileFacts => f.analyzer === 'c');
      const elfs = facts.filter((f): f is ElfFileFacts => f.analyzer === 'elf');
      // kernel-internal headers in a userspace program: not the plain syscall boundary
      if (cs.some((f) => f.includes.some((i) => i.category === 'kernel' || (i.system && KERNEL_ONLY_MARKERS.has(i.target))))) continue;
      const uapi = [...new Set(cs.flatMap((f) => f.includes.filter((i) => i.category === 'uapi').map((i) => i.target)))].sort();
      const called = new Set<string>();
      for (const f of cs) for (const c of f.calls) if (SYSCALL_WRAPPERS.has(c.callee)) called.add(c.callee);
      for (const f of elfs) for (const s of f.dynamic?.imports ?? []) if (SYSCALL_WRAPPERS.has(s.replace(/@.*$/, ''))) called.add(s.replace(/@.*$/, ''));
      for (const i of unit.imports) if (SYSCALL_WRAPPERS.has(i.symbol)) called.add(i.symbol);
      const libs = [...new Set(elfs.flatMap((f) => f.dynamic?.needed ?? []))].sort();
      const parts: string[] = [];
      if (called.size) parts.push(`system calls (${listNames([...called].sort(), 8)})`);
      if (uapi.length) parts.push(`UAPI headers (${listNames(uapi, 8)})`);
      const how = parts.length ? `only through ${parts.join(' and ')}` : 'only through the C library, if at all';
      const linked = libs.length ? `; it is linked against ${listNames(libs)}` : elfs.some((f) => !f.dynamic || f.dynamic.needed.length === 0) ? '; it is linked statically' : '';
      const uapiLoc = cs.flatMap((f) => f.includes.filter((i) => i.category === 'uapi').map((i) => i.location));
      report({
        unit: unit.id,
        message:
          `${unit.id} is a userspace program and reaches the kernel ${how}${linked}: the boundary Linux's COPYING ` +
          `and the Linux-syscall-note of the UAPI headers leave outside the kernel's licence`,
        locations: uapiLoc.length ? uapiLoc : unit.paths.slice(0, 1).map((p) => ({ path: p })),
      });
    }
  },
};
export default rule;
