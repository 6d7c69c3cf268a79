/** The per-file facts cache's entries: exact round trips, and what a torn entry gives. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { FileFacts } from '../analyzers/facts';
import { analyzeBuffer } from './analyze';
import { FactsCache } from './cache';

const REPO = path.resolve(__dirname, '..');
let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-cache-'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const cache = () => new FactsCache(dir, { toolVersion: 'test', database: 'x' });
const entryFile = (key: string) => path.join(dir, key.slice(0, 2), `${key}.json`);

/** Facts of a file of this repository, named `shown`. */
function factsOf(file: string, shown = file): FileFacts {
  const r = analyzeBuffer(shown, fs.readFileSync(path.join(REPO, file)));
  if (r.kind !== 'facts') throw new Error(`${file}: no facts`);
  return r.facts;
}

test('a C file\'s facts come back as they went in, in fewer bytes', () => {
  // as named when a tree is given by its absolute path
  const file = 'vmkernel/vmm/kvm.c';
  const shown = '/home/builder/src/linux-6.1/drivers/net/ethernet/vendor/kvm.c';
  const facts = factsOf(file, shown);
  const c = cache();
  const key = c.key(fs.readFileSync(path.join(REPO, file)), shown);
  c.put(key, facts);
  expect(JSON.stringify(c.get(key))).toBe(JSON.stringify(facts));
  const plain = JSON.stringify(facts).length;
  expect(plain).toBeGreaterThan(10_000);
  expect(fs.statSync(entryFile(key)).size).toBeLessThan(plain * 0.7);
});

test('paths that JSON escapes, and the marker text inside strings, come back unchanged', () => {
  const odd = 'dir "quoted"\\back\\slash/{"path":0,.c';
  const facts = factsOf('vmkernel/vmm/kvm.c');
  const moved = JSON.parse(JSON.stringify(facts).split(JSON.stringify(facts.path)).join(JSON.stringify(odd))) as FileFacts;
  expect(moved.path).toBe(odd);
  if (moved.analyzer !== 'c') throw new Error('not C facts');
  moved.macros.push({ name: 'M', body: '{"path":0, "x"}', location: { path: odd, line: 1, column: 1 }, calls: [] } as unknown as (typeof moved.macros)[number]);
  const c = cache();
  const key = c.key(Buffer.from('odd'), odd);
  c.put(key, moved);
  expect(JSON.stringify(c.get(key))).toBe(JSON.stringify(moved));
});

test('a torn or foreign entry is a miss', () => {
  const c = cache();
  for (const [i, text] of ['', '"a.c"', 'not json\n{}', '"a.c"\n{"analyzer":'].entries()) {
    const key = c.key(Buffer.from(String(i)), 'a.c');
    fs.mkdirSync(path.dirname(entryFile(key)), { recursive: true });
    fs.writeFileSync(entryFile(key), text);
    expect(c.get(key)).toBeUndefined();
  }
});
