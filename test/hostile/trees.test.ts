/**
 * Hostile directory trees: symbolic link loops, unreadable files and directories, files that
 * vanish or change kind during the scan, paths longer than PATH_MAX, file names that are not
 * valid UTF-8. The scan ends, reads what can be read, and names everything it could not read.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadDatabase } from '../../kernel-symbols';
import { REPORTERS } from '../../reports';
import { discover } from '../../src/discover';
import { scan, type ScanOptions } from '../../src/scan';

jest.setTimeout(180_000);

const REPO = path.resolve(__dirname, '../..');
const CLI = path.join(REPO, 'dist/src/cli.js');
const db = loadDatabase('6.1');
const C = (callee: string) => `int f(void) { return ${callee}(0); }\n`;

let base: string;
beforeEach(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-trees-'));
});
afterEach(() => {
  // `rm -rf` walks with openat, so it also removes trees deeper than PATH_MAX
  execFileSync('chmod', ['-R', 'u+rwX', base]);
  execFileSync('rm', ['-rf', base]);
});

const opts = (extra: Partial<ScanOptions> = {}): ScanOptions => ({ db, cwd: base, jobs: 1, cache: false, now: new Date(0), ...extra });

describe('symbolic link loops', () => {
  test('links to an ancestor, to themselves and to each other: each file once, the broken ones named', async () => {
    fs.mkdirSync(path.join(base, 'src/sub'), { recursive: true });
    fs.writeFileSync(path.join(base, 'src/sub/a.c'), C('kfree'));
    fs.symlinkSync('..', path.join(base, 'src/sub/up'));
    fs.symlinkSync('../..', path.join(base, 'src/sub/top'));
    fs.symlinkSync('self', path.join(base, 'self'));
    fs.symlinkSync('pong', path.join(base, 'ping'));
    fs.symlinkSync('ping', path.join(base, 'pong'));
    const t0 = Date.now();
    const r = await scan(['.'], opts());
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(r.facts.map((f) => f.path)).toEqual(['src/sub/a.c']);
    expect(r.result.errors).toEqual([
      { path: 'ping', message: 'broken symbolic link: too many levels of symbolic links' },
      { path: 'pong', message: 'broken symbolic link: too many levels of symbolic links' },
      { path: 'self', message: 'broken symbolic link: too many levels of symbolic links' },
    ]);
  });

  test('a link out of the scan root is reported, not followed', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-outside-'));
    try {
      fs.writeFileSync(path.join(outside, 'secret.c'), C('secret_call'));
      fs.symlinkSync(outside, path.join(base, 'out'));
      fs.symlinkSync(path.join(outside, 'secret.c'), path.join(base, 'secret.c'));
      const r = await scan(['.'], opts());
      expect(r.facts).toEqual([]);
      expect(r.result.errors).toEqual([
        { path: 'out', message: `symbolic link to ${fs.realpathSync(outside)} leads outside the scan root ${fs.realpathSync(base)}; not followed` },
        { path: 'secret.c', message: `symbolic link to ${fs.realpathSync(outside)}/secret.c leads outside the scan root ${fs.realpathSync(base)}; not followed` },
      ]);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('unreadable files and directories', () => {
  /** How this test can be denied a read: as a non-root user directly, or as root through setpriv. */
  function unprivileged(): { how: 'self' | 'setpriv' } | { skip: string } {
    if (process.getuid?.() !== 0) return { how: 'self' };
    const setpriv = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true']);
    if (setpriv.status === 0) return { how: 'setpriv' };
    return { skip: `running as root and setpriv cannot switch to uid 65534 (${setpriv.error?.message ?? setpriv.stderr})` };
  }

  test('a file and a directory without read permission: both named, the rest read', async () => {
    fs.writeFileSync(path.join(base, 'ok.c'), C('kfree'));
    fs.writeFileSync(path.join(base, 'secret.c'), C('kmalloc'));
    fs.mkdirSync(path.join(base, 'locked'));
    fs.writeFileSync(path.join(base, 'locked/inner.c'), C('vfree'));
    fs.chmodSync(path.join(base, 'secret.c'), 0o000);
    fs.chmodSync(path.join(base, 'locked'), 0o000);
    fs.chmodSync(base, 0o755);
    const expected = [
      { path: 'locked', message: 'cannot list directory: permission denied' },
      { path: 'secret.c', message: 'cannot read: permission denied' },
    ];
    const mode = unprivileged();
    if ('skip' in mode) {
      process.stdout.write(`trees.test: the unreadable-file assertion is skipped: ${mode.skip}\n`);
      return;
    }
    if (mode.how === 'self') {
      const r = await scan(['.'], opts());
      expect(r.result.errors).toEqual(expected);
      expect(r.facts.map((f) => f.path)).toEqual(['ok.c']);
      return;
    }
    // As root every read succeeds: the built command runs as nobody (uid 65534) instead.
    if (!fs.existsSync(CLI)) throw new Error('run `npm run build` first: this test runs dist/src/cli.js as an unprivileged user');
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, 'scan', '.', '--format', 'json', '--no-cache', '--jobs', '1', '--fail-on', 'none'], {
      cwd: base,
      encoding: 'utf8',
      env: { ...process.env, HOME: base, NO_COLOR: '1' },
    });
    expect(r.stderr).not.toMatch(/Error:|at .*\.js:\d+/);
    const doc = JSON.parse(r.stdout);
    expect(doc.errors).toEqual(expected);
    expect(doc.units.flatMap((u: { paths: string[] }) => u.paths)).toEqual(['ok.c']);
  });
});

describe('files that change during the scan', () => {
  /** Scan with `change` run once discovery is done and before any file is read. */
  async function scanChanging(change: () => void, extra: Partial<ScanOptions> = {}) {
    let done = false;
    const t0 = Date.now();
    const r = await scan(['.'], opts({ ...extra, onProgress: () => (done ? undefined : ((done = true), change())) }));
    expect(Date.now() - t0).toBeLessThan(5000);
    return r;
  }

  test.each([1, 2])('a file deleted after discovery (jobs %i)', async (jobs) => {
    for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(base, `f${String(i).padStart(2, '0')}.c`), C('kfree'));
    const r = await scanChanging(() => fs.rmSync(path.join(base, 'f07.c')), { jobs });
    expect(r.result.errors).toEqual([{ path: 'f07.c', message: 'cannot read: file vanished during the scan' }]);
    expect(r.facts.length).toBe(39);
  });

  test('a file replaced by a fifo: reported, not waited on', async () => {
    fs.writeFileSync(path.join(base, 'a.c'), C('kfree'));
    fs.writeFileSync(path.join(base, 'b.ko'), 'x');
    const r = await scanChanging(() => {
      for (const n of ['a.c', 'b.ko']) {
        fs.rmSync(path.join(base, n));
        execFileSync('mkfifo', [path.join(base, n)]);
      }
    });
    expect(r.result.errors).toEqual([
      { path: 'a.c', message: 'cannot read: no longer a regular file (changed during the scan)' },
      { path: 'b.ko', message: 'cannot read: no longer a regular file (changed during the scan)' },
    ]);
  });

  test('a file replaced by a symbolic link out of the tree: not followed', async () => {
    fs.writeFileSync(path.join(base, 'a.c'), C('kfree'));
    const r = await scanChanging(() => {
      fs.rmSync(path.join(base, 'a.c'));
      fs.symlinkSync('/etc/passwd', path.join(base, 'a.c'));
    });
    expect(r.result.errors).toEqual([{ path: 'a.c', message: 'cannot read: became a symbolic link during the scan; not followed' }]);
    expect(r.facts).toEqual([]);
  });

  test.each([1, 2])('a directory swapped for a link out of the tree after discovery: its files are not read (jobs %i)', async (jobs) => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-outside-'));
    try {
      fs.mkdirSync(path.join(base, 'd'));
      // enough binaries for the read-ahead thread too (it reads the files of 4 batches or more)
      const ko = path.join(REPO, 'test/fixtures/modules/build/prop_direct/prop_direct.ko');
      for (let i = 0; i < 160; i++) fs.copyFileSync(ko, path.join(base, 'd', `m${String(i).padStart(3, '0')}.ko`));
      fs.writeFileSync(path.join(base, 'd/a.c'), C('kfree'));
      fs.writeFileSync(path.join(base, 'ok.c'), C('kfree'));
      for (const n of fs.readdirSync(path.join(base, 'd'))) fs.copyFileSync(path.join(base, 'd', n), path.join(outside, n));
      const r = await scanChanging(() => {
        fs.renameSync(path.join(base, 'd'), path.join(base, 'd.old'));
        fs.symlinkSync(outside, path.join(base, 'd'));
      }, { jobs });
      const why = 'cannot read: a directory on its path became a symbolic link out of the scan root during the scan; not followed';
      expect(r.result.errors).toHaveLength(161);
      expect(r.result.errors.every((e) => e.path.startsWith('d/') && e.message === why)).toBe(true);
      expect(r.facts.map((f) => f.path)).toEqual(['ok.c']);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  test('fifos, sockets and devices found by discovery are left alone (no read blocks)', async () => {
    execFileSync('mkfifo', [path.join(base, 'pipe.c')]);
    fs.symlinkSync('/dev/zero', path.join(base, 'zero.c'));
    fs.writeFileSync(path.join(base, 'ok.c'), C('kfree'));
    const r = await scan(['.'], opts());
    expect(r.facts.map((f) => f.path)).toEqual(['ok.c']);
    expect(r.result.errors).toEqual([{ path: 'zero.c', message: expect.stringMatching(/^symbolic link to \/dev\/zero leads outside the scan root/) }]);
  });
});

describe('paths longer than PATH_MAX', () => {
  test('a tree 5,000 bytes deep: what fits is read, the first directory past the limit is named', async () => {
    const name = 'd'.repeat(200);
    // built with relative steps: no single path handed to the kernel is over the limit
    execFileSync('bash', ['-c', `cd "$1" && for i in $(seq 25); do mkdir ${name} && cd ${name} && printf '%s' "$2" > f$i.c; done`, '_', base, C('kfree')]);
    const r = await scan(['.'], opts());
    const depthOf = (p: string) => p.split('/').length - 1;
    const read = r.facts.map((f) => f.path);
    expect(read.length).toBeGreaterThan(15);
    expect(read.every((p) => path.resolve(base, p).length < 4096)).toBe(true);
    expect(r.result.errors).toHaveLength(1);
    const e = r.result.errors[0];
    expect(e.message).toBe('cannot read: path too long for the operating system (PATH_MAX); not read');
    expect(depthOf(e.path)).toBe(read.length);
    expect(Buffer.byteLength(path.resolve(base, e.path))).toBeGreaterThanOrEqual(4096);
  });
});

describe('file names that are not valid UTF-8', () => {
  function badTree(): void {
    const raw = (s: string) => Buffer.from(`${base}/${s}`, 'latin1');
    fs.mkdirSync(raw('dir\xff'));
    fs.writeFileSync(raw('bad\xfe.c'), C('kfree'));
    fs.writeFileSync(raw('dir\xff/in\xc3.c'), C('vfree'));
    fs.writeFileSync(raw('new\nline.c'), C('kmalloc'));
    fs.copyFileSync(path.join(REPO, 'test/fixtures/modules/build/prop_direct/prop_direct.ko'), raw('mod\xfa.ko'));
    fs.writeFileSync(raw('ok.c'), C('kzalloc'));
  }

  test('discovered as bytes and shown with \\x escapes', () => {
    badTree();
    const d = discover(['.'], { cwd: base });
    expect(d.errors).toEqual([]);
    expect(d.files.map((f) => f.path)).toEqual(['bad\\xfe.c', 'dir\\xff/in\\xc3.c', 'mod\\xfa.ko', 'new\\x0aline.c', 'ok.c']);
    // the real bytes are kept for reading
    expect(d.files.find((f) => f.path === 'bad\\xfe.c')!.raw).toEqual(Buffer.from(`${fs.realpathSync(base)}/bad\xfe.c`, 'latin1'));
    expect(d.files.find((f) => f.path === 'ok.c')!.raw).toBeUndefined();
  });

  test.each([1, 2])('read, analysed and named readably in reports (jobs %i)', async (jobs) => {
    badTree();
    // more than one batch of sources, so that jobs 2 uses the worker pool
    for (let i = 0; i < 40; i++) fs.writeFileSync(Buffer.from(`${base}/many\xe9${i}.c`, 'latin1'), C('kfree'));
    const r = await scan(['.'], opts({ jobs }));
    expect(r.result.errors).toEqual([]);
    const byPath = new Map(r.facts.map((f) => [f.path, f]));
    expect(byPath.size).toBe(45);
    expect(byPath.get('dir\\xff/in\\xc3.c')).toMatchObject({ calls: [expect.objectContaining({ callee: 'vfree' })] });
    expect(byPath.get('mod\\xfa.ko')).toMatchObject({ analyzer: 'elf', licenses: ['Proprietary'] });
    const text = REPORTERS.text.render(r.result, {});
    expect(text).toContain('mod\\xfa.ko');
    const json = JSON.parse(REPORTERS.json.render(r.result, {}));
    expect(JSON.stringify(json)).not.toContain('\ufffd');
  });
});
