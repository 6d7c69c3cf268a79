/**
 * Baseline round trip through the command, on copies of the real module fixtures (sources and
 * the objects built from them): write a baseline, refuse it while reasons are empty, accept
 * after review, survive an unrelated edit, report a new module's findings as new, report stale
 * entries when a module goes away, and prune them.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../src/cli';
import { readBaseline, type BaselineFile } from '../src/baseline';

jest.setTimeout(180_000);

const REPO = path.resolve(__dirname, '..');
const FIX = path.join(REPO, 'test/fixtures/modules');

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

async function gplcheck(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((stdout += String(s)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((stderr += String(s)), true));
  const saved = process.exitCode;
  try {
    const code = await main([...args]);
    return { code, stdout, stderr };
  } finally {
    process.exitCode = saved;
    out.mockRestore();
    err.mockRestore();
  }
}

function copyModule(name: string, into: string): void {
  for (const part of ['src', 'build']) fs.cpSync(path.join(FIX, part, name), path.join(into, name, part), { recursive: true });
}

let dir: string;
let tree: string;
let file: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-baseline-'));
  tree = path.join(dir, 'tree');
  file = path.join(dir, 'gplcheck-baseline.json');
  for (const m of ['prop_direct', 'gpl_shim', 'prop_via_shim', 'clean_gpl']) copyModule(m, tree);
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const scanArgs = (...more: string[]) => ['scan', tree, '--no-cache', '-j', '1', '--baseline', file, ...more];

test('round trip: write, refuse empty reasons, accept, edit, new finding, stale, prune', async () => {
  // 1. write the baseline: every finding, reason "" and an instruction
  const w = await gplcheck('baseline', tree, '--output', file, '--no-cache', '-j', '1');
  expect(w.code).toBe(0);
  expect(w.stdout).toBe('');
  const written = JSON.parse(fs.readFileSync(file, 'utf8')) as BaselineFile;
  expect(written.format).toBe('gplcheck-baseline');
  expect(written.instructions).toContain('"reason"');
  expect(written.entries.length).toBeGreaterThan(3);
  expect(written.entries.every((e) => e.reason === '')).toBe(true);
  expect(written.entries.map((e) => e.unit)).toEqual(expect.arrayContaining(['prop_direct', 'prop_via_shim']));
  expect(w.stderr).toContain(`wrote ${written.entries.length} entries to ${file}`);
  // no line numbers in the entries
  expect(JSON.stringify(written.entries)).not.toMatch(/"line"/);

  // 2. a scan with empty reasons is a usage error naming the file and the entry
  const refused = await gplcheck(...scanArgs());
  expect(refused.code).toBe(2);
  const first = written.entries[0];
  expect(refused.stderr).toContain(`baseline ${file}: entry 1 (${first.ruleId}, unit ${first.unit}`);
  expect(refused.stderr).toContain('has an empty "reason"');
  expect(refused.stderr).toContain(`and ${written.entries.length - 1} more entries without a reason`);
  expect(refused.stdout).toBe('');

  // 3. after review: every finding accepted, nothing reaches --fail-on
  const reviewed: BaselineFile = { ...written, entries: written.entries.map((e, i) => ({ ...e, reason: `reviewed in LEGAL-${100 + i}` })) };
  fs.writeFileSync(file, JSON.stringify(reviewed, null, 2));
  const sarif = path.join(dir, 'r.sarif');
  const accepted = await gplcheck(...scanArgs('--format', 'sarif', '--output', sarif, '--quiet'));
  expect(accepted.code).toBe(0);
  expect(accepted.stdout).toBe('');
  expect(accepted.stderr).toBe('');
  const run = JSON.parse(fs.readFileSync(sarif, 'utf8')).runs[0];
  expect(run.results.length).toBe(written.entries.length);
  for (const r of run.results) {
    expect(r.baselineState).toBe('unchanged');
    expect(r.suppressions).toEqual([{ kind: 'external', status: 'accepted', justification: expect.stringMatching(/^reviewed in LEGAL-\d+$/) }]);
  }
  const summary = await gplcheck(...scanArgs('--format', 'json', '--output', path.join(dir, 'r.json')));
  expect(summary.stderr).toContain(`baseline ${file}: 0 new, ${written.entries.length} accepted, 0 stale`);

  // 4. an unrelated edit moves lines: still accepted
  const src = path.join(tree, 'prop_direct/src/prop_direct.c');
  const text = fs.readFileSync(src, 'utf8');
  const nl = text.indexOf('\n') + 1;
  fs.writeFileSync(src, text.slice(0, nl) + '/* reformatted\n * by an unrelated change\n */\n' + text.slice(nl));
  const edited = await gplcheck(...scanArgs('--format', 'json', '--output', path.join(dir, 'r.json')));
  expect(edited.code).toBe(0);
  expect(edited.stderr).toContain(`0 new, ${written.entries.length} accepted, 0 stale`);

  // 5. a new module: its findings are new and fail the scan; the accepted ones still do not
  copyModule('mit_only', tree);
  const fresh = await gplcheck(...scanArgs('--format', 'sarif', '--output', sarif, '--format', 'markdown'));
  expect(fresh.code).toBe(1);
  const run2 = JSON.parse(fs.readFileSync(sarif, 'utf8')).runs[0];
  const isNew = run2.results.filter((r: Json) => r.baselineState === 'new');
  expect(isNew.length).toBeGreaterThan(0);
  expect(new Set(isNew.map((r: Json) => r.properties.unit))).toEqual(new Set(['mit_only']));
  expect(isNew.some((r: Json) => r.ruleId === 'gpl-only-symbol' && r.properties.symbol === 'ktime_get')).toBe(true);
  expect(fresh.stderr).toContain(`baseline ${file}: ${isNew.length} new, ${written.entries.length} accepted, 0 stale`);
  // the audit report on stdout says which are new and why the others were accepted
  expect(fresh.stdout).toContain('**new** (not in the baseline)');
  expect(fresh.stdout).toContain('> Accepted because: reviewed in LEGAL-');

  // 6. a module goes away: its entries are stale; --prune rewrites the file without them
  fs.rmSync(path.join(tree, 'prop_direct'), { recursive: true });
  const staleCount = written.entries.filter((e) => e.unit === 'prop_direct').length;
  expect(staleCount).toBeGreaterThan(0);
  const stale = await gplcheck(...scanArgs('--format', 'json', '--output', path.join(dir, 'r.json'), '--fail-on', 'none'));
  expect(stale.code).toBe(0);
  expect(stale.stderr).toContain(`${staleCount} stale (run with --prune to drop stale entries)`);
  expect(readBaseline(file).entries).toHaveLength(written.entries.length); // not pruned without --prune

  const pruned = await gplcheck(...scanArgs('--format', 'json', '--output', path.join(dir, 'r.json'), '--fail-on', 'none', '--prune'));
  expect(pruned.code).toBe(0);
  expect(pruned.stderr).toContain(`pruned ${staleCount} stale entries from ${file}`);
  const after = readBaseline(file, { requireReasons: true });
  expect(after.entries).toHaveLength(written.entries.length - staleCount);
  expect(after.entries.some((e) => e.unit === 'prop_direct')).toBe(false);
  // reasons survive the rewrite
  expect(after.entries.every((e) => /^reviewed in LEGAL-\d+$/.test(e.reason))).toBe(true);
  const again = await gplcheck(...scanArgs('--format', 'json', '--output', path.join(dir, 'r.json'), '--fail-on', 'none'));
  expect(again.stderr).toContain(' 0 stale');

  // 7. regenerating the baseline keeps the reasons written so far; new entries start empty
  const regen = await gplcheck('baseline', tree, '--output', file, '--no-cache', '-j', '1');
  expect(regen.code).toBe(0);
  const b2 = readBaseline(file);
  const kept = b2.entries.filter((e) => e.reason !== '');
  expect(kept).toHaveLength(after.entries.length);
  expect(b2.entries.filter((e) => e.reason === '').every((e) => e.unit === 'mit_only')).toBe(true);
  expect(regen.stderr).toContain(`(${kept.length} reasons kept from the previous file)`);
});

test('unusable baseline files are usage errors that name the file', async () => {
  const missing = await gplcheck('scan', tree, '--no-cache', '--baseline', path.join(dir, 'nope.json'));
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain(`baseline ${path.join(dir, 'nope.json')}: no such file`);
  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(bad, '{"format": "something-else"}');
  const wrong = await gplcheck('scan', tree, '--no-cache', '--baseline', bad);
  expect(wrong.code).toBe(2);
  expect(wrong.stderr).toContain(`baseline ${bad}: not a gplcheck baseline`);
  fs.writeFileSync(bad, '{ not json');
  expect((await gplcheck('scan', tree, '--no-cache', '--baseline', bad)).stderr).toContain(`baseline ${bad}: not JSON`);
  // `gplcheck baseline` refuses to overwrite a file that is not a baseline
  const other = path.join(dir, 'notes.json');
  fs.writeFileSync(other, '{"mine": true}');
  const over = await gplcheck('baseline', tree, '--no-cache', '--output', other);
  expect(over.code).toBe(2);
  expect(fs.readFileSync(other, 'utf8')).toBe('{"mine": true}');
});
