/** `gplcheck explain` and `gplcheck symbols index`, through the real command line parser. */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../cli';

jest.setTimeout(300_000);

process.env.GPLCHECK_DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-knowledge-'));

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    const code = await main(args);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = before;
  }
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-knowledge-cli-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('explain task_work_add', async () => {
  const r = await run('explain', 'task_work_add');
  expect(r.code).toBe(0);
  expect(r.out).toContain('  history: plain in 5.10, GPL-only since 6.1\n');
});

test('explain --json and --kernel', async () => {
  const r = await run('explain', 'kzalloc', '--kernel', '6.12', '--json');
  expect(r.code).toBe(0);
  const j = JSON.parse(r.out);
  expect(j.kernel).toBe('6.12');
  expect(j.inline.find((i: { kernel: string }) => i.kernel === '6.12').definition).toMatchObject({ kind: 'macro', file: 'include/linux/slab.h' });
});

test('explain of an unknown name exits 1; an unknown kernel is a usage error', async () => {
  expect((await run('explain', 'not_a_kernel_symbol_xyz')).code).toBe(1);
  const bad = await run('explain', 'kfree', '--kernel', '9.9');
  expect(bad.code).toBe(2);
  expect(bad.err).toMatch(/unknown kernel symbol database '9\.9'/);
});

test('symbols index on kernel/ and include/ of the real tree, then explain --index', async () => {
  const root = execFileSync(path.join(__dirname, '..', '..', 'kernel-symbols', 'build', 'linux-source.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split('\n')
    .pop()!;
  const file = path.join(tmp, 'linux-6.1.srcindex.gz');
  const idx = await run('symbols', 'index', root, '--out', file, '--only', 'kernel', 'include');
  expect(idx.code).toBe(0);
  expect(idx.out).toMatch(/^linux-source-6\.1 \(6\.1\.\d+\): \d+ export sites of \d+ names in \d+ files; \d+ headers \(\d+ with SPDX, \d+ UAPI, \d+ with the syscall note\), \d+ declarations -> /);
  const r = await run('explain', 'task_work_add', '--index', file);
  expect(r.out).toMatch(/export site: kernel\/task_work\.c:\d+ EXPORT_SYMBOL_GPL/);
  expect(r.out).toMatch(/declared in: include\/linux\/task_work\.h:\d+ \(GPL-2\.0\)/);
  const missing = await run('symbols', 'index', path.join(tmp, 'nope'), '--out', path.join(tmp, 'x.gz'));
  expect(missing.code).toBe(2);
  expect(missing.err).toMatch(/nope: no such directory/);
});
