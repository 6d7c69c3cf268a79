/** The result cache: a warm scan returns exactly the cold result; every change is a miss. */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadDatabase } from '../kernel-symbols';
import { noneLeftOut } from './discover';
import { REPORTERS } from '../reports';
import { RELEASE, type ScanResult } from '../reports/types';
import { loadConfig } from './config';
import type { LinkedImport } from '../rules/model';
import { LineWriter, PART_LIMITS, RACY_NS, ResultCacheError, readImports, unstableReason, writeImports } from './result-cache';
import { scan, type ScanOptions } from './scan';
import { TOOL } from './version';

jest.setTimeout(180_000);

const REPO = path.resolve(__dirname, '..');
const db = loadDatabase('6.1');
const now = new Date('2026-01-01T00:00:00Z');
const MODULES = ['gpl_shim', 'prop_direct', 'gpl_provider', 'ns_missing'];

/** Every report that renders from the result alone, with the time of the run left out. */
const render = (r: ScanResult) => {
  const same = { ...r, stats: { ...r.stats, ms: 0 } };
  return REPORTERS.json.render(same, {}) + REPORTERS.text.render(same, {}) + REPORTERS.sarif.render(same, {});
};

/** A result served from the cache has its heavy parts as accessors; a computed one has plain data. */
const fromCache = (r: ScanResult) => r.units.length > 0 && typeof Object.getOwnPropertyDescriptor(r.units[0], 'imports')?.get === 'function';

let tmp: string;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits until files written now are no longer "racy" for a scan that starts afterwards. */
const settle = () => sleep(Number(RACY_NS / 1_000_000n) + 100);

/** A tree of real sources, Kbuild files and the modules built from them. */
function tree(): string {
  const dir = fs.mkdtempSync(path.join(tmp, 'tree-'));
  for (const m of MODULES) {
    fs.cpSync(path.join(REPO, 'test/fixtures/modules/src', m), path.join(dir, 'src', m), { recursive: true });
    fs.mkdirSync(path.join(dir, 'build', m), { recursive: true });
    fs.copyFileSync(path.join(REPO, 'test/fixtures/modules/build', m, `${m}.ko`), path.join(dir, 'build', m, `${m}.ko`));
  }
  fs.writeFileSync(path.join(dir, 'README'), 'not analysed, still part of the discovery\n');
  return dir;
}

const heads = (cache: string) =>
  fs.existsSync(path.join(cache, 'results')) ? fs.readdirSync(path.join(cache, 'results'), { recursive: true }).map(String).filter((f) => f.endsWith('.head')) : [];

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-results-'));
  if (!fs.existsSync(path.join(REPO, 'dist/src/worker-process.js'))) throw new Error('run `npm run build` first: analysis processes run dist/src/worker-process.js');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('result cache', () => {
  let dir: string;
  let cache: string;
  let cold: ScanResult;
  const opts = (o: Partial<ScanOptions> = {}): ScanOptions => ({ db, cwd: dir, now, command: 'gplcheck scan .', jobs: 1, cache, ...o });

  beforeAll(async () => {
    dir = tree();
    cache = path.join(tmp, 'cache');
    await settle();
    cold = (await scan(['.'], opts())).result;
  });

  test('a warm scan returns the cold result, byte for byte in every report, and the same facts', async () => {
    expect(fromCache(cold)).toBe(false);
    expect(heads(cache)).toHaveLength(1);
    const plain = await scan(['.'], opts({ cache: false }));
    const warm = await scan(['.'], opts());
    expect(fromCache(warm.result)).toBe(true);
    expect(cold.units.length).toBeGreaterThan(3);
    expect(cold.findings.length).toBeGreaterThan(0);
    expect(render(warm.result)).toBe(render(cold));
    expect(render(warm.result)).toBe(render(plain.result));
    // plain data to every reader: deep equality and JSON as the computed result
    expect(JSON.parse(JSON.stringify({ ...warm.result, stats: {} }))).toEqual(JSON.parse(JSON.stringify({ ...plain.result, stats: {} })));
    expect(warm.facts).toEqual(plain.facts);
    // with analysis processes too
    const two = await scan(['.'], opts({ jobs: 2 }));
    expect(fromCache(two.result)).toBe(true);
    expect(render(two.result)).toBe(render(cold));
  });

  test('needFacts: false skips all analysis on a hit; facts then say why they are missing', async () => {
    const warm = await scan(['.'], opts({ needFacts: false }));
    expect(fromCache(warm.result)).toBe(true);
    expect(render(warm.result)).toBe(render(cold));
    expect(() => warm.facts).toThrow(/result cache.*needFacts: false/);
  });

  test('the invocation (command, date) and stats.ms are the run\'s own', async () => {
    const later = new Date('2027-06-01T12:00:00Z');
    const warm = (await scan(['.'], opts({ now: later, command: 'gplcheck scan . --again' }))).result;
    expect(fromCache(warm)).toBe(true);
    expect(warm.invocation).toEqual({ command: 'gplcheck scan . --again', date: later.toISOString() });
    expect(cold.invocation.date).toBe(now.toISOString());
    expect(warm.stats.ms).toBeLessThan(cold.stats.ms + 1); // measured now, not copied
    expect(warm.stats).toEqual({ ...cold.stats, ms: warm.stats.ms });
  });

  test('a part read later is the stored one; assigning a part replaces it', async () => {
    const warm = (await scan(['.'], opts({ needFacts: false }))).result;
    const u = warm.units.find((x) => x.imports.length > 0)!;
    expect(u.imports).toEqual(cold.units.find((x) => x.id === u.id)!.imports);
    u.imports = [];
    expect(u.imports).toEqual([]);
    expect(Object.keys(u)).toEqual(Object.keys(cold.units.find((x) => x.id === u.id)!));
    expect(Object.keys(warm)).toEqual(Object.keys(cold));
  });

  test('a part read back may be released and is read again; the JSON report releases each unit\'s imports and the graph\'s fields', async () => {
    for (const keepBytes of [PART_LIMITS.keepBytes, 0]) {
      // kept in memory as read, and (keepBytes 0) read again line by line from the file
      const saved = PART_LIMITS.keepBytes;
      PART_LIMITS.keepBytes = keepBytes;
      try {
        const warm = (await scan(['.'], opts({ needFacts: false }))).result;
        expect(fromCache(warm)).toBe(true);
        const i = warm.units.findIndex((x) => x.imports.length > 0);
        const u = warm.units[i];
        const first = u.imports;
        expect(u.imports).toBe(first); // kept until released
        (u as unknown as { [RELEASE]: (k: string) => void })[RELEASE]('imports');
        const again = u.imports;
        expect(again).not.toBe(first);
        expect(again).toEqual(cold.units[i].imports);
        // the report: every unit's imports and every graph field read, written, and let go
        const symbols = warm.graph!.symbols;
        expect(REPORTERS.json.render({ ...warm, stats: { ...warm.stats, ms: 0 } }, {})).toBe(REPORTERS.json.render({ ...cold, stats: { ...cold.stats, ms: 0 } }, {}));
        expect(u.imports).not.toBe(again);
        expect(warm.graph!.symbols).not.toBe(symbols);
        expect(warm.graph!.symbols).toEqual(cold.graph!.symbols);
        // an assigned value is the unit's own: never released
        const mine = [...again];
        u.imports = mine;
        (u as unknown as { [RELEASE]: (k: string) => void })[RELEASE]('imports');
        expect(u.imports).toBe(mine);
        expect(Object.keys(warm.graph!)).toEqual(Object.keys(cold.graph!));
      } finally {
        PART_LIMITS.keepBytes = saved;
      }
    }
  });
});

describe('every change is a miss, and the new result is what a scan without cache gives', () => {
  let dir: string;
  let cache: string;
  const opts = (o: Partial<ScanOptions> = {}): ScanOptions => ({ db, cwd: dir, now, command: 'gplcheck scan .', jobs: 1, cache, needFacts: false, ...o });
  /** A scan with the cache that must miss, checked against one without. */
  const miss = async (o: Partial<ScanOptions> = {}) => {
    const r = (await scan(['.'], opts(o))).result;
    expect(fromCache(r)).toBe(false);
    expect(render(r)).toBe(render((await scan(['.'], opts({ ...o, cache: false }))).result));
    return r;
  };
  const hit = async (o: Partial<ScanOptions> = {}) => {
    const r = (await scan(['.'], opts(o))).result;
    expect(fromCache(r)).toBe(true);
    return r;
  };

  beforeAll(async () => {
    dir = tree();
    cache = path.join(tmp, 'cache-inv');
    await settle();
    await scan(['.'], opts());
    await hit();
  });

  test('a file changed in place with the same size', async () => {
    const c = path.join(dir, 'src/prop_direct/prop_direct.c');
    const before = fs.readFileSync(c, 'utf8');
    const after = before.replace('synchronize_rcu();', 'synchronize_net();');
    expect(after.length).toBe(before.length);
    expect(after).not.toBe(before);
    const base = (await hit()).findings;
    fs.writeFileSync(c, after);
    const r = await miss();
    expect(r.findings).not.toEqual(base); // a real change, and the cache did not hide it
    fs.writeFileSync(c, before);
    await miss(); // back to the old bytes, but ctime moved on: analysed again, same result as before
  });

  test('a file added, a file removed', async () => {
    fs.writeFileSync(path.join(dir, 'src/gpl_shim/extra.c'), 'int extra(void) { synchronize_rcu(); return 0; }\n');
    const added = await miss();
    expect(added.units.some((u) => u.paths.some((p) => p.endsWith('extra.c')))).toBe(true);
    fs.rmSync(path.join(dir, 'src/gpl_shim/extra.c'));
    await miss();
    fs.rmSync(path.join(dir, 'README'));
    await miss();
  });

  test('another database, another tool version', async () => {
    await settle();
    await scan(['.'], opts()); // stored again now that the tree is quiet
    await hit();
    await miss({ db: loadDatabase('5.10') });
    const version = TOOL.version;
    try {
      TOOL.version = `${version}-next`;
      await miss();
    } finally {
      TOOL.version = version;
    }
    await hit();
  });

  test('other rule settings, another configuration, another --exclude, another evidence level', async () => {
    await miss({ rules: { 'gpl-only-symbol': 'warning' } });
    const cfg = path.join(tmp, 'gplcheck.config.json');
    fs.writeFileSync(cfg, JSON.stringify({ rules: { 'proprietary-taint': 'off' } }));
    await miss({ config: loadConfig(cfg, tmp) });
    fs.writeFileSync(cfg, JSON.stringify({ rules: { 'proprietary-taint': 'error' } }));
    await miss({ config: loadConfig(cfg, tmp) });
    await miss({ exclude: ['build/gpl_shim'] });
    await miss({ gitignore: false });
    await miss({ evidence: 'all' } as Partial<ScanOptions>);
    await hit();
  });
});

describe('damaged, racy and unstable entries', () => {
  const setup = async (name: string) => {
    const dir = tree();
    const cache = path.join(tmp, name);
    await settle();
    const opts = (o: Partial<ScanOptions> = {}): ScanOptions => ({ db, cwd: dir, now, command: 'gplcheck scan .', jobs: 1, cache, needFacts: false, ...o });
    const cold = (await scan(['.'], opts())).result;
    const slot = path.join(cache, 'results', fs.readdirSync(path.join(cache, 'results'))[0]);
    const files = fs.readdirSync(slot).map((f) => path.join(slot, f));
    return { dir, cache, opts, cold, head: files.find((f) => f.endsWith('.head'))!, part: (name: string) => files.find((f) => f.includes(`.${name}.`))! };
  };

  test('a torn head or part file is a miss, and the scan is still right', async () => {
    const s = await setup('cache-torn');
    const text = fs.readFileSync(s.head);
    fs.writeFileSync(s.head, text.subarray(0, text.length >> 1));
    let r = (await scan(['.'], s.opts())).result;
    expect(fromCache(r)).toBe(false);
    expect(render(r)).toBe(render(s.cold));

    // stored again; now cut a part file short
    const again = await setup('cache-torn-part');
    const imports = fs.readFileSync(again.part('imports'));
    fs.writeFileSync(again.part('imports'), imports.subarray(0, imports.length - 10));
    r = (await scan(['.'], again.opts())).result;
    expect(fromCache(r)).toBe(false);
    expect(render(r)).toBe(render(again.cold));

    // a head of another key (a foreign entry) is a miss too
    const foreign = await setup('cache-foreign');
    const head = JSON.parse(fs.readFileSync(foreign.head, 'utf8'));
    fs.writeFileSync(foreign.head, JSON.stringify({ ...head, key: '0'.repeat(64) }));
    expect(fromCache((await scan(['.'], foreign.opts())).result)).toBe(false);

    // and one whose graph part does not name its fields, one a line
    const unnamed = await setup('cache-unnamed');
    const h = JSON.parse(fs.readFileSync(unnamed.head, 'utf8'));
    expect(h.parts.graph.fields).toEqual(Object.keys(unnamed.cold.graph!));
    fs.writeFileSync(unnamed.head, JSON.stringify({ ...h, parts: { ...h.parts, graph: { ...h.parts.graph, fields: h.parts.graph.fields.slice(1) } } }));
    r = (await scan(['.'], unnamed.opts())).result;
    expect(fromCache(r)).toBe(false);
    expect(render(r)).toBe(render(unnamed.cold));
  });

  test('parts hold one line per graph field or unit, JSON.stringify exactly, arrays written item by item', async () => {
    const s = await setup('cache-graph-lines');
    const lines = fs.readFileSync(s.part('graph'), 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toEqual(Object.entries(s.cold.graph!).map((e) => JSON.stringify(e)));
    expect(Object.values(s.cold.graph!).some((v) => Array.isArray(v) && v.length > 1)).toBe(true);
    // and the unit parts: one line per unit, JSON.stringify of its array
    const unitLines = (name: string) => {
      const lines = fs.readFileSync(s.part(name), 'utf8').split('\n');
      expect(lines.pop()).toBe('');
      return lines;
    };
    expect(unitLines('functions')).toEqual(s.cold.units.map((u) => JSON.stringify(u.functions)));
    // imports: columns, a site shared by several imports written once, each site's path once
    const imports = unitLines('imports');
    expect(imports.map((l) => JSON.stringify(readImports(JSON.parse(l))))).toEqual(s.cold.units.map((u) => JSON.stringify(u.imports)));
    const raw = imports.map((l) => JSON.parse(l) as unknown[][]);
    expect(raw.some(([shared]) => shared.length > 0)).toBe(true);
    raw.forEach(([shared, paths, , symbols], i) => {
      for (const site of shared) expect(imports[i].split(JSON.stringify(site))).toHaveLength(2);
      for (const p of paths) expect(imports[i].split(JSON.stringify(p))).toHaveLength(2);
      expect(symbols).toEqual(s.cold.units[i].imports.map((imp) => imp.symbol));
      expect(imports[i].length).toBeLessThan(JSON.stringify(s.cold.units[i].imports).length);
    });
    // the fixture's units have source sites (several of them in one file) and binary ones
    const sitePaths = s.cold.units.map((u) => new Set(u.imports.flatMap((imp) => imp.sites.map((x) => x.location.path))));
    expect(raw.map(([, paths]) => [...paths].sort())).toEqual(sitePaths.map((set) => [...(set as Set<string>)].sort()));
    expect(s.cold.units.some((u) => u.imports.some((imp) => imp.sites.some((x) => x.location.line !== undefined)))).toBe(true);
    expect(s.cold.units.some((u) => u.imports.length > 1)).toBe(true);
    // the head, written piece by piece, is JSON.stringify's text of itself
    const head = fs.readFileSync(s.head, 'utf8');
    expect(head).toBe(JSON.stringify(JSON.parse(head)));
    expect(JSON.parse(head).result.findings.length).toBeGreaterThan(0);
  });

  /** The line writeImports writes for `imports`, as text. */
  const line = (imports: unknown[]): string => {
    const file = path.join(fs.mkdtempSync(path.join(tmp, 'imports-')), 'imports.ndjson');
    const fd = fs.openSync(file, 'w');
    const w = new LineWriter(fd);
    writeImports(w, imports as LinkedImport[]);
    w.flush();
    fs.closeSync(fd);
    return fs.readFileSync(file, 'utf8');
  };

  test('imports as columns: every property back in its place, lists of one shared site shared again', () => {
    const symtab = { location: { path: 'm.ko', section: '.symtab' }, kind: 'data' };
    const src = (p: string, l: number) => ({ location: { path: p, line: l, column: 2, function: 'f' }, kind: 'call' });
    const one = [symtab];
    const imports = [
      { symbol: 'a', exportType: 'gpl', provider: 'vmlinux', providerKind: 'kernel', sites: one, evidence: 'binary' },
      { symbol: 'b', exportType: 'plain', namespace: 'NS', provider: 'vmlinux', providerKind: 'kernel', sites: one, evidence: 'binary' },
      { symbol: 'c', exportType: 'unknown', providerKind: 'unknown', sites: [symtab, src('m.c', 3), src('m.c', 9), src('x.c', 1)], evidence: 'both', via: ['kzalloc', 'kmalloc'] },
      // not LinkedImport's order, another property, a value of another type: written whole
      { exportType: 'gpl', symbol: 'd', providerKind: 'kernel', sites: [src('x.c', 2)], evidence: 'source' },
      { symbol: 'e', exportType: 'gpl', providerKind: 'kernel', sites: one, evidence: 'binary', extra: 1 },
      { symbol: 'f', exportType: 'gpl', provider: null, providerKind: 'kernel', sites: [], evidence: 'source' },
    ];
    const text = line(imports);
    const back = readImports(JSON.parse(text)) as { sites: unknown[] }[];
    expect(JSON.stringify(back)).toBe(JSON.stringify(imports)); // key order included
    expect(back[0].sites).toBe(back[1].sites);
    const [shared, paths, words, symbols, fields, sites, rest] = JSON.parse(text) as unknown[][];
    expect(shared).toEqual([{ ...symtab, location: { ...symtab.location, path: 0 } }]);
    expect(paths).toEqual(['m.ko', 'm.c', 'x.c']);
    expect(words).toEqual(['gpl', 'vmlinux', 'kernel', 'binary', 'plain', 'NS', 'unknown', 'both']);
    expect(symbols).toEqual(['a', 'b', 'c', '', '', '']);
    expect(fields.slice(0, 15)).toEqual([0, -1, 1, 2, 3, 4, 5, 1, 2, 3, 6, -1, -1, 6, 7]);
    expect(sites.slice(0, 2)).toEqual([0, 0]);
    expect(rest.slice(0, 3)).toEqual([0, 0, ['kzalloc', 'kmalloc']]);
    expect(rest.slice(3).map((r) => Object.keys(r as object))).toEqual([Object.keys(imports[3]), Object.keys(imports[4]), Object.keys(imports[5])]);
  });

  test('an imports line that does not decode is refused', () => {
    const site = { location: { path: 0, section: '.symtab' }, kind: 'data' };
    const ok = (): unknown[][] => [[{ ...site }], ['m.ko'], ['gpl', 'kernel', 'binary'], ['a'], [0, -1, -1, 1, 2], [0], [0]];
    expect(readImports(ok())).toEqual([{ symbol: 'a', exportType: 'gpl', providerKind: 'kernel', sites: [{ location: { path: 'm.ko', section: '.symtab' }, kind: 'data' }], evidence: 'binary' }]);
    const broken = (change: (l: unknown[][]) => void): unknown[][] => {
      const l = ok();
      change(l);
      return l;
    };
    expect(() => readImports([[site], [{ symbol: 'a' }], []])).toThrow('an imports line is not [shared, paths, words, symbols, fields, sites, rest]');
    expect(() => readImports(broken((l) => l[4].pop()))).toThrow('1 symbols, 4 fields, 1 site lists, 1 rests');
    expect(() => readImports(broken((l) => (l[5] = [1])))).toThrow('an import names shared site 1 of 1');
    expect(() => readImports(broken((l) => (l[5] = [{}])))).toThrow('an import has no sites');
    expect(() => readImports(broken((l) => (l[5] = [[{ location: { path: 2 } }]])))).toThrow('a site names path 2 of 1');
    expect(() => readImports(broken((l) => (l[5] = [['m.c']])))).toThrow('an import has a site that is not an object');
    expect(() => readImports(broken((l) => (l[4][0] = 3)))).toThrow("an import's exportType names word 3 of 3");
    expect(() => readImports(broken((l) => (l[6] = ['x'])))).toThrow('an import\'s rest is "x"');
  });

  test('a site\'s path is written as an index only where it is the site\'s location\'s first property', () => {
    // paths JSON escapes, and the marker's text inside a string: both come back as they were
    const odd = 'drivers/a "b"\\{"location":{"path":"c.c/d.c';
    const sites = [
      { location: { path: odd, line: 1, column: 2, function: 'f' }, kind: 'call' },
      { location: { line: 1, path: 'late.c' }, kind: 'call' },
      { kind: 'data', location: { path: 'kind-first.c' } },
      { location: { path: odd, line: 9 }, kind: 'address', viaMacros: ['{"location":{"path":"m.c"'] },
    ];
    const imports = [
      { symbol: 'x', exportType: 'gpl', providerKind: 'kernel', sites, evidence: 'source' },
      { symbol: 'y', exportType: 'plain', providerKind: 'kernel', sites: [sites[0]], evidence: 'source', extra: 1 },
    ];
    const text = line(imports);
    const [shared, paths, , , , written, rest] = JSON.parse(text) as unknown[][];
    expect(shared).toEqual([sites[0]].map((x) => ({ ...x, location: { ...x.location, path: 0 } })));
    expect(paths).toEqual([odd]);
    expect((written[0] as ({ location: { path: unknown } } | number)[]).map((x) => (typeof x === 'number' ? x : x.location.path))).toEqual([0, 'late.c', 'kind-first.c', 0]);
    expect((rest[1] as { sites: unknown }).sites).toEqual([0]);
    expect(readImports(JSON.parse(text))).toEqual(JSON.parse(JSON.stringify(imports)));
  });

  test('the piecewise writer gives JSON.stringify\'s text at every depth, in pieces smaller than the whole', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y?: number,
      ) {}
    }
    const value = {
      a: [1, 'two', null, undefined, () => 3, Symbol('s'), [[], {}], { u: undefined, f: () => 1, n: -0, e: 1e21 }],
      date: new Date(0),
      toJ: { toJSON: (k: string) => `key:${k}` },
      list: [{ toJSON: (k: string) => ({ at: k, inner: { toJSON: (j: string) => [j] } }) }, { toJSON: () => undefined }],
      gone: { toJSON: () => undefined },
      point: new Point(1),
      nested: { deep: { deeper: [{ deepest: '\u2028"\\' }] } },
      empty: [],
      skipped: undefined,
    };
    const file = path.join(tmp, 'pieces.json');
    for (let depth = 0; depth <= 5; depth++) {
      const fd = fs.openSync(file, 'w');
      const w = new LineWriter(fd);
      const pieces: string[] = [];
      const piece = w.piece.bind(w);
      w.piece = (t: string) => {
        pieces.push(t);
        piece(t);
      };
      w.json(value, depth);
      w.json([undefined, 1], depth);
      w.flush();
      fs.closeSync(fd);
      expect(fs.readFileSync(file, 'utf8')).toBe(JSON.stringify(value) + JSON.stringify([undefined, 1]));
      if (depth > 1) expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(JSON.stringify(value).length / 2);
    }
    // pieces larger than the writer's buffer, and pieces that fill it up to its last bytes
    const big = ['é'.repeat(400_000), 'x'.repeat(349_524), '€'.repeat(174_762), ...Array.from({ length: 3000 }, (_, i) => 'ü'.repeat(i))];
    const fd = fs.openSync(file, 'w');
    const w = new LineWriter(fd);
    w.json(big, 1);
    w.endLine();
    w.flush();
    fs.closeSync(fd);
    const expected = Buffer.from(JSON.stringify(big) + '\n', 'utf8');
    expect(fs.readFileSync(file).equals(expected)).toBe(true);
    expect(w.size).toBe(expected.length);
    expect(w.hash.digest('hex')).toBe(createHash('sha256').update(expected).digest('hex'));
  });

  test('a part changed in place (same size) is refused when read, and the entry removed', async () => {
    const s = await setup('cache-flipped');
    const graph = fs.readFileSync(s.part('graph'));
    const i = graph.indexOf('"units"');
    graph[i + 1] = 'U'.charCodeAt(0);
    fs.writeFileSync(s.part('graph'), graph);
    const r = (await scan(['.'], s.opts())).result;
    expect(fromCache(r)).toBe(true); // sizes match: served
    // the graph's fields are read when read: any of them, and every one after
    expect(() => r.graph!.symbols).toThrow(ResultCacheError);
    expect(() => r.graph!.units).toThrow(/damaged result cache entry.*removed/);
    expect(fs.existsSync(s.head)).toBe(false);
    const next = (await scan(['.'], s.opts())).result;
    expect(fromCache(next)).toBe(false);
    expect(render(next)).toBe(render(s.cold));
  });

  test('a part read line by line that changes after its check is refused, and the entry removed', async () => {
    const s = await setup('cache-changed-later');
    const saved = PART_LIMITS.keepBytes;
    PART_LIMITS.keepBytes = 0;
    try {
      const r = (await scan(['.'], s.opts())).result;
      expect(fromCache(r)).toBe(true);
      expect(r.units[0].imports).toEqual(s.cold.units[0].imports); // checked, and read
      await sleep(20);
      const file = s.part('imports');
      fs.appendFileSync(file, ''); // no change of content: only a write
      const fd = fs.openSync(file, 'r+');
      const first = Buffer.alloc(1);
      fs.readSync(fd, first, 0, 1, 0);
      fs.writeSync(fd, first, 0, 1, 0); // the same byte, written again in place
      fs.closeSync(fd);
      expect(() => r.units[1].imports).toThrow(/its file changed after it was checked.*removed/);
      expect(() => r.units[2].imports).toThrow(ResultCacheError);
      expect(fs.existsSync(s.head)).toBe(false);
    } finally {
      PART_LIMITS.keepBytes = saved;
    }
  });

  test('a file modified just now keeps the result out of the cache', async () => {
    const dir = tree();
    const cache = path.join(tmp, 'cache-racy');
    const opts: ScanOptions = { db, cwd: dir, now, jobs: 1, cache, needFacts: false };
    await scan(['.'], opts); // the whole tree was just written
    expect(heads(cache)).toEqual([]);
    await settle();
    await scan(['.'], opts);
    expect(heads(cache)).toHaveLength(1);
    fs.appendFileSync(path.join(dir, 'src/gpl_shim/gpl_shim.h'), '\n');
    const r = (await scan(['.'], opts)).result;
    expect(fromCache(r)).toBe(false);
    expect(heads(cache)).toHaveLength(1); // the old entry, nothing new
  });

  test('a file changed while the scan reads the tree keeps the result out; the next scan reads it anew', async () => {
    const dir = tree();
    const cache = path.join(tmp, 'cache-during');
    await settle();
    const header = path.join(dir, 'src/gpl_shim/gpl_shim.h');
    let changed = false;
    const opts: ScanOptions = { db, cwd: dir, now, jobs: 1, cache, needFacts: false };
    const during = await scan(['.'], {
      ...opts,
      onProgress: () => {
        if (changed) return;
        changed = true;
        fs.appendFileSync(header, '\n');
      },
    });
    expect(changed).toBe(true);
    expect(heads(cache)).toEqual([]);
    await settle();
    const next = (await scan(['.'], opts)).result;
    expect(fromCache(next)).toBe(false);
    expect(heads(cache)).toHaveLength(1);
    expect(render(next)).toBe(render((await scan(['.'], { ...opts, cache: false })).result));
    expect(during.result.units.length).toBe(next.units.length);
  });

  test('shards and provenance scans are not stored; old entries of the same inputs are pruned', async () => {
    const s = await setup('cache-prune');
    await scan(['.'], s.opts({ shard: { index: 1, count: 2 } }));
    expect(heads(s.cache)).toHaveLength(1);
    for (let i = 0; i < 3; i++) {
      fs.writeFileSync(path.join(s.dir, `new-${i}.c`), `int f${i}(void) { return 0; }\n`);
      await settle();
      await scan(['.'], s.opts());
    }
    expect(heads(s.cache)).toHaveLength(2);
  });

  test('results that depend on load or on the file system are named as such', () => {
    expect(unstableReason({ errors: [], warnings: [] })).toBeUndefined();
    expect(unstableReason({ errors: [], warnings: [{ path: 'a.c', message: 'a.c: parse time limit reached during parse; read lexically' }] })).toMatch(/time limit/);
    expect(unstableReason({ errors: [{ path: 'a.c', message: 'cannot read: permission denied' }], warnings: [] })).toMatch(/a read failed/);
    expect(unstableReason({ errors: [{ path: 'x', message: 'cannot list directory: permission denied' }], warnings: [] })).toMatch(/a read failed/);
    expect(unstableReason({ errors: [{ path: 'a.c', message: 'cannot read: file vanished during the scan' }], warnings: [] })).toMatch(/a read failed/);
    // deterministic errors do not stop a result from being stored
    expect(unstableReason({ errors: [{ path: 'b.ko', message: 'cannot read: 3.0 GiB, larger than the 2.0 GiB limit for one file' }], warnings: [] })).toBeUndefined();
    expect(unstableReason({ errors: [{ path: 'l', message: 'symbolic link to /x leads outside the scan root /t; not followed' }], warnings: [] })).toBeUndefined();
  });
});

describe('the command', () => {
  const cli = path.join(REPO, 'dist/src/cli.js');
  const run = (dir: string, args: string[]) => {
    const r = require('child_process').spawnSync(process.execPath, [cli, 'scan', '.', '--fail-on', 'none', ...args], {
      cwd: dir,
      encoding: 'utf8',
      maxBuffer: 1 << 28,
      env: { ...process.env, SOURCE_DATE_EPOCH: '1767225600', NO_COLOR: '1' },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const json = args.indexOf('--output');
    return (r.stdout as string) + (json >= 0 ? fs.readFileSync(path.join(dir, args[json + 1]), 'utf8') : '');
  };

  test('--cache-dir: the second run is served from the result cache with the same reports, SPDX included; --no-cache writes nothing', async () => {
    const dir = tree();
    const cache = path.join(tmp, 'cache-cli');
    await settle();
    const formats = ['--format', 'json', '--output', '../report.json', '--format', 'text'];
    const cold = run(dir, [...formats, '--cache-dir', cache]);
    expect(heads(cache)).toHaveLength(1);
    const entry = fs.statSync(path.join(cache, 'results', heads(cache)[0]));
    const warm = run(dir, [...formats, '--cache-dir', cache]);
    expect(warm).toBe(cold);
    const same = (out: string) => out.split('--no-cache').join(`--cache-dir ${cache}`);
    expect(warm).toBe(same(run(dir, [...formats, '--no-cache'])));
    // the reports that need the raw facts get them (from the per-file cache)
    // (the document namespace is a hash of the command line)
    const ns = (out: string) => out.replace(/"documentNamespace": "[^"]*"/, '');
    const spdx = same(ns(run(dir, ['--format', 'spdx', '--no-cache'])));
    expect(spdx).toMatch(/LicenseRef-Proprietary/);
    expect(ns(run(dir, ['--format', 'spdx', '--cache-dir', cache]))).toBe(spdx);
    expect(fs.statSync(path.join(cache, 'results', heads(cache)[0])).mtimeMs).toBe(entry.mtimeMs); // served, not written again
    const none = path.join(tmp, 'xdg-none');
    const r = require('child_process').spawnSync(process.execPath, [cli, 'scan', '.', '--no-cache', '--fail-on', 'none'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, XDG_CACHE_HOME: none, GPLCHECK_CACHE_DIR: '' },
    });
    expect(r.status).toBe(0);
    expect(fs.existsSync(none)).toBe(false);
  });
});

describe('a cache directory inside the scanned tree', () => {
  test.each([1, 2])('is not read as input: the result is the tree\'s own, and the unchanged tree is served from the cache (jobs %i)', async (jobs) => {
    const dir = tree();
    const cache = path.join(dir, 'gplcheck-cache');
    const opts = (o: Partial<ScanOptions> = {}): ScanOptions => ({ db, cwd: dir, now, command: 'gplcheck scan .', jobs, cache, ...o });
    await settle();
    const alone = (await scan(['.'], opts({ cache: false }))).result; // before the cache directory exists
    const first = await scan(['.'], opts());
    const second = (await scan(['.'], opts())).result;
    expect(fromCache(second)).toBe(true);
    expect(first.facts.map((f) => f.path).filter((p) => p.startsWith('gplcheck-cache'))).toEqual([]);
    // the same result, but for the directory left out, which the text report names
    const same = (r: ScanResult) => render({ ...r, invocation: alone.invocation, stats: { ...r.stats, excluded: 0, leftOut: alone.stats.leftOut } });
    expect(same(first.result)).toBe(same(alone));
    expect(same(second)).toBe(same(alone));
    expect(alone.stats.excluded).toBe(0);
    for (const r of [first.result, second]) {
      expect(r.stats.excluded).toBe(1);
      expect(r.stats.leftOut).toEqual({ ...noneLeftOut(), cache: 1 });
      expect(REPORTERS.text.render(r, {})).toContain('; left out: 1 as the cache directory)');
    }
  });
});
