/**
 * A scan reads; it never runs anything from the scanned tree (nor any program at all), never
 * writes into it, and reads nothing outside the paths it was given: a link out is reported,
 * not followed. Shown on the built command, as users run it, and on the library.
 */
import { createHash } from 'crypto';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadDatabase } from '../../kernel-symbols';
import { scan } from '../../src/scan';

jest.setTimeout(180_000);

const REPO = path.resolve(__dirname, '../..');
const CLI = path.join(REPO, 'dist/src/cli.js');

/** Every entry of a tree: kind, mode, size, mtime, content hash or link target. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      const st = fs.lstatSync(p);
      const rel = path.relative(root, p);
      if (st.isSymbolicLink()) out[rel] = `link ${fs.readlinkSync(p)}`;
      else if (st.isDirectory()) {
        out[rel] = `dir ${st.mode.toString(8)} ${st.mtimeMs}`;
        walk(p);
      } else out[rel] = `file ${st.mode.toString(8)} ${st.size} ${st.mtimeMs} ${createHash('sha256').update(fs.readFileSync(p)).digest('hex')}`;
    }
  };
  walk(root);
  return out;
}

let base: string;
let tree: string;
let outside: string;
let markers: string;
let trapBin: string;

beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error('run `npm run build` first: these tests run dist/src/cli.js');
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-safety-'));
  tree = path.join(base, 'tree');
  outside = path.join(base, 'outside');
  markers = path.join(base, 'markers');
  trapBin = path.join(base, 'bin');
  for (const d of [tree, outside, markers, trapBin, path.join(tree, 'drv')]) fs.mkdirSync(d, { recursive: true });

  // programs a careless tool might start, each leaving a marker when it runs
  for (const prog of ['sh', 'bash', 'make', 'gcc', 'cc', 'cpp', 'ld', 'git', 'nm', 'objdump', 'readelf', 'modinfo', 'xz', 'zstd', 'gzip', 'python3', 'perl', 'configure']) {
    fs.writeFileSync(path.join(trapBin, prog), `#!/bin/sh\n: > "${markers}/ran-${prog}"\n`, { mode: 0o755 });
  }
  // a tree whose build files and scripts would leave markers if anything ran them
  const mark = (what: string) => `${markers}/tree-${what}`;
  fs.writeFileSync(path.join(tree, 'configure'), `#!/bin/sh\n: > "${mark('configure')}"\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(tree, 'build.sh'), `#!/bin/sh\n: > "${mark('build.sh')}"\n`, { mode: 0o755 });
  fs.writeFileSync(
    path.join(tree, 'drv/Makefile'),
    `X := $(shell touch ${mark('makefile-shell')})\nobj-m += drv.o\n$(shell touch ${mark('makefile-shell2')})\nall:\n\ttouch ${mark('makefile-recipe')}\n`,
  );
  fs.writeFileSync(path.join(tree, 'drv/Kbuild'), `obj-m += drv.o\n$(shell touch ${mark('kbuild-shell')})\n`);
  fs.writeFileSync(
    path.join(tree, 'drv/drv.c'),
    '// SPDX-License-Identifier: GPL-2.0\n#include <linux/module.h>\n#include "/etc/passwd"\n#include "../../outside/secret.h"\n' +
      'static int __init drv_init(void) { return system("touch pwned"); }\nmodule_init(drv_init);\nMODULE_LICENSE("GPL");\n',
  );
  fs.copyFileSync(path.join(REPO, 'elf/testdata/hello'), path.join(tree, 'hello'));
  fs.chmodSync(path.join(tree, 'hello'), 0o755);
  fs.copyFileSync(path.join(REPO, 'test/fixtures/modules/build/prop_direct/prop_direct.ko'), path.join(tree, 'prop_direct.ko'));
  fs.writeFileSync(path.join(tree, '.gitignore'), 'ignored/\n');
  // things outside the tree that links and includes point at
  fs.writeFileSync(path.join(outside, 'secret.c'), 'int secret(void) { return secret_call(); }\n');
  fs.writeFileSync(path.join(outside, 'secret.h'), 'static inline int leak(void) { return leaked_call(); }\n');
  fs.symlinkSync(outside, path.join(tree, 'link-out'));
  fs.symlinkSync(path.join(outside, 'secret.c'), path.join(tree, 'secret-link.c'));
});

afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

function gplcheck(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${trapBin}:${process.env.PATH}`, NO_COLOR: '1', XDG_CACHE_HOME: path.join(base, 'xdg-cache'), HOME: path.join(base, 'home') },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const ranMarkers = () => fs.readdirSync(markers).sort();

test('the built command runs nothing, writes nothing into the tree, reports the links out', () => {
  const before = snapshot(tree);
  const cache = path.join(base, 'cache-elsewhere');
  const report = path.join(base, 'report.json');
  const r = gplcheck(['scan', tree, '--format', 'json', '--output', report, '--format', 'text', '--cache-dir', cache, '--jobs', '2', '--fail-on', 'none'], base);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(ranMarkers()).toEqual([]);
  expect(snapshot(tree)).toEqual(before);
  // the cache went where it was told to
  expect(fs.readdirSync(cache).length).toBeGreaterThan(0);
  const doc = JSON.parse(fs.readFileSync(report, 'utf8'));
  expect(doc.errors).toEqual([
    { path: path.join('tree', 'link-out'), message: `symbolic link to ${fs.realpathSync(outside)} leads outside the scan root ${fs.realpathSync(tree)}; not followed` },
    { path: path.join('tree', 'secret-link.c'), message: `symbolic link to ${fs.realpathSync(outside)}/secret.c leads outside the scan root ${fs.realpathSync(tree)}; not followed` },
  ]);
  // nothing from outside made it into the results
  expect(fs.readFileSync(report, 'utf8')).not.toMatch(/secret_call|leaked_call/);
  expect(r.stdout).toContain('link-out');
});

test('run from inside the tree, with the cache in its default place and the report on stdout', () => {
  const before = snapshot(tree);
  const r = gplcheck(['scan', '.', '--format', 'json', '--jobs', '1', '--fail-on', 'none'], tree);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout).units.length).toBeGreaterThan(0);
  expect(ranMarkers()).toEqual([]);
  expect(snapshot(tree)).toEqual(before);
  expect(fs.existsSync(path.join(base, 'xdg-cache', 'gplcheck'))).toBe(true);
});

test('the library: a scan with a cache outside the tree leaves the tree as it was', async () => {
  const before = snapshot(tree);
  const cache = path.join(base, 'lib-cache');
  const db = loadDatabase('6.1');
  for (const jobs of [1, 2]) await scan([tree], { db, cwd: base, jobs, cache });
  expect(snapshot(tree)).toEqual(before);
  expect(ranMarkers()).toEqual([]);
});
