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
