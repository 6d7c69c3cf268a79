import * as path from 'path';
import type { Unit } from './model';

/** Units that run inside the kernel: modules (binary or source) and kernel objects. A plain
 *  object counts when it references anything the kernel exports. */
export function isKernelSide(unit: Unit): boolean {
  if (unit.kind === 'kernel-module') return true;
  if (unit.kind === 'object') return unit.imports.some((i) => i.providerKind !== 'unknown');
  return false;
}

/** How modpost names a module in its messages: `name.ko`. */
export function moduleFileName(unit: Unit): string {
  const ko = unit.paths.find((p) => p.endsWith('.ko'));
  if (ko) return path.basename(ko);
  return `${unit.id}.ko`;
}

/** Symbols the compiler or kbuild puts into every module without a source call naming them:
 *  the ftrace hook, return and indirect-branch thunks, stack protector, sanitizers, coverage. */
const COMPILER_INSERTED = /^(__fentry__|mcount|_mcount|__x86_return_thunk|__x86_indirect_thunk_\w+|__x86_indirect_call_thunk_\w+|__x86_indirect_jump_thunk_\w+|__stack_chk_fail|__stack_chk_guard|__ubsan_\w+|__asan_\w+|__kasan_\w+|__tsan_\w+|__kcsan_\w+|__msan_\w+|__sanitizer_cov_\w+|__gcov_\w+|__cfi_\w+|module_layout)$/;

export function isCompilerInserted(symbol: string): boolean {
  return COMPILER_INSERTED.test(symbol);
}

/** Library functions the compiler may expand inline (builtins), so a source call need not
 *  become an import. */
const BUILTINS = new Set(['memset', 'memcpy', 'memmove', 'memcmp', 'strlen', 'strcpy', 'strncpy', 'strcmp', 'strncmp', 'strcat', 'strchr', 'bcmp']);

export function isCompilerBuiltin(symbol: string): boolean {
  return BUILTINS.has(symbol);
}
