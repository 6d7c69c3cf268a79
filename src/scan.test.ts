/** Scale features: determinism across job counts, the facts cache, shards that merge. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadDatabase } from '../kernel-symbols';
import { REPORTERS } from '../reports';
import { FactsCache } from './cache';
import { mergeShards } from './merge';
import { ProcessPool } from './process-pool';
import { analyze, scan, shardOf, type ScanOptions } from './scan';
import { TOOL } from './version';

jest.setTimeout(180_000);

const REPO = path.resolve(__dirname, '..');
const db = loadDatabase('6.1');
const now = new Date('2026-01-01T00:00:00Z');
// real inputs of both kinds: C sources with Kbuild files, and kernel modules
const INPUTS = ['test/fixtures/modules', 'vmkernel', 'analyzers/c/testdata'];

const render = (r: Awaited<ReturnType<typeof scan>>['result']) => REPORTERS.json.render(r, {}) + REPORTERS.text.render(r, {});
const run = (o: Partial<ScanOptions>) => scan(INPUTS, { db, cwd: REPO, now, command: 'gplcheck scan', cache: false, ...o });

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-scale-'));
  if (!fs.existsSync(path.join(REPO, 'dist/src/worker-process.js'))) throw new Error('run `npm run build` first: analysis processes run dist/src/worker-process.js');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('byte-identical reports with --jobs 1 and --jobs 2, run after run', async () => {
  const one = render((await run({ jobs: 1 })).result);
  const two = render((await run({ jobs: 2 })).result);
  const again = render((await run({ jobs: 2 })).result);
  expect(one.length).toBeGreaterThan(1000);
  expect(two).toBe(one);
  expect(again).toBe(one);
});

test('streaming discovery: sources go to the analysis processes while the walk goes on', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'stream-'));
  fs.mkdirSync(path.join(dir, 'a'));
  fs.mkdirSync(path.join(dir, 'z'));
  for (let i = 0; i < 100; i++) fs.writeFileSync(path.join(dir, `a/f${String(i).padStart(3, '0')}.c`), `#include <linux/slab.h>\nvoid f${i}(void *p) { kfree(p); }\n`);
  // The pool starts with the second batch of 32 sources, 64 files into a/. A file made then in
  // z/, which the walk has not listed yet, is found only if the walk was still going on.
  const original = ProcessPool.prototype.run;
  const run = jest.spyOn(ProcessPool.prototype, 'run');
  let first = true;
  run.mockImplementation(function (this: ProcessPool<unknown, unknown>, task: unknown) {
    if (first) {
      first = false;
      fs.writeFileSync(path.join(dir, 'z/late.c'), '#include <linux/slab.h>\nvoid late(void *p) { kfree(p); }\n');
    }
    return original.call(this, task);
  });
  try {
    const streamed = await scan([dir], { db, cwd: dir, now, command: 'gplcheck scan', cache: false, jobs: 2 });
    expect(run).toHaveBeenCalled();
    expect(streamed.facts.map((f) => f.path)).toContain('z/late.c');
    expect(streamed.result.stats.files).toBe(101);
    run.mockRestore();
    const one = await scan([dir], { db, cwd: dir, now, command: 'gplcheck scan', cache: false, jobs: 1 });
    expect(render(streamed.result).replace(/"ms": \d+/g, '')).toBe(render(one.result).replace(/"ms": \d+/g, ''));
  } finally {
    run.mockRestore();
  }
});

describe('facts cache', () => {
  const copy = () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'tree-'));
    fs.cpSync(path.join(REPO, 'test/fixtures/modules/src/gpl_shim'), path.join(dir, 'gpl_shim'), { recursive: true });
    fs.cpSync(path.join(REPO, 'test/fixtures/modules/src/prop_direct'), path.join(dir, 'prop_direct'), { recursive: true });
    return dir;
  };

  test('an unchanged tree is served from the cache, with the same result', async () => {
    const dir = copy();
    const cache = path.join(tmp, 'cache-a');
    const cold = await analyze([dir], { db, jobs: 1, cache });
    const warm = await analyze([dir], { db, jobs: 1, cache });
    expect(cold.stats.cacheHits).toBe(0);
    expect(warm.stats.cacheHits).toBe(warm.stats.analysed);
    expect(warm.facts).toEqual(cold.facts);
  });

  test('with analysis processes, hits are served before the pool and give the same facts and stats', async () => {
    const dir = copy();
    const cache = path.join(tmp, 'cache-w');
    const cold = await analyze([dir], { db, jobs: 2, cache });
    const warm = await analyze([dir], { db, jobs: 2, cache });
    const byPath = (x: { path: string }, y: { path: string }) => (x.path < y.path ? -1 : 1);
    expect(warm.stats).toEqual({ ...cold.stats, cacheHits: cold.stats.analysed });
    expect([...warm.facts].sort(byPath)).toEqual([...cold.facts].sort(byPath));
  });

  test('a changed file, another database or another tool version is analysed again', async () => {
    const dir = copy();
    const cache = path.join(tmp, 'cache-b');
    const first = await analyze([dir], { db, jobs: 1, cache });
    const c = path.join(dir, 'gpl_shim/gpl_shim.c');
    fs.appendFileSync(c, '\nint gpl_shim_extra(void) { return synchronize_rcu(), 0; }\n');
    const changed = await analyze([dir], { db, jobs: 1, cache });
    expect(changed.stats.cacheHits).toBe(first.stats.analysed - 1);
    const cf = changed.facts.find((f) => f.path.endsWith('gpl_shim.c'));
    expect(cf && cf.analyzer === 'c' && cf.calls.some((x) => x.callee === 'synchronize_rcu')).toBe(true);

    const other = await analyze([dir], { db: loadDatabase('5.10'), jobs: 1, cache });
    expect(other.stats.cacheHits).toBe(0);

    const data = fs.readFileSync(c);
    const v1 = new FactsCache(cache, { toolVersion: '1.0.0', database: 'x' });
    const v2 = new FactsCache(cache, { toolVersion: '1.0.1', database: 'x' });
    expect(v1.key(data, c)).not.toBe(v2.key(data, c));
  });

  test('a corrupt cache entry is analysed again, not trusted', async () => {
    const dir = copy();
    const cache = path.join(tmp, 'cache-c');
    await analyze([dir], { db, jobs: 1, cache });
    for (const sub of fs.readdirSync(cache)) {
      for (const f of fs.readdirSync(path.join(cache, sub))) fs.writeFileSync(path.join(cache, sub, f), '{"torn');
    }
    const again = await analyze([dir], { db, jobs: 1, cache });
    expect(again.stats.cacheHits).toBe(0);
    expect(again.facts.length).toBeGreaterThan(0);
  });
});

test('shards merge into exactly what one scan reports, across shard boundaries', async () => {
  const single = (await run({ jobs: 1 })).result;
  for (const count of [2, 3]) {
    const files: string[] = [];
    for (let index = 1; index <= count; index++) {
      const r = (await run({ jobs: 1, shard: { index, count } })).result;
      const f = path.join(tmp, `shard-${index}-of-${count}.json`);
      fs.writeFileSync(f, REPORTERS.json.render(r, {}));
      files.push(f);
    }
    const merged = mergeShards(files, db, { now, command: 'gplcheck scan' }).result;
    expect(render(merged)).toBe(render(single));
  }
  // with three shards ns_missing.ko and its provider gpl_provider.ko land in different slices;
  // the namespace finding needs the provider's export, so only a real cross-shard link has it
  const ko = (m: string) => `test/fixtures/modules/build/${m}/${m}.ko`;
  expect(shardOf(ko('ns_missing'), 3)).not.toBe(shardOf(ko('gpl_provider'), 3));
  expect(single.findings.some((f) => f.unit === 'ns_missing' && f.ruleId === 'namespace-not-imported' && f.symbol === 'shim_ns_helper')).toBe(true);
});

test('merge refuses shards that do not belong together', async () => {
  const a = path.join(tmp, 'x1.json');
  fs.writeFileSync(a, REPORTERS.json.render((await run({ jobs: 1, shard: { index: 1, count: 2 } })).result, {}));
  expect(() => mergeShards([a], db)).toThrow('missing shard 2/2');
  expect(() => mergeShards([a, a], db)).toThrow(/shard 1\/2 is also given as/);
  const notShard = path.join(tmp, 'plain.json');
  fs.writeFileSync(notShard, REPORTERS.json.render((await run({ jobs: 1 })).result, {}));
  expect(() => mergeShards([notShard], db)).toThrow(`${notShard}: not a shard report`);
  // a shard of another version: its facts may not have the shape this version links
  const b = path.join(tmp, 'x2.json');
  const other = JSON.parse(REPORTERS.json.render((await run({ jobs: 1, shard: { index: 2, count: 2 } })).result, {}));
  other.tool.version = '0.0.1-other';
  fs.writeFileSync(b, JSON.stringify(other));
  expect(() => mergeShards([a, b], db)).toThrow(`${b}: made by gplcheck 0.0.1-other, not by this gplcheck ${TOOL.version}; scan every shard with the version that merges them`);
});
