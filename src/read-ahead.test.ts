/**
 * The read-ahead thread against the files themselves, and a scan that uses it against one that
 * does not (--jobs 1): same facts, same errors, same reports.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { execFileSync } from 'child_process';
import { loadDatabase } from '../kernel-symbols';
import { REPORTERS } from '../reports';
import { READ_AHEAD_BATCHES, ReadAhead, SLOT_BYTES, type FileToRead } from './read-ahead';
import { readCandidate } from './read';
import { scan } from './scan';

jest.setTimeout(120_000);

const REPO = path.resolve(__dirname, '..');
const BUILD = path.join(REPO, 'test/fixtures/modules/build');
const modules = fs
  .readdirSync(BUILD)
  .filter((d) => fs.existsSync(path.join(BUILD, d, `${d}.ko`)))
  .sort()
  .map((d) => path.join(BUILD, d, `${d}.ko`));

let tmp: string;
/** Files of every kind the thread meets, in batches as a scan makes them. */
let batches: FileToRead[][];

beforeAll(() => {
  if (!fs.existsSync(path.join(REPO, 'dist/src/read-ahead-thread.js'))) throw new Error('run `npm run build` first: the thread runs dist/src/read-ahead-thread.js');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-read-ahead-'));
  const files: string[] = [];
  const put = (name: string, data: Buffer | string): void => {
    fs.writeFileSync(path.join(tmp, name), data);
    files.push(name);
  };
  // 150 real modules under names of their own, and between them:
  for (let i = 0; i < 150; i++) {
    const m = modules[i % modules.length];
    put(`m${String(i).padStart(3, '0')}_${path.basename(m)}`, fs.readFileSync(m));
    if (i % 25 === 3) put(`notes${i}.txt`, 'not a binary\n'); // unknown name, no ELF magic: not read
    if (i % 40 === 7) put(`bad${i}.ko`, 'no ELF here\n'); // an object by name, not ELF: an error
  }
  // compressed modules: decompressed from the ring after the read
  put('packed.ko.gz', zlib.gzipSync(fs.readFileSync(modules[0])));
  put('packed.ko.xz', execFileSync('xz', ['--check=crc32', '-c', modules[2]]));
  put('packed.ko.zst', execFileSync('zstd', ['-q', '-c', modules[3]]));
  put('huge.ko', Buffer.alloc(SLOT_BYTES + 1, 1)); // larger than a slot: left to the scan's thread
  put('empty.ko', Buffer.alloc(0));
  fs.mkdirSync(path.join(tmp, 'sub'));
  put('sub/nested.ko', fs.readFileSync(modules[1]));
  files.sort();
  batches = [];
  for (let i = 0; i < files.length; i += 32) batches.push(files.slice(i, i + 32).map((f) => ({ path: f, absolute: path.join(tmp, f) })));
  batches[1].push({ path: 'vanished.ko', absolute: path.join(tmp, 'vanished.ko') }); // gone since discovery: an error
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A started thread given `batches` (it takes some tens of milliseconds to start). */
async function started(files: FileToRead[][]): Promise<ReadAhead> {
  const r = ReadAhead.start();
  if (!r) throw new Error('no read-ahead thread');
  r.begin(files);
  for (let i = 0; i < 200 && !r.started; i++) await new Promise((res) => setTimeout(res, 10));
  expect(r.started).toBe(true);
  return r;
}

test('gives each file as readCandidate reads it, or leaves it to the caller', async () => {
  const r = await started(batches);
  let read = 0;
  const left: string[] = [];
  try {
    for (let b = 0; b < batches.length; b++) {
      const got = r.take(b);
      expect(got).toHaveLength(batches[b].length);
      batches[b].forEach((f, i) => {
        const want = readCandidate(f.absolute, f.path);
        const have = got![i];
        if (have === undefined) {
          left.push(f.path);
          // left: what the thread does not read plainly (errors, files larger than a slot)
          expect(Buffer.isBuffer(want) && want.length <= SLOT_BYTES).toBe(false);
        } else if (have === null) {
          expect(want).toBeNull();
        } else {
          read++;
          expect(Buffer.isBuffer(want)).toBe(true);
          expect(have.equals(want as Buffer)).toBe(true);
        }
      });
      r.done(b);
    }
  } finally {
    r.close();
  }
  expect(read).toBeGreaterThanOrEqual(150);
  expect(left).toEqual(['huge.ko', 'vanished.ko']);
});

test('never reads into the slot of a batch the caller still uses', async () => {
  const r = await started(batches);
  try {
    const first = r.take(0)!;
    const copies = first.map((x) => (Buffer.isBuffer(x) ? Buffer.from(x) : x));
    // let the thread read as far ahead as it may, and try to make it go further
    await new Promise((res) => setTimeout(res, 300));
    for (let b = 1; b <= READ_AHEAD_BATCHES; b++) r.take(b);
    await new Promise((res) => setTimeout(res, 300));
    first.forEach((x, i) => {
      if (Buffer.isBuffer(x)) expect(x.equals(copies[i] as Buffer)).toBe(true);
    });
  } finally {
    r.close();
  }
});

test('gives nothing before it has begun, nor once closed', async () => {
  const r = ReadAhead.start()!;
  expect(r.take(0)).toBeUndefined(); // nothing given to read
  r.begin(batches);
  r.close();
  expect(r.started).toBe(false);
  expect(r.take(0)).toBeUndefined();
  expect(() => r.begin(batches)).toThrow(/twice/);
});

test('a scan that reads ahead reports exactly what one that does not reports', async () => {
  const db = loadDatabase('6.1');
  const render = (x: Awaited<ReturnType<typeof scan>>['result']) => REPORTERS.json.render(x, {}) + REPORTERS.text.render(x, {});
  const options = { db, cwd: tmp, now: new Date('2026-01-01T00:00:00Z'), command: 'gplcheck scan .', cache: false as const };
  const one = await scan(['.'], { ...options, jobs: 1 });
  const two = await scan(['.'], { ...options, jobs: 2 });
  expect(two.result.stats.files).toBe(one.result.stats.files);
  expect(one.result.units.length).toBeGreaterThanOrEqual(150);
  expect(one.result.errors.map((e) => e.path)).toEqual(expect.arrayContaining(['bad7.ko', 'huge.ko', 'empty.ko']));
  for (const packed of ['packed.ko.gz', 'packed.ko.xz', 'packed.ko.zst']) {
    expect(two.result.errors.filter((e) => e.path === packed)).toEqual([]);
    expect(two.result.units.some((u) => u.paths.includes(packed))).toBe(true);
  }
  expect(render(two.result)).toBe(render(one.result));
});
