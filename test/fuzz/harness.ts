/**
 * A scan workspace for hostile-input tests: a directory with a few intact real files (two
 * kernel modules and a C module source) and one more file under test, scanned with the library
 * API as a user's scan would be. `check` states what must hold whatever the file under test is:
 *
 *   - the scan resolves (nothing escapes) within the time bound;
 *   - every error and warning names the file under test, with a clear message (no internal
 *     JavaScript error text);
 *   - a file that should have been read (by its name) and gave no facts has an error naming it;
 *   - the intact files' units and findings are exactly those of a scan without the file.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadDatabase } from '../../kernel-symbols';
import { scan, type ScanOptions, type ScanOutput } from '../../src/scan';
import type { Finding } from '../../rules/types';
import type { Unit } from '../../rules/model';

export const REPO = path.resolve(__dirname, '../..');
export const MODULES = path.join(REPO, 'test/fixtures/modules/build');

/** The intact files, by their place in the workspace; left out of the mutation corpus. */
export const INTACT: Record<string, string> = {
  'intact/prop_direct.ko': 'test/fixtures/modules/build/prop_direct/prop_direct.ko',
  'intact/clean_gpl.ko': 'test/fixtures/modules/build/clean_gpl/clean_gpl.ko',
  'intact_src/basic_module.c': 'analyzers/c/testdata/basic_module.c',
  'intact_src/basic_local.h': 'analyzers/c/testdata/basic_local.h',
};

/** What a user sees about the intact files: their units (without the id, which may be numbered
 *  differently when a file under test claims the same module name) and their findings. */
export interface IntactView {
  units: unknown[];
  findings: unknown[];
}

const isIntactPath = (p: string) => p.startsWith('intact/') || p.startsWith('intact_src/');

export function intactView(out: ScanOutput): IntactView {
  const units = out.result.units.filter((u) => u.paths.length > 0 && u.paths.every(isIntactPath));
  const key = new Map(units.map((u) => [u.id, `unit(${[...u.paths].sort().join(',')})`]));
  const strip = (u: Unit) => {
    const { id: _id, ...rest } = u;
    return { key: key.get(u.id), ...rest };
  };
  const findings = out.result.findings
    .filter((f) => key.has(f.unit))
    .map((f: Finding) => ({ ...f, unit: key.get(f.unit) }))
    .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return { units: units.map(strip).sort((a, b) => (a.key! < b.key! ? -1 : 1)), findings };
}

/** Text that only a programming error would put into a message. */
const INTERNAL = /\b(TypeError|RangeError|ReferenceError|SyntaxError|Cannot read propert|is not a function|is not iterable|undefined|NaN|\[object Object\]|Maximum call stack)\b/;

export function clearMessage(m: string): boolean {
  return m.trim().length > 0 && m.length < 4000 && !INTERNAL.test(m);
}

/** Names the scan reads (and so must report on when they give no facts). */
export function readByName(name: string): boolean {
  return /\.(c|h|ko|o|so)$/.test(name) || /\.(ko|o)\.(xz|zst|gz)$/.test(name) || /^(Kbuild|Makefile|makefile|GNUmakefile)$/.test(name);
}

export class Workspace {
  readonly root: string;
  readonly db = loadDatabase('6.1');
  baseline!: IntactView;

  constructor(prefix = 'gplcheck-hostile-') {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    for (const [to, from] of Object.entries(INTACT)) {
      fs.mkdirSync(path.dirname(path.join(this.root, to)), { recursive: true });
      fs.copyFileSync(path.join(REPO, from), path.join(this.root, to));
    }
    fs.mkdirSync(this.underTest, { recursive: true });
  }

  /** Where the file under test goes (its own directory: C sources group by directory). */
  get underTest(): string {
    return path.join(this.root, 'mutant');
  }

  options(extra: Partial<ScanOptions> = {}): ScanOptions {
    return { db: this.db, jobs: 1, cache: false, cwd: this.root, now: new Date('2026-01-01T00:00:00Z'), command: 'gplcheck scan .', ...extra };
  }

  async init(): Promise<this> {
    this.clear();
    this.baseline = intactView(await scan(['.'], this.options()));
    return this;
  }

  clear(): void {
    fs.rmSync(this.underTest, { recursive: true, force: true });
    fs.mkdirSync(this.underTest, { recursive: true });
  }

  /** Put `data` under test as `name`, scan, and return the scan with its wall time. */
  async scanWith(name: string, data: Buffer, extra: Partial<ScanOptions> = {}): Promise<{ out: ScanOutput; ms: number; shown: string }> {
    this.clear();
    fs.writeFileSync(path.join(this.underTest, name), data);
    const t0 = performance.now();
    const out = await scan(['.'], this.options(extra));
    return { out, ms: performance.now() - t0, shown: `mutant/${name}` };
  }

  /** Problems with a scan's result for the file under test `shown` (empty when all hold). */
  problems(out: ScanOutput, shown: string, ms: number, limitMs = 5000): string[] {
    const p: string[] = [];
    if (ms > limitMs) p.push(`took ${ms.toFixed(0)} ms (limit ${limitMs})`);
    for (const e of out.result.errors) {
      if (e.path !== shown) p.push(`error not naming the file under test: ${JSON.stringify(e)}`);
      if (!clearMessage(e.message)) p.push(`unclear error message: ${JSON.stringify(e.message)}`);
    }
    for (const w of out.result.warnings) {
      if (w.path !== shown) p.push(`warning not naming the file under test: ${JSON.stringify(w)}`);
      if (!clearMessage(w.message)) p.push(`unclear warning message: ${JSON.stringify(w.message)}`);
    }
    const name = path.basename(shown);
    const hasFacts = out.facts.some((f) => f.path === shown);
    const hasError = out.result.errors.some((e) => e.path === shown);
    if (readByName(name) && !hasFacts && !hasError) p.push('no facts and no error for a file the scan reads by name');
    const view = intactView(out);
    if (JSON.stringify(view) !== JSON.stringify(this.baseline)) p.push(`intact files' results changed:\n${diffText(this.baseline, view)}`);
    return p;
  }

  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

function diffText(a: IntactView, b: IntactView): string {
  const x = JSON.stringify(a, null, 1).split('\n');
  const y = JSON.stringify(b, null, 1).split('\n');
  const out: string[] = [];
  for (let i = 0; i < Math.max(x.length, y.length) && out.length < 20; i++) if (x[i] !== y[i]) out.push(`  - ${x[i]}\n  + ${y[i]}`);
  return out.join('\n');
}
