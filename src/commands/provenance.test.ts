/**
 * `gplcheck provenance index` and `gplcheck scan --provenance` in-process, on the real Debian
 * linux-source-6.1 tree: vmkernel/shim/linux_helpers.c holds hex_to_bin() and hex2bin() copied
 * from Linux 6.1 lib/hexdump.c; the scan of ./vmkernel must name the copied lines, the origin
 * lines, its licence and its (absent) copyright lines, in the text and JSON reports.
 */
import Ajv from 'ajv';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { extractNotices } from '../../analyzers/provenance';
import { linuxSourceTree, functionLines } from '../../kernel-symbols/provenance/testing';
import { main } from '../cli';

jest.setTimeout(600_000);

const REPO = path.resolve(__dirname, '../..');
let tmp: string;
let root: string;
let index: string;
let cwd: string;

async function run(...args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((stderr += String(s)), true));
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((stdout += String(s)), true));
  const before = process.exitCode;
  try {
    const code = await main(args);
    return { code, stderr, stdout };
  } finally {
    e.mockRestore();
    o.mockRestore();
    process.exitCode = before;
  }
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-provcli-'));
  root = linuxSourceTree();
  index = path.join(tmp, 'lib.provindex');
  cwd = process.cwd();
  process.chdir(REPO);
  const r = await run('provenance', 'index', root, '--only', 'lib', '--out', index, '--name', 'linux-6.1-lib', '--source-label', 'Debian linux-source-6.1');
  expect(r).toMatchObject({ code: 0 });
  expect(r.stderr).toMatch(/^linux-6\.1-lib: \d+ files, [\d.]+ MB, \d+ tokens -> \d+ fingerprints \(\d+ common left out; k=20, w=20, guaranteed from 39 tokens\); [\d.]+ MB written to .* in [\d.]+ s\n$/);
});

afterAll(() => {
  process.chdir(cwd);
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('scan ./vmkernel --provenance: the shim copy of lib/hexdump.c with origin, licence and copyright', async () => {
  const out = path.join(tmp, 'report.json');
  const r = await run('scan', 'vmkernel', '--no-cache', '--provenance', index, '--format', 'json', '--output', out);
  expect([0, 1]).toContain(r.code);
  const doc = JSON.parse(fs.readFileSync(out, 'utf8'));
  const schema = JSON.parse(fs.readFileSync(path.join(REPO, 'reports/gplcheck-report.schema.json'), 'utf8'));
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  expect(validate.errors ?? (validate(doc) ? null : validate.errors)).toBeNull();

  const helpers = fs.readFileSync(path.join(REPO, 'vmkernel/shim/linux_helpers.c'), 'utf8');
  const hexdump = fs.readFileSync(path.join(root, 'lib/hexdump.c'));
  const copy = [functionLines(helpers, /^int hex_to_bin\(/).start, functionLines(helpers, /^int hex2bin\(/).end];
  const orig = [functionLines(hexdump.toString('utf8'), /^int hex_to_bin\(/).start, functionLines(hexdump.toString('utf8'), /^int hex2bin\(/).end];
  const notices = extractNotices(hexdump);

  expect(doc.provenance.indices).toEqual([{ name: 'linux-6.1-lib', kernel: expect.stringMatching(/^6\.1\.\d+$/), sourceLabel: 'Debian linux-source-6.1', files: expect.any(Number), k: 20, w: 20 }]);
  expect(doc.provenance.minTokens).toBe(60);
  expect(doc.provenance.regions).toEqual([
    {
      unit: 'vmk_shim',
      location: { path: 'vmkernel/shim/linux_helpers.c', line: copy[0], endLine: copy[1] },
      tokens: expect.any(Number),
      share: 1,
      fingerprints: expect.any(Number),
      aligned: true,
      sameIdentifiers: 1,
      origin: {
        index: 'linux-6.1-lib',
        kernel: doc.provenance.indices[0].kernel,
        path: 'lib/hexdump.c',
        line: orig[0],
        endLine: orig[1],
        license: notices.spdx,
        copyright: notices.copyright,
        authors: notices.authors,
      },
    },
  ]);
  expect(notices.spdx).toBe('GPL-2.0-only');
  const f = doc.findings.filter((x: { ruleId: string }) => x.ruleId === 'copied-from-linux');
  expect(f).toHaveLength(1);
  expect(f[0]).toMatchObject({ unit: 'vmk_shim', severity: 'info', symbol: 'hex_to_bin' });
  expect(f[0].locations[0]).toEqual({ path: 'vmkernel/shim/linux_helpers.c', line: copy[0], endLine: copy[1], function: 'hex_to_bin' });
  expect(f[0].message).toContain(`Lines ${copy[0]}-${copy[1]} (hex_to_bin and hex2bin) match Linux ${doc.provenance.indices[0].kernel} lib/hexdump.c:${orig[0]}-${orig[1]} (GPL-2.0-only;`);
  // lib/hexdump.c carries no copyright line in 6.1; the finding says so rather than inventing one
  expect(notices.copyright).toEqual([]);
  expect(f[0].message).toContain('The origin file has no copyright line.');
});

test('text report and --provenance-min-tokens', async () => {
  const text = await run('scan', 'vmkernel', '--no-cache', '--provenance', index, '--format', 'text', '--no-color');
  expect(text.stdout).toMatch(/copied-from-linux +Lines \d+-\d+ \(hex_to_bin and hex2bin\) match Linux/);
  const out = path.join(tmp, 'big.json');
  await run('scan', 'vmkernel', '--no-cache', '--provenance', index, '--provenance-min-tokens', '400', '--format', 'json', '--output', out);
  const doc = JSON.parse(fs.readFileSync(out, 'utf8'));
  expect(doc.provenance.minTokens).toBe(400);
  expect(doc.provenance.regions).toEqual([]);
  expect(doc.findings.some((x: { ruleId: string }) => x.ruleId === 'copied-from-linux')).toBe(false);
});

test('without --provenance the report has no provenance section', async () => {
  const out = path.join(tmp, 'plain.json');
  await run('scan', 'vmkernel/shim', '--no-cache', '--format', 'json', '--output', out);
  expect(JSON.parse(fs.readFileSync(out, 'utf8')).provenance).toBeUndefined();
});

test('usage errors name the file: not an index, a directory, a missing tree', async () => {
  const notIndex = await run('scan', 'vmkernel/shim', '--no-cache', '--provenance', 'vmkernel/shim/linux_helpers.c');
  expect(notIndex.code).toBe(2);
  expect(notIndex.stderr).toBe('gplcheck: vmkernel/shim/linux_helpers.c: not a provenance index (not gzip: incorrect header check)\n');
  const dir = await run('scan', 'vmkernel/shim', '--no-cache', '--provenance', 'vmkernel');
  expect(dir.code).toBe(2);
  expect(dir.stderr).toMatch(/^gplcheck: vmkernel: is a directory; give an index file built with `gplcheck provenance index`/);
  const noTree = await run('provenance', 'index', path.join(tmp, 'no-tree'), '--out', path.join(tmp, 'x.provindex'));
  expect(noTree.code).toBe(2);
  expect(noTree.stderr).toBe(`gplcheck: ${path.join(tmp, 'no-tree')}: no such directory\n`);
  expect(fs.existsSync(path.join(tmp, 'x.provindex'))).toBe(false);
});
