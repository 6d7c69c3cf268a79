/**
 * Provenance against the real Linux 6.1 tree (Debian linux-source-6.1, unpacked under the
 * cache): an index of lib/ and include/linux is built once (testing.ts) and real kernel
 * functions are copied into scanned files verbatim, renamed and re-wrapped, and partly
 * rewritten. Each must be found with the right origin file and lines; code written
 * independently for the same purpose, and the project's own sources, must not.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import type { ProvenanceMatch } from '../../analyzers/facts';
import { extractNotices, tokenize } from '../../analyzers/provenance';
import { buildProvenanceIndex, listSources } from './build';
import { decodeIndex, encodeIndex, PROVENANCE_MAGIC, ProvenanceIndexError } from './format';
import { loadProvenanceIndex, ProvenanceIndex } from './load';
import { DEFAULT_MIN_TOKENS, matchSource } from './match';
import { originLines } from './origin';
import { functionLines, testIndex } from './testing';

jest.setTimeout(600_000);

const REPO = path.resolve(__dirname, '../..');
let index: ProvenanceIndex;
let indexFile: string;
let root: string;
let tmp: string;

beforeAll(async () => {
  ({ index, file: indexFile, root } = await testIndex());
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-prov-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const origin = (rel: string): string => fs.readFileSync(path.join(root, rel), 'utf8');

/** The scanned text: a header of `pre` lines (comments and includes, no tokens) then `body`. */
function scanned(body: string, pre = ['/* a driver of our own */', '#include <linux/types.h>', '']): { text: string; firstLine: number } {
  return { text: `${pre.join('\n')}\n${body}\n`, firstLine: pre.length + 1 };
}

function match(name: string, text: string, opts = {}): ProvenanceMatch[] {
  return matchSource(name, Buffer.from(text), [index], opts).matches;
}

describe('index of lib/ and include/linux of the real tree', () => {
  test('header: counts, parameters, notices of real files', () => {
    const m = index.meta;
    expect(m.kernel).toMatch(/^6\.1\.\d+$/);
    expect(m.only).toEqual(['lib', 'include/linux']);
    expect(m.counts.files).toBe(listSources(root, ['lib', 'include/linux']).length);
    expect(m.counts.files).toBeGreaterThan(2500);
    expect(m.counts.postings).toBeGreaterThan(50_000);
    expect(m.k).toBe(20);
    expect(m.w).toBe(20);
    const sh = index.file(index.fileId('lib/string_helpers.c'));
    expect(sh.spdx).toBe('GPL-2.0-only');
    expect(sh.copyright).toEqual(extractNotices(Buffer.from(origin('lib/string_helpers.c'))).copyright);
    expect(sh.copyright.some((c) => /James Bottomley/.test(c))).toBe(true);
    expect(index.fileId('lib/no-such-file.c')).toBe(-1);
  });

  test('format: decode(encode(x)) gives x back, byte for byte on re-encoding', () => {
    const gz = fs.readFileSync(indexFile);
    const d = decodeIndex(indexFile, gz);
    expect(encodeIndex(d).equals(gz)).toBe(true);
    expect(d.hashes.length).toBe(d.header.counts.postings);
    // lines never go backwards inside a file
    let i = 0;
    for (let f = 0; f < d.perFile.length; f++) {
      for (let j = 1; j < d.perFile[f]; j++) expect(d.lines[i + j]).toBeGreaterThanOrEqual(d.lines[i + j - 1]);
      i += d.perFile[f];
    }
  });

  test('bad index files are typed errors naming the file', () => {
    const gz = fs.readFileSync(indexFile);
    const raw = zlib.gunzipSync(gz);
    const cases: [string, Buffer, RegExp][] = [
      ['not-gzip.provindex', Buffer.from('hello'), /not a provenance index \(not gzip/],
      ['magic.provindex', zlib.gzipSync(Buffer.from('PK\u0003\u0004 something else entirely')), /bad magic/],
      ['version.provindex', zlib.gzipSync(Buffer.concat([PROVENANCE_MAGIC, Buffer.from([9, 0, 0, 0, 0, 0, 0, 0])])), /format version 9; this gplcheck reads version 1/],
      ['truncated.provindex', zlib.gzipSync(raw.subarray(0, raw.length - 1000)), /truncated|unexpected bytes/],
      ['extra.provindex', zlib.gzipSync(Buffer.concat([raw, Buffer.from([1, 2, 3])])), /3 unexpected bytes after the line table/],
    ];
    for (const [name, bytes, re] of cases) {
      const f = path.join(tmp, name);
      fs.writeFileSync(f, bytes);
      expect(() => loadProvenanceIndex(f)).toThrow(ProvenanceIndexError);
      expect(() => loadProvenanceIndex(f)).toThrow(new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*`));
      try {
        loadProvenanceIndex(f);
      } catch (e) {
        expect((e as Error).message).toMatch(re);
      }
    }
    expect(() => loadProvenanceIndex(tmp)).toThrow(/is a directory/);
    expect(() => loadProvenanceIndex(path.join(tmp, 'absent'))).toThrow(/cannot read provenance index \(ENOENT\)/);
  });

  test('building: a missing tree or an empty part is an error naming it', async () => {
    await expect(buildProvenanceIndex(path.join(tmp, 'nope'))).rejects.toThrow(/nope: no such directory/);
    await expect(buildProvenanceIndex(root, { only: ['no/such/dir'] })).rejects.toThrow(/no such file or directory in the tree/);
    fs.mkdirSync(path.join(tmp, 'empty'));
    await expect(buildProvenanceIndex(path.join(tmp, 'empty'))).rejects.toThrow(/no \.c or \.h files found/);
  });

  test('building in the calling thread and in worker threads gives the same bytes', async () => {
    const one = await buildProvenanceIndex(root, { only: ['lib/math', 'include/linux/list.h'], threads: 0 });
    const two = await buildProvenanceIndex(root, { only: ['lib/math', 'include/linux/list.h'], threads: 2 });
    expect(two.bytes.equals(one.bytes)).toBe(true);
    expect(one.header.counts.files).toBe(listSources(root, ['lib/math', 'include/linux/list.h']).length);
  });
});

describe('copies of real kernel functions are found with origin and lines', () => {
  test('verbatim: lib/sort.c sort_r()', () => {
    const fn = functionLines(origin('lib/sort.c'), /^void sort_r\(/);
    const { text, firstLine } = scanned(fn.text);
    const ms = match('drv/sort_copy.c', text);
    expect(ms).toHaveLength(1);
    const m = ms[0];
    expect(m.origin.path).toBe('lib/sort.c');
    expect([m.origin.line, m.origin.endLine]).toEqual([fn.start, fn.end]);
    expect([m.location.line, m.location.endLine]).toEqual([firstLine, firstLine + fn.end - fn.start]);
    expect(m.share).toBe(1);
    expect(m.sameIdentifiers).toBe(1);
    expect(m.aligned).toBe(true);
    expect(m.origin.license).toBe('GPL-2.0');
    expect(m.origin.kernel).toBe(index.meta.kernel);
    // the side-by-side helper returns exactly the origin's lines
    const o = originLines(m, [index]);
    expect(o?.lines.join('\n')).toBe(fn.text);
    expect(o?.unchanged).toBe(true);
    expect(originLines(m, [index], { context: 2 })?.lines).toHaveLength(fn.end - fn.start + 5);
    expect(originLines(m, [index], { root: tmp })).toBeUndefined();
  });

  test('identifiers renamed and lines re-wrapped: lib/string_helpers.c string_get_size()', () => {
    const fn = functionLines(origin('lib/string_helpers.c'), /^void string_get_size\(/);
    const renames: Record<string, string> = {
      string_get_size: 'my_fmt_size', size: 'nbytes', blk_size: 'unit_sz', units: 'base_kind', buf: 'outp', len: 'outlen',
      units_10: 'dec_names', units_2: 'bin_names', units_str: 'names_by_kind', divisor: 'steps', rounding: 'round_add',
      remainder: 'rest', sf_cap: 'cap', tmp: 'frac', unit: 'suffix', i: 'lvl', j: 'digits',
    };
    let body = fn.text.replace(/\b[A-Za-z_]\w*\b/g, (w) => renames[w] ?? w);
    // re-wrap: join every statement line pair and re-indent with spaces
    body = body
      .split('\n')
      .map((l) => l.replace(/^\t+/, (t) => '  '.repeat(t.length)))
      .join('\n')
      .replace(/;\n\s+(?=[a-z])/g, '; ')
      .replace(/, /g, ',\n      ');
    const { text, firstLine } = scanned(body);
    const ms = match('drv/size.c', text);
    expect(ms).toHaveLength(1);
    const m = ms[0];
    expect(m.origin.path).toBe('lib/string_helpers.c');
    expect([m.origin.line, m.origin.endLine]).toEqual([fn.start, fn.end]);
    expect(m.location.line).toBe(firstLine);
    expect(m.location.endLine).toBe(text.split('\n').length - 1);
    expect(m.share).toBe(1);
    expect(m.sameIdentifiers!).toBeLessThan(0.5);
    expect(m.origin.copyright.length).toBe(2);
  });

  test('partly rewritten: lib/list_sort.c list_sort() with its merge step and one call replaced', () => {
    const fn = functionLines(origin('lib/list_sort.c'), /^void list_sort\(/);
    const src = fn.text;
    const rewritten = src
      .replace(
        /\t\tfor \(bits = count; bits & 1; bits >>= 1\)\n\t\t\ttail = &\(\*tail\)->prev;\n[^]*?\t\t\t\*tail = a;\n\t\t\}\n/,
        '\t\tbits = count;\n\t\twhile ((bits & 1) != 0) {\n\t\t\ttail = &tail[0]->prev;\n\t\t\tbits = bits / 2;\n\t\t}\n\t\tif (bits != 0)\n\t\t\tcombine_two(tail, priv, cmp);\n',
      )
      .replace(/\t\tlist = merge\(priv, cmp, pending, list\);\n/, '\t\tlist = merge_lists(cmp, priv, pending, list, 0);\n');
    expect(rewritten.match(/combine_two|merge_lists/g)).toEqual(['combine_two', 'merge_lists']);
    const { text, firstLine } = scanned(rewritten);
    const ms = match('drv/lsort.c', text);
    // the copied parts on both sides of the rewritten merge step are found, each with its
    // origin lines; the rewritten lines are claimed by no region
    expect(ms.length).toBeGreaterThanOrEqual(1);
    for (const m of ms) expect(m.origin.path).toBe('lib/list_sort.c');
    const lastEditOrigin = fn.start + src.split('\n').findIndex((l) => /list = merge\(priv, cmp, pending, list\)/.test(l));
    const copyLines = text.split('\n');
    const lastEditCopy = 1 + copyLines.findIndex((l) => /merge_lists/.test(l));
    const blockCopy = 1 + copyLines.findIndex((l) => /combine_two/.test(l));
    const first = ms[0];
    const last = ms[ms.length - 1];
    expect([first.origin.line, first.location.line]).toEqual([fn.start, firstLine]);
    // up to the last rewritten line: the lines after it (fewer than k tokens) are too short
    // to be told from any other code
    expect(last.origin.endLine).toBeGreaterThanOrEqual(lastEditOrigin - 1);
    expect(last.origin.endLine).toBeLessThanOrEqual(lastEditOrigin);
    expect(last.location.endLine).toBeGreaterThanOrEqual(lastEditCopy - 1);
    expect(last.location.endLine).toBeLessThanOrEqual(lastEditCopy);
    for (const m of ms) expect(blockCopy < m.location.line! || blockCopy > m.location.endLine!).toBe(true);
    // regions in order on both sides, each mostly identical
    for (let i = 1; i < ms.length; i++) {
      expect(ms[i].location.line!).toBeGreaterThan(ms[i - 1].location.endLine!);
      expect(ms[i].origin.line).toBeGreaterThan(ms[i - 1].origin.endLine);
    }
    const copied = ms.reduce((a, m) => a + m.tokens, 0);
    const total = tokenize(Buffer.from(rewritten)).length;
    expect(copied / total).toBeGreaterThan(0.6);
    expect(copied / total).toBeLessThan(0.95);
    for (const m of ms) expect(m.sameIdentifiers!).toBeGreaterThan(0.75);
  });

  test('two copies from two files in one scanned file are two regions', () => {
    const a = functionLines(origin('lib/sort.c'), /^void sort_r\(/);
    const b = functionLines(origin('lib/string_helpers.c'), /^void string_get_size\(/);
    const text = `${a.text}\n\nint mine(int x)\n{\n\treturn x * 3;\n}\n\n${b.text}\n`;
    const ms = match('drv/both.c', text);
    expect(ms.map((m) => [m.origin.path, m.origin.line, m.location.line])).toEqual([
      ['lib/sort.c', a.start, 1],
      ['lib/string_helpers.c', b.start, a.end - a.start + 8],
    ]);
  });

  test('several indices: one region, the best origin first, the same code in the other index as alsoIn', async () => {
    const other = await buildProvenanceIndex(root, { only: ['lib/sort.c'], name: 'linux-6.1-sort-only', threads: 0 });
    const f = path.join(tmp, 'sort-only.provindex');
    fs.writeFileSync(f, other.bytes);
    const second = loadProvenanceIndex(f);
    const fn = functionLines(origin('lib/sort.c'), /^void sort_r\(/);
    const { text } = scanned(fn.text);
    for (const [order, first, also] of [
      [[index, second], index.name, second.name],
      [[second, index], second.name, index.name],
    ] as const) {
      const r = matchSource('drv/sort_copy.c', Buffer.from(text), order);
      expect(r.indices).toEqual(order.map((i) => i.name));
      expect(r.matches).toHaveLength(1);
      expect(r.matches[0].origin).toMatchObject({ index: first, path: 'lib/sort.c', line: fn.start, endLine: fn.end });
      expect(r.matches[0].alsoIn).toEqual([{ index: also, path: 'lib/sort.c', line: expect.any(Number), endLine: expect.any(Number) }]);
      expect(originLines(r.matches[0], order)?.lines.join('\n')).toBe(fn.text);
    }
  });

  test('without the tree, bounds come from fingerprints and stay inside the copy', () => {
    const fn = functionLines(origin('lib/sort.c'), /^void sort_r\(/);
    const { text, firstLine } = scanned(fn.text);
    const ms = match('drv/sort_copy.c', text, { refine: false });
    expect(ms).toHaveLength(1);
    expect(ms[0].aligned).toBeUndefined();
    expect(ms[0].origin.line).toBeGreaterThanOrEqual(fn.start);
    expect(ms[0].origin.endLine).toBeLessThanOrEqual(fn.end);
    expect(ms[0].location.line).toBeGreaterThanOrEqual(firstLine);
    expect(ms[0].share).toBe(1);
  });

  test('--provenance-min-tokens: a region shorter than the minimum is not reported', () => {
    const fn = functionLines(origin('lib/sort.c'), /^void sort_r\(/);
    const tokens = tokenize(Buffer.from(fn.text)).length;
    expect(match('a.c', fn.text, { minTokens: tokens })).toHaveLength(1);
    expect(match('a.c', fn.text, { minTokens: tokens + 1 })).toHaveLength(0);
  });
});

describe('no false matches', () => {
  test('code written independently for the same purpose is not found', () => {
    const f = path.join(__dirname, 'testdata/independent.c');
    const r = matchSource(f, fs.readFileSync(f), [index]);
    expect(r.tokens).toBeGreaterThan(800);
    expect(r.matches).toEqual([]);
    // not even with a much lower minimum
    expect(matchSource(f, fs.readFileSync(f), [index], { minTokens: 30 }).matches).toEqual([]);
  });

  test("the project's own C sources match nothing (except the shim's declared copy of lib/hexdump.c)", () => {
    const roots = ['test/fixtures/modules/src', 'vmkernel', 'analyzers/c/testdata', 'elf/testdata'].map((r) => path.join(REPO, r));
    const files: string[] = [];
    const walk = (p: string): void => {
      if (!fs.existsSync(p)) return;
      if (fs.statSync(p).isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
      else if (/\.[ch]$/.test(p) && !p.endsWith('.mod.c')) files.push(p);
    };
    roots.forEach(walk);
    expect(files.length).toBeGreaterThan(40);
    let tokens = 0;
    const found: string[] = [];
    for (const f of files) {
      const r = matchSource(path.relative(REPO, f), fs.readFileSync(f), [index]);
      tokens += r.tokens;
      for (const m of r.matches) found.push(`${m.location.path}:${m.location.line} <- ${m.origin.path}:${m.origin.line}`);
    }
    expect(tokens).toBeGreaterThan(10_000);
    const helpers = fs.readFileSync(path.join(REPO, 'vmkernel/shim/linux_helpers.c'), 'utf8');
    const hexdump = origin('lib/hexdump.c');
    const copyStart = functionLines(helpers, /^int hex_to_bin\(/).start;
    const originStart = functionLines(hexdump, /^int hex_to_bin\(/).start;
    expect(found).toEqual([`vmkernel/shim/linux_helpers.c:${copyStart} <- lib/hexdump.c:${originStart}`]);
  });

  test('repetitive tables and declaration lists are not evidence', () => {
    const table = `static const struct { int v; const char *n; } t[] = {\n${Array.from({ length: 60 }, (_, i) => `\t{ ${i}, "n${i}" },`).join('\n')}\n};\n`;
    const protos = Array.from({ length: 40 }, (_, i) => `extern int f${i}(struct s${i} *p, unsigned long flags);`).join('\n');
    expect(match('t.c', table, { minTokens: 30 })).toEqual([]);
    expect(match('p.h', protos, { minTokens: 30 })).toEqual([]);
  });
});

test(`default minimum region is ${DEFAULT_MIN_TOKENS} tokens`, () => {
  expect(DEFAULT_MIN_TOKENS).toBe(60);
});
