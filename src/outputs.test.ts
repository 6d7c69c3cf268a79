/** Pairing of repeated --format/--output, and the command writing several reports at once. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from './cli';
import { planOutputs, type OutputToken } from './outputs';

jest.setTimeout(120_000);

const f = (value: string): OutputToken => ({ kind: 'format', value });
const o = (value: string): OutputToken => ({ kind: 'output', value });

test('each --output belongs to the --format right before it; one format may go to stdout', () => {
  expect(planOutputs([f('json'), o('r.json'), f('sarif'), o('r.sarif'), f('text')])).toEqual([
    { format: 'json', output: 'r.json' },
    { format: 'sarif', output: 'r.sarif' },
    { format: 'text' },
  ]);
  expect(planOutputs([f('text'), f('json'), o('r.json')])).toEqual([{ format: 'text' }, { format: 'json', output: 'r.json' }]);
  // written before its format, as `-o r.json -f json`
  expect(planOutputs([o('r.json'), f('json')])).toEqual([{ format: 'json', output: 'r.json' }]);
  // nothing given: the text report; --output alone: the text report to that file
  expect(planOutputs([])).toEqual([{ format: 'text' }]);
  expect(planOutputs([o('report.txt')])).toEqual([{ format: 'text', output: 'report.txt' }]);
});

test('ambiguous or conflicting plans are refused with a clear message', () => {
  expect(() => planOutputs([f('json'), f('sarif')])).toThrow('formats json, sarif would all go to standard output');
  expect(() => planOutputs([f('json'), o('a'), o('b')])).toThrow('--output b: --format json already writes to a');
  expect(() => planOutputs([f('json'), o('x.out'), f('sarif'), o('x.out')])).toThrow('--output x.out is given for both json and sarif');
  expect(() => planOutputs([o('a'), o('b')])).toThrow('--output b: --output a is already waiting for a --format');
});

test('--quiet: the default text report is dropped; an explicit stdout format is refused', () => {
  expect(planOutputs([], { quiet: true })).toEqual([]);
  expect(planOutputs([f('sarif'), o('r.sarif')], { quiet: true })).toEqual([{ format: 'sarif', output: 'r.sarif' }]);
  expect(() => planOutputs([f('sarif')], { quiet: true })).toThrow('--quiet: --format sarif has no --output');
});

async function run(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const a = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((stdout += String(s)), true));
  const b = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((stderr += String(s)), true));
  const saved = process.exitCode;
  try {
    return { code: await main(args), stdout, stderr };
  } finally {
    process.exitCode = saved;
    a.mockRestore();
    b.mockRestore();
  }
}

test('one scan, four reports: json, sarif, spdx and html to files, text to stdout', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-outputs-'));
  try {
    const target = 'test/fixtures/modules/build/prop_direct';
    const p = (n: string) => path.join(dir, n);
    const r = await run('scan', target, '--no-cache', '-j', '1',
      '--format', 'json', '--output', p('r.json'),
      '--format', 'sarif', '--output', p('r.sarif'),
      '--format', 'spdx', '--output', p('r.spdx.json'),
      '--format', 'html', '--output', p('r.html'),
      '--format', 'text');
    expect(r.code).toBe(1); // prop_direct uses GPL-only symbols
    expect(r.stdout).toContain("GPL-incompatible module prop_direct.ko uses GPL-only symbol 'ktime_get'");
    expect(JSON.parse(fs.readFileSync(p('r.json'), 'utf8')).findings.length).toBeGreaterThan(0);
    expect(JSON.parse(fs.readFileSync(p('r.sarif'), 'utf8')).version).toBe('2.1.0');
    expect(JSON.parse(fs.readFileSync(p('r.spdx.json'), 'utf8')).spdxVersion).toBe('SPDX-2.3');
    expect(fs.readFileSync(p('r.html'), 'utf8')).toMatch(/^<!DOCTYPE html>/);

    const quiet = await run('scan', target, '--no-cache', '-j', '1', '--quiet', '--format', 'sarif', '--output', p('q.sarif'));
    expect(quiet).toEqual({ code: 1, stdout: '', stderr: '' });
    expect(fs.existsSync(p('q.sarif'))).toBe(true);

    const bad = await run('scan', target, '--no-cache', '--format', 'json', '--format', 'sarif');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('would all go to standard output');
    const unknown = await run('scan', target, '--format', 'pdf');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown format 'pdf'; expected one of text, json, sarif, spdx, markdown, html");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
