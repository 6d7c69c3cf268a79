// Runs the vmkernel boot test (test/boot/boot-test.sh) and turns what it recorded into a typed
// BootResult: the real Linux 6.1 loader's verdict on each vmkernel module (loaded or refused,
// taint flags, kernel messages), the VMM's self-test, and the nested Linux guest.
//
// boot-test.sh writes <outDir>/events.jsonl (one JSON object a line: the guest's "VMKJSON" lines
// and one "host" line); runBootTest() parses it and writes <outDir>/result.json. The .ko files
// the guest loaded are kept in <outDir>/modules/ so that predictions can be made from the same
// binaries.

import { spawn } from 'child_process';
import { existsSync, readFileSync, writeFileSync } from 'fs';
import * as path from 'path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const BOOT_TEST_SCRIPT = path.join(REPO_ROOT, 'test', 'boot', 'boot-test.sh');
/** What the nested guest's /init prints on its console. */
export const NESTED_MARKER = 'VMKERNEL-NESTED-GUEST-OK';
/** The vmkernel modules, in the order the guest loads them. */
export const VMKERNEL_MODULES = ['vmk_shim', 'vmk_core', 'vmk_refuse'] as const;
export type VmkernelModule = (typeof VMKERNEL_MODULES)[number];

export class BootTestError extends Error {
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(file ? `${file}: ${message}` : message);
    this.name = 'BootTestError';
  }
}

/** Flags of /sys/module/<name>/taint (kernel/panic.c taint_flags, module-relevant ones). */
export interface TaintFlags {
  /** P: a module with a GPL-incompatible licence. */
  proprietary: boolean;
  /** O: an out-of-tree module. */
  outOfTree: boolean;
  /** E: an unsigned module on a kernel that checks signatures. */
  unsigned: boolean;
  /** F: force-loaded. */
  forced: boolean;
  /** C: a staging driver. */
  staging: boolean;
}

/** The loader's inherit_taint() refusal: "X: module using GPL-only symbols uses symbols S from proprietary module Y." */
export interface InheritTaintRefusal {
  module: string;
  symbols: string;
  owner: string;
  line: string;
}

export interface ModuleVerdict {
  module: VmkernelModule;
  /** insmod succeeded. */
  loaded: boolean;
  /** /sys/module/<name>/taint after loading ("" when not loaded). */
  taint: string;
  taintFlags: TaintFlags;
  /** /proc/sys/kernel/tainted before and after the insmod. */
  taintedBefore: number;
  taintedAfter: number;
  /** What insmod printed on failure. */
  insmodError: string;
  /** Kernel messages naming the module, without timestamps. */
  dmesg: string[];
  /** Set when the loader refused the module in inherit_taint(). */
  inheritTaintRefusal: InheritTaintRefusal | null;
  /** The .ko file that was loaded (a copy in <outDir>/modules). */
  koPath: string;
}

export interface BootResult {
  outDir: string;
  kernelRelease: string;
  qemuVersion: string;
  qemuExitCode: number;
  /** The QEMU guest saw AMD SVM and the kvm modules gave it /dev/kvm. */
  svm: boolean;
  devKvm: boolean;
  kvmModules: { module: string; ok: boolean; error: string }[];
  modules: Record<VmkernelModule, ModuleVerdict>;
  /** All kernel messages of the outer guest that mention vmk or taint. */
  dmesg: string[];
  selftest: { ok: boolean; exitCode: number; output: string; seconds: number };
  nested: {
    exitCode: number;
    /** The guest's /init found the marker in the VMM's output. */
    markerSeen: boolean;
    /** The marker line as it appeared on the outer serial console, or null. */
    markerLine: string | null;
    seconds: number;
    /** Last lines of the VMM's output (nested kernel console and VMM messages). */
    output: string[];
  };
  /** The guest's /init ran to its end. */
  finished: boolean;
  /** Outer guest uptime when /init finished. */
  guestUptimeSeconds: number | null;
  /** Host-side wall-clock seconds of each phase of boot-test.sh. */
  seconds: { packages: number; build: number; initramfs: number; qemu: number; total: number };
}

type Json = Record<string, unknown>;

function str(e: Json, key: string, file: string): string {
  const v = e[key];
  if (typeof v !== 'string') throw new BootTestError(`event "${String(e.event)}": "${key}" is not a string`, file);
  return v;
}
function num(e: Json, key: string, file: string): number {
  const v = e[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new BootTestError(`event "${String(e.event)}": "${key}" is not a number`, file);
  }
  return v;
}
function bool(e: Json, key: string, file: string): boolean {
  const v = e[key];
  if (typeof v !== 'boolean') throw new BootTestError(`event "${String(e.event)}": "${key}" is not a boolean`, file);
  return v;
}
function strings(e: Json, key: string, file: string): string[] {
  const v = e[key];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw new BootTestError(`event "${String(e.event)}": "${key}" is not an array of strings`, file);
  }
  return v as string[];
}

export function parseTaintFlags(taint: string): TaintFlags {
  return {
    proprietary: taint.includes('P'),
    outOfTree: taint.includes('O'),
    unsigned: taint.includes('E'),
    forced: taint.includes('F'),
    staging: taint.includes('C'),
  };
}

const INHERIT_TAINT_RE =
  /^(\S+): module using GPL-only symbols uses symbols (\S+) from proprietary module (\S+)\.$/;

export function findInheritTaintRefusal(module: string, lines: string[]): InheritTaintRefusal | null {
  for (const line of lines) {
    const m = INHERIT_TAINT_RE.exec(line);
    if (m && m[1] === module) return { module: m[1], symbols: m[2], owner: m[3], line };
  }
  return null;
}

/** Parses events.jsonl into a BootResult; throws BootTestError naming the file on bad input. */
export function parseBootEvents(text: string, outDir: string, file = path.join(outDir, 'events.jsonl')): BootResult {
  const events: Json[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (err) {
      throw new BootTestError(`line ${i + 1} is not JSON (${(err as Error).message}): ${line.slice(0, 120)}`, file);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v) || typeof (v as Json).event !== 'string') {
      throw new BootTestError(`line ${i + 1} is not an event object`, file);
    }
    events.push(v as Json);
  });
  const one = (name: string): Json => {
    const found = events.filter((e) => e.event === name);
    if (found.length === 0) throw new BootTestError(`no "${name}" event (the guest stopped early? see serial.log)`, file);
    return found[found.length - 1];
  };
  const host = one('host');
  const start = one('start');
  const kvm = one('kvm');
  const selftest = one('selftest');
  const nested = one('nested');
  const dmesg = one('dmesg');
  const done = events.find((e) => e.event === 'done');

  const modules = {} as Record<VmkernelModule, ModuleVerdict>;
  for (const name of VMKERNEL_MODULES) {
    const e = events.find((x) => x.event === 'module' && x.module === name);
    if (!e) throw new BootTestError(`no "module" event for ${name}`, file);
    const taint = str(e, 'taint', file);
    const lines = strings(e, 'dmesg', file);
    modules[name] = {
      module: name,
      loaded: bool(e, 'loaded', file),
      taint,
      taintFlags: parseTaintFlags(taint),
      taintedBefore: num(e, 'tainted_before', file),
      taintedAfter: num(e, 'tainted_after', file),
      insmodError: str(e, 'insmod_error', file),
      dmesg: lines,
      inheritTaintRefusal: findInheritTaintRefusal(name, lines),
      koPath: path.join(outDir, 'modules', `${name}.ko`),
    };
  }

  const secs = host.seconds as Json | undefined;
  if (typeof secs !== 'object' || secs === null) throw new BootTestError('"host" event has no "seconds"', file);
  const selftestExit = num(selftest, 'rc', file);
  const nestedOutput = strings(nested, 'output', file);
  return {
    outDir,
    kernelRelease: str(host, 'kernel_release', file),
    qemuVersion: str(host, 'qemu_version', file),
    qemuExitCode: num(host, 'qemu_rc', file),
    svm: bool(start, 'svm', file),
    devKvm: bool(kvm, 'dev_kvm', file),
    kvmModules: events
      .filter((e) => e.event === 'insmod')
      .map((e) => ({ module: str(e, 'module', file), ok: bool(e, 'ok', file), error: str(e, 'error', file) })),
    modules,
    dmesg: strings(dmesg, 'lines', file),
    selftest: {
      ok: selftestExit === 0 && /selftest passed/.test(str(selftest, 'output', file)),
      exitCode: selftestExit,
      output: str(selftest, 'output', file),
      seconds: num(selftest, 'seconds', file),
    },
    nested: {
      exitCode: num(nested, 'rc', file),
      markerSeen: bool(nested, 'marker', file) && bool(host, 'nested_marker_on_console', file),
      markerLine: bool(host, 'nested_marker_on_console', file) ? NESTED_MARKER : null,
      seconds: num(nested, 'seconds', file),
      output: nestedOutput,
    },
    finished: done !== undefined,
    guestUptimeSeconds: done ? num(done, 'uptime', file) : null,
    seconds: {
      packages: num(secs, 'packages', file),
      build: num(secs, 'build', file),
      initramfs: num(secs, 'initramfs', file),
      qemu: num(secs, 'qemu', file),
      total: num(secs, 'total', file),
    },
  };
}

/** Default output directory: $BOOT_TEST_OUT, else <repo>/.cache/boot-test (or under $GPLCHECK_CACHE). */
export function defaultBootOutDir(): string {
  if (process.env.BOOT_TEST_OUT) return path.resolve(process.env.BOOT_TEST_OUT);
  return path.join(process.env.GPLCHECK_CACHE ?? path.join(REPO_ROOT, '.cache'), 'boot-test');
}

/** Reads <outDir>/events.jsonl from an earlier run. */
export function readBootResult(outDir = defaultBootOutDir()): BootResult {
  const file = path.join(outDir, 'events.jsonl');
  if (!existsSync(file)) throw new BootTestError('not found: run test/boot/boot-test.sh first', file);
  return parseBootEvents(readFileSync(file, 'utf8'), outDir, file);
}

export interface RunBootTestOptions {
  outDir?: string;
  /** Kill the script after this long (default 300 s; QEMU itself has BOOT_TEST_TIMEOUT). */
  timeoutMs?: number;
  /** Called with each line the script prints on stderr (progress). */
  onLog?: (line: string) => void;
}

/** Runs boot-test.sh, parses its events and writes <outDir>/result.json. */
export async function runBootTest(opts: RunBootTestOptions = {}): Promise<BootResult> {
  const outDir = opts.outDir ?? defaultBootOutDir();
  const timeoutMs = opts.timeoutMs ?? 300_000;
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn('bash', [BOOT_TEST_SCRIPT, outDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let pending = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', () => undefined);
    child.stderr.on('data', (d: Buffer) => {
      const s = d.toString();
      err += s;
      pending += s;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) opts.onLog?.(l);
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new BootTestError(`cannot run ${BOOT_TEST_SCRIPT}: ${e.message}`));
    });
    child.on('close', (c) => {
      clearTimeout(timer);
      resolve({ code: c, stderr: err });
    });
  });
  if (code !== 0) {
    throw new BootTestError(
      `boot-test.sh exited with ${code === null ? 'a signal (timeout?)' : code}:\n${stderr.split('\n').slice(-25).join('\n')}`,
    );
  }
  const result = readBootResult(outDir);
  writeFileSync(path.join(outDir, 'result.json'), JSON.stringify(result, null, 2) + '\n');
  return result;
}
