/** The command as a user runs it: built CLI in a child process, real fixtures. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Ajv from 'ajv';

jest.setTimeout(120_000);

const REPO = path.resolve(__dirname, '../..');
const CLI = path.join(REPO, 'dist/src/cli.js');
const FIX = 'test/fixtures/modules/build';

beforeAll(() => {
  // the tests run the compiled command, as users do; build it when the sources are newer
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: REPO, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}${r.stderr}`);
});

function gplcheck(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: REPO, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('--help lists the commands and examples', () => {
  const r = gplcheck('scan', '--help');
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('Examples:');
  expect(r.stdout).toContain('--fail-on');
});

test('exit 1 when a finding reaches --fail-on, with the modpost wording', () => {
  const r = gplcheck('scan', `${FIX}/prop_direct/prop_direct.ko`);
  expect(r.code).toBe(1);
  expect(r.stdout).toContain("GPL-incompatible module prop_direct.ko uses GPL-only symbol 'ktime_get'");
  expect(r.stdout).toMatch(/prop_direct\.ko \.init\.text\+0x[0-9a-f]+ \(in prop_direct_init\)/);
});

test('exit 0 for clean modules, and when --fail-on none', () => {
  expect(gplcheck('scan', `${FIX}/clean_gpl`, `${FIX}/clean_prop`).code).toBe(0);
  expect(gplcheck('scan', `${FIX}/prop_direct`, '--fail-on', 'none').code).toBe(0);
});

test('exit 2 on a usage error and when no input could be read', () => {
  expect(gplcheck('scan', '--format', 'nope', FIX).code).toBe(2);
  expect(gplcheck('scan', '--fail-on', 'fatal', FIX).code).toBe(2);
  const missing = gplcheck('scan', 'does/not/exist');
  expect(missing.code).toBe(2);
  expect(missing.stdout + missing.stderr).toContain('does/not/exist: cannot read: no such file or directory');
});

test('a tree whose .gitignore leaves out everything (as in Debian\'s linux-source) is exit 2 with a hint, not an empty pass', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-cli-'));
  try {
    fs.mkdirSync(path.join(dir, 'fs'));
    fs.copyFileSync(path.join(REPO, 'vmkernel/shim/vmk_work.c'), path.join(dir, 'fs/work.c'));
    fs.writeFileSync(path.join(dir, '.gitignore'), '# Debian packaging: ignore everything at the top level\n/*\n!/debian/\n');
    const r = gplcheck('scan', dir, '--no-cache');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`gplcheck: nothing to scan: every file and directory under ${dir} was left out (2 by .gitignore); --no-gitignore scans what .gitignore leaves out`);
    expect(r.stdout).toContain('0 files (0 analysed; left out: 2 by .gitignore), 0 units');
    const all = gplcheck('scan', dir, '--no-cache', '--no-gitignore', '--fail-on', 'none');
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/\n2 files \(1 analysed\), 1 units/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a file that is not ELF but named .ko is reported, and the scan goes on', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-cli-'));
  try {
    fs.writeFileSync(path.join(dir, 'broken.ko'), 'this is not an ELF file\n');
    fs.copyFileSync(path.join(REPO, FIX, 'prop_direct/prop_direct.ko'), path.join(dir, 'prop_direct.ko'));
    const r = gplcheck('scan', dir, '--format', 'json');
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.errors).toEqual([{ path: expect.stringMatching(/broken\.ko$/), message: expect.stringContaining('not an ELF file') }]);
    expect(doc.findings.map((f: { symbol: string }) => f.symbol).sort()).toEqual(['ktime_get', 'synchronize_rcu']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the JSON report validates against reports/gplcheck-report.schema.json and carries the issue-2 fields', () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-cli-')), 'r.json');
  const r = gplcheck('scan', FIX, 'vmkernel', '--format', 'json', '--output', out);
  expect([0, 1]).toContain(r.code);
  expect(r.stdout).toBe('');
  const doc = JSON.parse(fs.readFileSync(out, 'utf8'));
  const schema = JSON.parse(fs.readFileSync(path.join(REPO, 'reports/gplcheck-report.schema.json'), 'utf8'));
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(schema);
  expect(validate(doc) ? [] : validate.errors).toEqual([]);
  expect(doc.tool).toEqual({ name: 'gplcheck', version: expect.any(String) });
  expect(doc.database).toMatchObject({ kernel: expect.stringMatching(/^6\.1\./), arch: 'amd64', source: { kind: 'debian-package' } });
  const prop = doc.units.find((u: { id: string }) => u.id === 'prop_uses_gpl_export');
  expect(prop).toMatchObject({ kind: 'kernel-module', licenses: ['Proprietary'], gplCompatible: false });
  expect(prop.imports).toEqual(
    expect.arrayContaining([expect.objectContaining({ symbol: 'toy_gpl_checksum', exportType: 'gpl', provider: 'gpl_provider' })]),
  );
  const f = doc.findings.find((x: { unit: string; ruleId: string }) => x.unit === 'prop_uses_gpl_export' && x.ruleId === 'gpl-only-symbol');
  expect(f).toMatchObject({ severity: 'error', symbol: 'toy_gpl_checksum' });
  expect(f.locations[0]).toMatchObject({ path: expect.any(String), function: expect.any(String) });
});

// the JSON report of the fixtures is far larger than a pipe's buffer, so the writer sees EPIPE
test('a reader that stops early (| head) gets no stack trace', () => {
  const r = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" --help | head -n 1; "${process.execPath}" "${CLI}" scan ${FIX} --format json | head -c 100 >/dev/null`], {
    cwd: REPO,
    encoding: 'utf8',
  });
  expect(r.stdout).toContain('Usage: gplcheck');
  expect(r.stderr).not.toMatch(/EPIPE|Unhandled/);
});

test('symbols list shows the shipped databases', () => {
  const r = gplcheck('symbols', 'list');
  expect(r.code).toBe(0);
  for (const v of ['5.10', '6.1', '6.12']) expect(r.stdout).toMatch(new RegExp(`^${v.replace('.', '\\.')}\\s`, 'm'));
});

test('symbols import makes a user database usable with --symbols', () => {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-data-'));
  const env = { ...process.env, GPLCHECK_DATA_DIR: data, NO_COLOR: '1' };
  const symvers = path.join(REPO, FIX, 'gpl_provider/Module.symvers');
  const imp = spawnSync(process.execPath, [CLI, 'symbols', 'import', symvers, '--name', 'toy'], { cwd: REPO, encoding: 'utf8', env });
  expect(imp.status).toBe(0);
  expect(imp.stdout).toMatch(/imported 4 exports \(2 GPL-only\) as 'toy'/);
  const scan = spawnSync(process.execPath, [CLI, 'scan', `${FIX}/prop_uses_gpl_export/prop_uses_gpl_export.ko`, '--symbols', 'toy', '--format', 'json'], {
    cwd: REPO,
    encoding: 'utf8',
    env,
  });
  const doc = JSON.parse(scan.stdout);
  expect(doc.database.name).toBe('toy');
  expect(doc.findings.map((f: { symbol: string }) => f.symbol)).toEqual(['toy_gpl_checksum']);
  fs.rmSync(data, { recursive: true, force: true });
});

test('cache info and cache prune: figures of a real cache, pruning by size, a usage error without a bound', () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-cli-cache-'));
  try {
    expect(gplcheck('scan', 'test/fixtures/modules/src/gpl_shim', '--cache-dir', cache, '-q').code).toBe(0);
    fs.writeFileSync(path.join(cache, 'mine.txt'), 'kept');
    const info = gplcheck('cache', 'info', '--cache-dir', cache, '--json');
    expect(info.code).toBe(0);
    const figures = JSON.parse(info.stdout);
    expect(figures).toMatchObject({ dir: cache, facts: { entries: 3 }, other: { files: 1, bytes: 4 } });
    expect(figures.facts.bytes).toBeGreaterThan(0);
    expect(gplcheck('cache', 'info', '--cache-dir', cache).stdout).toMatch(/^cache directory: .*\nfacts per file: 3 entries, [\d.]+ MiB; used last \d{4}-/);
    const none = gplcheck('cache', 'prune', '--cache-dir', cache);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('gplcheck: cache prune: give --max-size, --older-than or both\n');
    expect(gplcheck('cache', 'prune', '--cache-dir', cache, '--max-size', 'lots').code).toBe(2);
    const pruned = gplcheck('cache', 'prune', '--cache-dir', cache, '--max-size', '0');
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toMatch(new RegExp(`^${cache}: removed \\d+ entries \\([\\d.]+ MiB\\), kept 0 entries \\(0.0 MiB\\); left alone 1 file or directory not the cache's\\n$`));
    expect(JSON.parse(gplcheck('cache', 'info', '--cache-dir', cache, '--json').stdout)).toMatchObject({ facts: { entries: 0, bytes: 0 }, results: { entries: 0, bytes: 0 } });
    expect(fs.readFileSync(path.join(cache, 'mine.txt'), 'utf8')).toBe('kept');
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
});
