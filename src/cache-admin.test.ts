/** The cache directory as a whole: contents, use recorded by hits, pruning. On a real cache, filled by scans. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadDatabase } from '../kernel-symbols';
import { REPORTERS } from '../reports';
import { LEFTOVER_AGE_MS, TOUCH_AFTER_MS, cacheContents, pruneCache } from './cache-admin';
import { scan, type ScanOptions } from './scan';

jest.setTimeout(120_000);

const REPO = path.resolve(__dirname, '..');
const db = loadDatabase('6.1');
const now = new Date('2026-01-01T00:00:00Z');
const DAY = 86_400_000;

let tmp: string;
let tree: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-cache-admin-'));
  tree = path.join(tmp, 'tree');
  fs.cpSync(path.join(REPO, 'test/fixtures/modules/src/gpl_shim'), path.join(tree, 'gpl_shim'), { recursive: true });
  fs.cpSync(path.join(REPO, 'test/fixtures/modules/src/prop_direct'), path.join(tree, 'prop_direct'), { recursive: true });
  fs.copyFileSync(path.join(REPO, 'test/fixtures/modules/build/prop_direct/prop_direct.ko'), path.join(tree, 'prop_direct.ko'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const opts = (cache: string, o: Partial<ScanOptions> = {}): ScanOptions => ({ db, cwd: tree, now, command: 'gplcheck scan .', jobs: 1, cache, ...o });
const text = (r: Awaited<ReturnType<typeof scan>>) => REPORTERS.text.render({ ...r.result, stats: { ...r.result.stats, ms: 0 } }, {});
const age = (file: string, ms: number) => {
  const t = new Date(Date.now() - ms);
  fs.utimesSync(file, t, t);
};
/** A cache filled by one scan of the tree (the result is stored once its files are two seconds old). */
async function filled(name: string): Promise<string> {
  const cache = path.join(tmp, name);
  await scan(['.'], opts(cache));
  return cache;
}

beforeAll(async () => {
  await new Promise((r) => setTimeout(r, 2200));
});

test('contents: a facts entry per analysed source (binaries are read again, not cached), a result entry per stored scan; files that are not the cache\'s are counted apart', async () => {
  const cache = await filled('contents');
  fs.writeFileSync(path.join(cache, 'notes.txt'), 'mine');
  fs.mkdirSync(path.join(cache, 'ab'), { recursive: true });
  fs.writeFileSync(path.join(cache, 'ab', 'not-an-entry.json'), '{}');
  fs.mkdirSync(path.join(cache, 'someone-else/deep'), { recursive: true });
  fs.writeFileSync(path.join(cache, 'someone-else/deep/big'), 'x'.repeat(1000));
  const c = cacheContents(cache);
  const sources = (await scan(['.'], opts(cache, { needFacts: true }))).facts.filter((f) => f.analyzer !== 'elf').length;
  expect(sources).toBe(5);
  expect(c.entries.filter((e) => e.kind === 'facts')).toHaveLength(sources);
  const results = c.entries.filter((e) => e.kind === 'result');
  expect(results).toHaveLength(1);
  expect(results[0].files.some((f) => f.endsWith('.head'))).toBe(true);
  expect(results[0].files.length).toBeGreaterThan(1); // its parts
  expect(c.other).toEqual({ files: 3, bytes: 4 + 2 }); // someone-else/ counted once, not looked into
  expect(c.leftovers).toEqual([]);
  expect(cacheContents(path.join(tmp, 'no-such-cache'))).toEqual({ entries: [], leftovers: [], other: { files: 0, bytes: 0 } });
});

test('a hit records the use: a facts entry or a result head unused for more than a day is touched, a fresher one is not', async () => {
  const cache = await filled('touch');
  const facts = cacheContents(cache).entries.filter((e) => e.kind === 'facts').map((e) => e.files[0]);
  const head = cacheContents(cache).entries.find((e) => e.kind === 'result')!.files.find((f) => f.endsWith('.head'))!;
  age(facts[0], 3 * DAY);
  age(facts[1], TOUCH_AFTER_MS / 2);
  age(head, 3 * DAY);
  // the stored result serves: its head is touched, the facts are not read
  await scan(['.'], opts(cache, { needFacts: false }));
  expect(Date.now() - fs.statSync(head).mtimeMs).toBeLessThan(60_000);
  expect(Date.now() - fs.statSync(facts[0]).mtimeMs).toBeGreaterThan(2 * DAY);
  // another rule setting: no stored result, every file's facts from the cache
  await scan(['.'], opts(cache, { rules: { 'gpl-only-symbol': 'warning' } }));
  expect(Date.now() - fs.statSync(facts[0]).mtimeMs).toBeLessThan(60_000);
  expect(Date.now() - fs.statSync(facts[1]).mtimeMs).toBeGreaterThan(TOUCH_AFTER_MS / 2 - 60_000);
});

test('prune --older-than removes the entries unused that long, whole; the cache still serves, and the scan is the same', async () => {
  const cache = await filled('older');
  const before = await scan(['.'], opts(cache, { cache: false }));
  fs.writeFileSync(path.join(cache, 'notes.txt'), 'mine');
  const c = cacheContents(cache);
  const facts = c.entries.filter((e) => e.kind === 'facts');
  const result = c.entries.find((e) => e.kind === 'result')!;
  for (const e of facts.slice(0, 2)) age(e.files[0], 10 * DAY);
  for (const f of result.files) age(f, 10 * DAY);
  const r = pruneCache(cache, { olderThanMs: 7 * DAY });
  expect(r.removed).toEqual({ entries: 3, bytes: facts[0].bytes + facts[1].bytes + result.bytes });
  expect(r.kept.entries).toBe(facts.length - 2);
  expect(r.other).toEqual({ files: 1, bytes: 4 });
  for (const f of [facts[0].files[0], facts[1].files[0], ...result.files]) expect(fs.existsSync(f)).toBe(false);
  expect(fs.readFileSync(path.join(cache, 'notes.txt'), 'utf8')).toBe('mine');
  const after = await scan(['.'], opts(cache));
  expect(text(after)).toBe(text(before));
  expect(pruneCache(cache, { olderThanMs: 7 * DAY }).removed.entries).toBe(0);
});

test('prune --max-size removes the entries unused longest until the rest fits', async () => {
  const cache = await filled('size');
  const facts = cacheContents(cache).entries.filter((e) => e.kind === 'facts');
  // a day apart, the first unused longest
  facts.forEach((e, i) => age(e.files[0], (facts.length - i + 5) * DAY));
  const all = cacheContents(cache).entries.reduce((n, e) => n + e.bytes, 0);
  const r = pruneCache(cache, { maxBytes: all - facts[0].bytes - 1 });
  expect(r.removed).toEqual({ entries: 2, bytes: facts[0].bytes + facts[1].bytes });
  expect(fs.existsSync(facts[2].files[0])).toBe(true);
  expect(r.kept.bytes).toBeLessThanOrEqual(all - facts[0].bytes - 1);
  expect(pruneCache(cache, { maxBytes: 0 })).toMatchObject({ kept: { entries: 0, bytes: 0 } });
  expect(cacheContents(cache).entries).toEqual([]);
});

test('unfinished writes are removed once an hour old; a part without its head is one', async () => {
  const cache = await filled('leftovers');
  const result = cacheContents(cache).entries.find((e) => e.kind === 'result')!;
  const head = result.files.find((f) => f.endsWith('.head'))!;
  const part = result.files.find((f) => !f.endsWith('.head'))!;
  const oldTemp = path.join(cache, 'ab', `${'ab'.padEnd(64, '0')}.json.123.k3x.tmp`);
  const newTemp = path.join(path.dirname(head), `${'c'.repeat(64)}.imports.456.zz9.tmp`);
  fs.mkdirSync(path.dirname(oldTemp), { recursive: true });
  fs.writeFileSync(oldTemp, 'x');
  fs.writeFileSync(newTemp, 'y');
  age(oldTemp, LEFTOVER_AGE_MS + 60_000);
  fs.rmSync(head);
  age(part, LEFTOVER_AGE_MS / 2);
  let r = pruneCache(cache, { olderThanMs: 365 * DAY });
  expect(r.leftovers.files).toBe(1);
  expect(fs.existsSync(oldTemp)).toBe(false);
  expect(fs.existsSync(newTemp)).toBe(true);
  expect(fs.existsSync(part)).toBe(true); // may be a scan still writing
  age(part, LEFTOVER_AGE_MS + 60_000);
  r = pruneCache(cache, { olderThanMs: 365 * DAY });
  expect(fs.existsSync(part)).toBe(false);
  expect(r.other.files).toBe(0);
});
