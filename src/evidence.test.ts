/** Evidence levels (src/evidence.ts): which binaries are read with their reference sites. */
import * as fs from 'fs';
import * as path from 'path';
import { analyzeElf } from '../analyzers/elf';
import type { ElfFileFacts } from '../analyzers/facts';
import { debianModuleTree, loadDatabase } from '../kernel-symbols';
import { REPORTERS } from '../reports';
import { elfSitesOption, needingSites } from './evidence';
import { scan } from './scan';

jest.setTimeout(180_000);

const REPO = path.resolve(__dirname, '..');
const db = loadDatabase('6.1');
const now = new Date('2026-01-01T00:00:00Z');
const INPUTS = ['test/fixtures/modules', 'vmkernel'];
const run = (evidence: 'boundary' | 'all') => scan(INPUTS, { db, cwd: REPO, now, command: 'gplcheck scan', cache: false, jobs: 1, evidence });
const fixture = (m: string) => path.join(REPO, 'test/fixtures/modules/build', m, `${m}.ko`);

test('a module read for its symbol tables only has every import, no sites, and says so', () => {
  const data = fs.readFileSync(fixture('clean_gpl'));
  const full = analyzeElf('clean_gpl.ko', data);
  const lean = analyzeElf('clean_gpl.ko', data, { sites: false });
  expect(lean.sitesOmitted).toBe(true);
  expect(full.sitesOmitted).toBeUndefined();
  expect(lean.imports.map((i) => i.symbol)).toEqual(full.imports.map((i) => i.symbol));
  expect(full.imports.find((i) => i.symbol === 'kstrdup')!.sites.length).toBeGreaterThan(0);
  expect(lean.imports.every((i) => i.sites.length === 0)).toBe(true);
  expect(lean.internalRefs).toEqual([]);
  const { imports: _a, internalRefs: _b, sitesOmitted: _c, ...leanRest } = lean;
  const { imports: _d, internalRefs: _e, ...fullRest } = full;
  expect(leanRest).toEqual(fullRest);
});

test('the boundary policy reads GPL-compatible modules lean and everything else in full', () => {
  const sites = elfSitesOption('boundary') as (f: { licenses: string[]; unitKind: ElfFileFacts['unitKind'] }) => boolean;
  expect(sites({ licenses: ['GPL'], unitKind: 'kernel-module' })).toBe(false);
  expect(sites({ licenses: ['Dual MIT/GPL'], unitKind: 'kernel-module' })).toBe(false);
  expect(sites({ licenses: ['Proprietary'], unitKind: 'kernel-module' })).toBe(true);
  expect(sites({ licenses: [], unitKind: 'kernel-module' })).toBe(true);
  expect(sites({ licenses: ['GPL'], unitKind: 'object' })).toBe(true);
  expect(sites({ licenses: [], unitKind: 'userspace' })).toBe(true);
  expect(elfSitesOption('all')).toBe(true);
});

test('findings and the boundary graph are the same with --evidence boundary and --evidence all', async () => {
  const lean = await run('boundary');
  const full = await run('all');
  const omitted = (r: typeof lean) =>
    r.facts.filter((f): f is ElfFileFacts => f.analyzer === 'elf' && f.path.endsWith('.ko') && f.sitesOmitted === true).map((f) => path.basename(f.path)).sort();
  // Only the number of places a lean module's unit-level links count differs: its binary
  // names each import once (its symbol table), not at every relocation.
  const leanUnits = new Set(omitted(lean).map((m) => m.replace(/\.ko$/, '')));
  const part = (r: typeof lean.result) =>
    JSON.stringify({
      findings: r.findings,
      graph: { ...r.graph, links: r.graph!.links.map((l) => (leanUnits.has(l.from) ? { ...l, sites: 0 } : l)) },
      errors: r.errors,
    });
  expect(lean.result.findings.length).toBeGreaterThan(10);
  expect(part(lean.result)).toBe(part(full.result));
  expect(JSON.stringify(lean.result.graph!.links.filter((l) => !leanUnits.has(l.from)))).toBe(JSON.stringify(full.result.graph!.links.filter((l) => !leanUnits.has(l.from))));
  expect(REPORTERS.text.render(lean.result, {})).toBe(REPORTERS.text.render(full.result, {}));
  // clean GPL modules nobody on a boundary uses: lean; the shim a proprietary module calls,
  // the provider of a GPL-only export a proprietary module imports, and the module that uses a
  // namespace it does not import: read again in full
  expect(omitted(lean)).toEqual(expect.arrayContaining(['clean_gpl.ko', 'ns_ok.ko']));
  expect(omitted(lean)).not.toEqual(expect.arrayContaining(['gpl_shim.ko']));
  for (const m of ['gpl_shim.ko', 'gpl_provider.ko', 'ns_missing.ko', 'vmk_shim.ko']) expect(omitted(lean)).not.toContain(m);
  expect(omitted(full)).toEqual([]);
  const shim = lean.result.units.find((u) => u.id === 'gpl_shim')!;
  expect(shim.imports.find((i) => i.symbol === 'ktime_get')!.sites[0].location.function).toBeDefined();
});

test('providers are followed transitively, and nothing else is read again (real Debian modules)', () => {
  const { dir } = debianModuleTree();
  const read = (rel: string, sites: boolean) => analyzeElf(rel, fs.readFileSync(path.join(dir, rel)), { sites });
  // ums-alauda (read in full) -> usb-storage -> usbcore -> usb-common; dummy is unrelated
  const facts = [
    read('drivers/usb/storage/ums-alauda.ko', true),
    read('drivers/usb/storage/usb-storage.ko', false),
    read('drivers/usb/core/usbcore.ko', false),
    read('drivers/usb/common/usb-common.ko', false),
    read('drivers/net/dummy.ko', false),
  ];
  expect(needingSites(facts, db)).toEqual(['drivers/usb/storage/usb-storage.ko', 'drivers/usb/core/usbcore.ko', 'drivers/usb/common/usb-common.ko']);
  // with only lean modules and no namespace problem, nothing is read again
  expect(needingSites(facts.slice(1), db)).toEqual([]);
});

test('shards asked for --evidence all merge into what one scan with --evidence all reports', async () => {
  const os = await import('os');
  const { mergeShards } = await import('./merge');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-evidence-'));
  try {
    const single = (await run('all')).result;
    const files: string[] = [];
    for (let index = 1; index <= 2; index++) {
      const r = (await scan(INPUTS, { db, cwd: REPO, now, command: 'gplcheck scan', cache: false, jobs: 1, evidence: 'all', shard: { index, count: 2 } })).result;
      expect(r.shard!.evidence).toBe('all');
      files.push(path.join(tmp, `s${index}.json`));
      fs.writeFileSync(files[index - 1], REPORTERS.json.render(r, {}));
    }
    const merged = mergeShards(files, db, { now, command: 'gplcheck scan' }).result;
    expect(REPORTERS.json.render(merged, {})).toBe(REPORTERS.json.render(single, {}));
    // a shard of the other level does not belong
    const lean = (await scan(INPUTS, { db, cwd: REPO, now, command: 'gplcheck scan', cache: false, jobs: 1, shard: { index: 2, count: 2 } })).result;
    const other = path.join(tmp, 'lean2.json');
    fs.writeFileSync(other, REPORTERS.json.render(lean, {}));
    expect(() => mergeShards([files[0], other], db)).toThrow(/scanned with --evidence boundary, but .* with --evidence all/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
