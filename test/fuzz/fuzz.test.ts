/**
 * Fuzzing the whole scan with mutations of the project's own fixtures.
 *
 * Corpus: the fixture modules and objects (test/fixtures/modules/build), the ELF reader's test
 * data (elf/testdata: x86-64, i386, big-endian ppc and s390x objects, a module, an executable, a
 * shared library), the C analyser's test sources (analyzers/c/testdata) and the vmkernel sources,
 * plus xz, zstd and gzip compressions of fixture modules made with Debian's tools.
 *
 * Each case takes one corpus file, applies 1-4 mutations (test/fuzz/mutate.ts), sometimes under
 * another file's name (a C file named .ko, an ELF object named .c) or gzip-compressed, and scans
 * it beside intact files with the library API (`scan`, jobs 1, no cache). Harness.problems lists
 * what must hold. Fixed seed; GPLCHECK_FUZZ_SEED and GPLCHECK_FUZZ_RUNS override it.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import fc from 'fast-check';
import { EXTREMES, HEADER_FIELDS, SECTION_FIELDS, SNIPPETS, applyAll, type Mutation } from './mutate';
import { INTACT, REPO, Workspace } from './harness';

const SEED = Number(process.env.GPLCHECK_FUZZ_SEED ?? 20260125);
const RUNS = Number(process.env.GPLCHECK_FUZZ_RUNS ?? 2000);

jest.setTimeout(15 * 60_000);

interface CorpusFile {
  /** where it came from, relative to the repository */
  source: string;
  /** the name it is scanned under */
  name: string;
  data: Buffer;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile()) out.push(p);
  }
  return out;
}

function corpus(tmp: string): CorpusFile[] {
  const excluded = new Set(Object.values(INTACT));
  const rel = (p: string) => path.relative(REPO, p);
  const files = [
    ...walk(path.join(REPO, 'test/fixtures/modules/build')).filter((p) => /\.(ko|o)$/.test(p)),
    ...fs
      .readdirSync(path.join(REPO, 'elf/testdata'), { withFileTypes: true })
      .filter((e) => e.isFile() && !/\.(sh|ts|abi|symvers)$/.test(e.name))
      .map((e) => path.join(REPO, 'elf/testdata', e.name)),
    ...walk(path.join(REPO, 'analyzers/c/testdata')),
    ...walk(path.join(REPO, 'vmkernel')).filter((p) => /\.c$/.test(p)),
  ]
    .filter((p) => !excluded.has(rel(p)) && !/\/(prop_direct|clean_gpl)\//.test(rel(p)))
    .sort();
  const out: CorpusFile[] = files.map((p) => ({ source: rel(p), name: path.basename(p), data: fs.readFileSync(p) }));
  // compressed modules, made by the tools a kernel's `make modules_install` uses
  for (const mod of ['gpl_shim/gpl_shim.ko', 'prop_via_shim/prop_via_shim.ko']) {
    const src = path.join(REPO, 'test/fixtures/modules/build', mod);
    const name = path.basename(mod);
    const xz = path.join(tmp, `${name}.xz`);
    const zst = path.join(tmp, `${name}.zst`);
    fs.writeFileSync(xz, execFileSync('xz', ['--check=crc32', '--lzma2=dict=1MiB', '-c', src]));
    execFileSync('zstd', ['-q', '-f', src, '-o', zst]);
    out.push({ source: `${mod} (xz)`, name: `${name}.xz`, data: fs.readFileSync(xz) });
    out.push({ source: `${mod} (zstd)`, name: `${name}.zst`, data: fs.readFileSync(zst) });
    out.push({ source: `${mod} (gzip)`, name: `${name}.gz`, data: zlib.gzipSync(fs.readFileSync(src)) });
  }
  return out;
}

const frac = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const extreme = fc.constantFrom(...EXTREMES);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: frac, bit: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('byte' as const), at: frac, value: fc.integer({ min: 0, max: 255 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: frac }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('splice' as const),
      at: frac,
      remove: fc.integer({ min: 0, max: 256 }),
      insert: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 64 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), from: frac, to: frac, length: fc.integer({ min: 1, max: 4096 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('header' as const), field: fc.constantFrom(...HEADER_FIELDS), value: extreme, random: fc.nat() }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('section' as const),
      index: fc.nat({ max: 64 }),
      field: fc.constantFrom(...SECTION_FIELDS),
      value: extreme,
      random: fc.nat(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('entry' as const),
      table: fc.constantFrom('rel' as const, 'sym' as const),
      index: fc.nat({ max: 16 }),
      entry: fc.nat(),
      field: fc.nat({ max: 3 }),
      value: extreme,
      random: fc.nat(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('text' as const),
      at: frac,
      snippet: fc.nat({ max: SNIPPETS.length - 1 }),
      repeat: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constantFrom(1000, 20000)),
    }),
  },
);

/** How the mutated bytes are named: as the corpus file, or as a file of another kind. */
const NAMINGS = ['same', 'same', 'same', 'same', 'as-c', 'as-ko', 'as-o', 'gzip', 'no-ext'] as const;

function nameFor(base: string, naming: (typeof NAMINGS)[number]): string {
  const stem = base.replace(/\.(ko|o|so)\.(xz|zst|gz)$/, '').replace(/\.[^.]*$/, '') || 'file';
  switch (naming) {
    case 'same':
      return base;
    case 'as-c':
      return `${stem}.c`;
    case 'as-ko':
      return `${stem}.ko`;
    case 'as-o':
      return `${stem}.o`;
    case 'gzip':
      return /\.(ko|o)$/.test(base) ? `${base}.gz` : base;
    case 'no-ext':
      return stem;
  }
}

let ws: Workspace;
let files: CorpusFile[];
const tmp = fs.mkdtempSync(path.join(require('os').tmpdir(), 'gplcheck-fuzz-corpus-'));

beforeAll(async () => {
  files = corpus(tmp);
  ws = await new Workspace('gplcheck-fuzz-').init();
});

afterAll(() => {
  ws?.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('corpus: fixtures of every kind', () => {
  const kinds = (re: RegExp) => files.filter((f) => re.test(f.name)).length;
  expect(kinds(/\.ko$/)).toBeGreaterThanOrEqual(10);
  expect(kinds(/\.o$/)).toBeGreaterThanOrEqual(10);
  expect(kinds(/\.c$/)).toBeGreaterThanOrEqual(20);
  expect(kinds(/\.ko\.(xz|zst|gz)$/)).toBe(6);
  // 32-bit and big-endian objects are in it
  expect(files.some((f) => f.data[4] === 1)).toBe(true);
  expect(files.some((f) => f.data[5] === 2)).toBe(true);
  expect(ws.baseline.units.length).toBe(3);
  expect(ws.baseline.findings.length).toBeGreaterThan(0);
});

test(`fuzz: ${RUNS} mutated fixtures scanned beside intact files (seed ${SEED})`, async () => {
  const stats = { cases: 0, errors: 0, warned: 0, clean: 0, slowest: 0, slowestCase: '' };
  const t0 = Date.now();
  const arb = fc.record({
    file: fc.nat({ max: files.length - 1 }),
    naming: fc.constantFrom(...NAMINGS),
    mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }),
  });
  await fc.assert(
    fc.asyncProperty(arb, async (c) => {
      const src = files[c.file];
      let data = applyAll(src.data, c.mutations);
      const name = nameFor(src.name, c.naming);
      if (c.naming === 'gzip' && name !== src.name) data = zlib.gzipSync(data);
      const { out, ms, shown } = await ws.scanWith(name, data);
      stats.cases++;
      if (out.result.errors.length) stats.errors++;
      else if (out.result.warnings.length) stats.warned++;
      else stats.clean++;
      if (ms > stats.slowest) {
        stats.slowest = ms;
        stats.slowestCase = `${src.source} as ${name}`;
      }
      const problems = ws.problems(out, shown, ms);
      if (problems.length) throw new Error(`${src.source} as ${name}, ${JSON.stringify(c.mutations)}:\n${problems.join('\n')}`);
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );
  const line =
    `fuzz: ${stats.cases} cases, seed ${SEED}, ${((Date.now() - t0) / 1000).toFixed(1)} s; ` +
    `${stats.errors} reported an error, ${stats.warned} warnings only, ${stats.clean} read cleanly; ` +
    `slowest ${stats.slowest.toFixed(0)} ms (${stats.slowestCase})\n`;
  process.stdout.write(line);
  expect(stats.cases).toBe(RUNS);
});
