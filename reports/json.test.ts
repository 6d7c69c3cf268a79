/** JSON report: written in pieces, character for character what JSON.stringify gives. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { scanReportInputs } from '../test/report-inputs';
import reporter, { MappedList, toJsonDocument, writeJson } from './json';
import { writeOutputs } from '../src/outputs';

const pieces = (v: unknown): string[] => {
  const out: string[] = [];
  writeJson(v, (c) => out.push(c));
  return out;
};

test('a real report, written in pieces, is JSON.stringify(document, null, 2)', async () => {
  const { result } = await scanReportInputs();
  const expected = JSON.stringify(toJsonDocument(result), null, 2) + '\n';
  expect(pieces(toJsonDocument(result)).join('')).toBe(expected);
  expect(reporter.render(result, {})).toBe(expected);
});

test('edge cases of JSON.stringify are kept', () => {
  const values: unknown[] = [
    null,
    7,
    'a "quoted"\nline',
    [],
    {},
    [undefined, () => 1, 1],
    { a: undefined, b: () => 1, c: [], d: {}, e: { f: [[], {}, [{ g: 'é ✓ \u2028' }]] } },
    { when: new Date('2026-01-01T00:00:00Z'), deep: { a: { b: { c: { d: { e: [1, { f: 2 }] } } } } } },
  ];
  for (const v of values) expect(pieces(v).join('')).toBe(JSON.stringify(v, null, 2) + '\n');
});

test('a large document comes out in several pieces of bounded size', () => {
  const big = { units: Array.from({ length: 60_000 }, (_, i) => ({ id: `unit${i}`, imports: [{ symbol: 'kmalloc', locations: [{ path: `a/b${i}.c`, line: i }] }] })) };
  const out = pieces(big);
  expect(out.length).toBeGreaterThan(3);
  expect(Math.max(...out.map((c) => c.length))).toBeLessThan(2 * (1 << 20));
  expect(out.join('')).toBe(JSON.stringify(big, null, 2) + '\n');
});

test('the CLI writes the JSON report to a file in pieces, the same as the whole string', async () => {
  const { result } = await scanReportInputs();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-json-'));
  try {
    const file = path.join(dir, 'report.json');
    writeOutputs(result, [{ format: 'json', output: file }], {});
    expect(fs.readFileSync(file, 'utf8')).toBe(reporter.render(result, {}));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('units are built one at a time as they are written, and read as the array they stand for', () => {
  let built = 0;
  const items = Array.from({ length: 30_000 }, (_, i) => i);
  const list = new MappedList(items, (i) => {
    built++;
    return { id: `unit${i}`, locations: [{ path: `d/f${i}.c`, line: i + 1 }] };
  });
  const doc = { units: list, empty: new MappedList([], (x) => x) };
  const builtAtFirstPiece: number[] = [];
  const out: string[] = [];
  writeJson(doc, (c) => {
    if (out.length === 0) builtAtFirstPiece.push(built);
    out.push(c);
  });
  expect(builtAtFirstPiece[0]).toBeLessThan(items.length); // the first megabyte left before the rest was built
  expect(out.join('')).toBe(JSON.stringify(doc, null, 2) + '\n');
  expect(JSON.parse(JSON.stringify(doc)).units).toHaveLength(items.length);
});
