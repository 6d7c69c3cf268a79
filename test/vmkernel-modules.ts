/**
 * The vmkernel modules (vmkernel/{shim,core,refuse}/*.ko) for tests that read them: built with
 * `make -C vmkernel modules` when one is missing (kbuild against the installed kernel headers,
 * under a lock so that parallel test files do not build at once).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const REPO = path.resolve(__dirname, '..');

/** Paths relative to the repository. */
export const VMKERNEL_KOS = {
  vmk_shim: 'vmkernel/shim/vmk_shim.ko',
  vmk_core: 'vmkernel/core/vmk_core.ko',
  vmk_refuse: 'vmkernel/refuse/vmk_refuse.ko',
} as const;

export function ensureVmkernelModules(): string[] {
  const kos = Object.values(VMKERNEL_KOS);
  if (kos.every((k) => fs.existsSync(path.join(REPO, k)))) return kos;
  const lock = path.join(REPO, '.cache', 'vmkernel-build.lock');
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  try {
    execFileSync('flock', [lock, 'make', '-C', 'vmkernel', 'modules'], { cwd: REPO, stdio: 'pipe', encoding: 'utf8' });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    const tail = `${err.stdout ?? ''}${err.stderr ?? ''}`.split('\n').slice(-15).join('\n');
    throw new Error(`make -C vmkernel modules failed (kernel headers installed? see vmkernel/README.md):\n${tail || err.message}`);
  }
  const missing = kos.filter((k) => !fs.existsSync(path.join(REPO, k)));
  if (missing.length) throw new Error(`make -C vmkernel modules did not build ${missing.join(', ')} (no kernel headers found?)`);
  return kos;
}
