/**
 * Inline and macro reach, checked against the real headers of Debian's
 * linux-headers-<abi>-common packages (fetched at the exact version each shipped table records).
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { analyzeC } from '../analyzers/c';
import { definitionsOf, buildReach, listHeaders } from './build/inline-reach';
import { parseAutoconf } from './build/kconfig';
import { fetchDebianHeaders, fetchDebianSymvers } from './debian';
import { loadDatabase, shippedDataDir } from './database';
import { DatabaseFormatError } from './errors';
import { decodeReach, encodeReach, loadReach, reachFor, reachPath, type InlineReach } from './reach';

jest.setTimeout(300_000);

const VERSIONS = ['5.10', '6.1', '6.12'];
const tables = new Map<string, InlineReach>(VERSIONS.map((v) => [v, loadReach(v)]));
const t = (v: string) => tables.get(v)!;
const symbols = (r: { symbol: string }[]) => r.map((e) => e.symbol);

describe.each(VERSIONS)('shipped table %s', (v) => {
  test('belongs to the shipped database of the same kernel', () => {
    const db = loadDatabase(v);
    const m = t(v).meta;
    expect(m).toMatchObject({ name: v, version: db.meta.version, kernel: db.meta.kernel });
    expect(m.source.package).toBe(db.meta.source.package!.replace(/-amd64$/, '-common'));
    expect(m.source.packageVersion).toBe(db.meta.source.packageVersion);
    const dbFile = path.join(shippedDataDir(), `${v}.symdb.json.gz`);
    expect(m.source.databaseSha256).toBe(crypto.createHash('sha256').update(fs.readFileSync(dbFile)).digest('hex'));
    expect(m.source.dirs).toEqual(['include', 'arch/x86/include']);
    expect(m.source.config).toMatchObject({ package: db.meta.source.package, file: `usr/src/${db.meta.source.package}/include/generated/autoconf.h` });
    expect(m.source.config!.options).toBeGreaterThan(5000);
  });

  test('every node is a non-exported definition, every reached symbol an export of that kernel', () => {
    const db = loadDatabase(v);
    const r = t(v);
    expect(r.size).toBe(r.meta.counts.nodes);
    let pairs = 0;
    const problems: string[] = [];
    for (const n of r.nodes()) {
      if (db.lookup(n)) problems.push(`${n} is exported`);
      const reached = r.reach(n);
      if (reached.length === 0) problems.push(`${n} reaches nothing`);
      for (const e of reached) {
        if (!db.lookup(e.symbol)) problems.push(`${n} -> ${e.symbol} is not an export`);
        for (const step of e.path) if (!r.has(step)) problems.push(`${n} -> ${e.symbol}: step ${step} is not a node`);
      }
      pairs += reached.length;
    }
    expect(problems).toEqual([]);
    expect(pairs).toBe(r.meta.counts.pairs);
  });

  test('devm_kzalloc reaches the GPL-only devm_kmalloc directly', () => {
    expect(t(v).reach('devm_kzalloc')).toEqual([{ symbol: 'devm_kmalloc', path: [] }]);
    expect(loadDatabase(v).lookup('devm_kmalloc')?.type).toBe('gpl');
    expect(t(v).definition('devm_kzalloc')).toMatchObject({ kind: 'inline', spdx: 'GPL-2.0' });
  });

  test('pr_info reaches printk (5.10) or _printk through printk; kthread_run reaches kthread_create_on_node and wake_up_process', () => {
    expect(t(v).reach('pr_info')).toContainEqual(v === '5.10' ? { symbol: 'printk', path: [] } : { symbol: '_printk', path: ['printk'] });
    expect(t(v).definition('pr_info')).toMatchObject({ kind: 'macro', file: 'include/linux/printk.h' });
    expect(t(v).reach('kthread_run')).toEqual(
      expect.arrayContaining([
        { symbol: 'kthread_create_on_node', path: ['kthread_create'] },
        { symbol: 'wake_up_process', path: [] },
      ]),
    );
  });

  test('exported names are not nodes (a call links to them directly)', () => {
    for (const s of ['kfree', 'devm_kmalloc', 'mutex_lock', '_printk']) {
      expect(t(v).has(s)).toBe(false);
      expect(t(v).reach(s)).toEqual([]);
    }
  });
});

test('kzalloc, kcalloc and kmalloc_array in 6.1: kmalloc_trace and __kmalloc through kmalloc', () => {
  const r = t('6.1');
  expect(r.reach('kmalloc')).toEqual([
    { symbol: '__kmalloc', path: [] },
    { symbol: 'kmalloc_caches', path: [] },
    { symbol: 'kmalloc_large', path: [] },
    { symbol: 'kmalloc_trace', path: [] },
  ]);
  expect(r.reach('kzalloc')).toEqual(r.reach('kmalloc').map((e) => ({ symbol: e.symbol, path: ['kmalloc', ...e.path] })));
  expect(r.reach('kcalloc')).toContainEqual({ symbol: '__kmalloc', path: ['kmalloc_array'] });
  expect(r.reach('kcalloc')).toContainEqual({ symbol: 'kmalloc_trace', path: ['kmalloc_array', 'kmalloc'] });
  expect(r.reach('devm_kcalloc')).toEqual([{ symbol: 'devm_kmalloc', path: ['devm_kmalloc_array'] }]);
  expect(r.reach('spin_lock')).toEqual([{ symbol: '_raw_spin_lock', path: ['raw_spin_lock'] }]);
  // asm-generic's fallback is ignored where arch/x86 defines its own
  expect(r.definition('get_current')).toMatchObject({ file: 'arch/x86/include/asm/current.h' });
  expect(r.reach('get_current')).toEqual([{ symbol: 'current_task', path: [] }]);
  // Debian's configuration: CONFIG_JUMP_LABEL=y, so static_branch_unlikely() is an asm goto and
  // never calls the GPL-only static_key_count (its !CONFIG_JUMP_LABEL definition is left out).
  expect(r.has('static_branch_unlikely')).toBe(false);
  expect(r.reachedBy('static_key_count').map((b) => b.name)).not.toContain('static_branch_unlikely');
});

test('kzalloc in 5.10 reaches kmem_cache_alloc_trace; in 6.12 it is a macro over kzalloc_noprof', () => {
  expect(symbols(t('5.10').reach('kzalloc'))).toEqual(expect.arrayContaining(['__kmalloc', 'kmem_cache_alloc_trace']));
  expect(symbols(t('5.10').reach('kzalloc'))).not.toContain('kmalloc_trace');
  const k612 = t('6.12').reach('kzalloc');
  expect(t('6.12').definition('kzalloc')).toMatchObject({ kind: 'macro', file: 'include/linux/slab.h' });
  expect(k612).toContainEqual({ symbol: '__kmalloc_noprof', path: ['kzalloc_noprof', 'kmalloc_noprof'] });
  expect(k612).toContainEqual({ symbol: '__kmalloc_cache_noprof', path: ['kzalloc_noprof', 'kmalloc_noprof'] });
  expect(t('6.12').definition('devm_kzalloc')).toMatchObject({ file: 'include/linux/device/devres.h' });
});

test('reachedBy lists the wrappers of an export, nearest first', () => {
  const by = t('6.1').reachedBy('devm_kmalloc');
  expect(by.slice(0, 3).map((b) => b.name)).toEqual(expect.arrayContaining(['devm_kzalloc', 'devm_kmalloc_array']));
  expect(by).toContainEqual({ name: 'devm_kcalloc', path: ['devm_kmalloc_array'] });
  expect(t('6.1').reachedBy('kmalloc_trace')).toContainEqual({ name: 'kzalloc', path: ['kmalloc'] });
  expect(t('6.1').reachedBy('no_such_symbol_xyz')).toEqual([]);
});

describe('against the real 6.1 headers', () => {
  let root: string;
  let autoconf: string;
  beforeAll(() => {
    root = fetchDebianHeaders(t('6.1').meta);
    const cfg = t('6.1').meta.source.config!;
    autoconf = path.join(fetchDebianSymvers(loadDatabase('6.1').meta).dir, cfg.file);
    expect(crypto.createHash('sha256').update(fs.readFileSync(autoconf)).digest('hex')).toBe(cfg.sha256);
  });

  test.each([
    ['include/linux/device.h', 'devm_kzalloc', ['devm_kmalloc']],
    ['include/linux/device.h', 'devm_kcalloc', ['devm_kmalloc_array']],
    ['include/linux/slab.h', 'kzalloc', ['kmalloc']],
    ['include/linux/slab.h', 'kcalloc', ['kmalloc_array']],
    ['include/linux/kthread.h', 'kthread_run', ['kthread_create', 'wake_up_process']],
  ])('%s: %s is defined where the table says and refers to %j', (file, name, refs) => {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    const db = loadDatabase('6.1');
    const defs = definitionsOf(analyzeC(file, text), text, (n) => !!db.lookup(n)).filter((d) => d.name === name);
    expect(defs).toHaveLength(1);
    expect(defs[0].refs).toEqual(expect.arrayContaining(refs));
    const d = t('6.1').definition(name)!;
    expect(`${d.file}:${d.line}`).toBe(`${file}:${defs[0].line}`);
    // the line really is the definition
    expect(text.split('\n')[defs[0].line - 1]).toMatch(new RegExp(`\\b${name}\\b`));
    expect(t('6.1').direct(name)).toEqual(expect.arrayContaining(refs.filter((r) => t('6.1').has(r) || db.lookup(r))));
  });

  test('rebuilding from the headers gives the shipped table exactly', async () => {
    const db = loadDatabase('6.1');
    const shipped = fs.readFileSync(reachPath('6.1'));
    const built = await buildReach({
      root,
      isExport: (n) => db.lookup(n) !== undefined,
      config: parseAutoconf(fs.readFileSync(autoconf, 'utf8')),
      meta: { name: '6.1', version: db.meta.version, kernel: db.meta.kernel, source: t('6.1').meta.source },
    });
    expect(built.meta.counts.headers).toBe(listHeaders(root).length);
    if (!encodeReach(built.meta, built.body).equals(shipped)) {
      // The C analyser or the builder changed what it finds: regenerate the shipped tables.
      throw new Error(
        `the shipped 6.1 reach table differs from a rebuild (${JSON.stringify(built.meta.counts)} vs ` +
          `${JSON.stringify(t('6.1').meta.counts)}); run kernel-symbols/build/build-reach.sh and commit kernel-symbols/data`,
      );
    }
  });
});

test('reachFor picks the table by name, then by version series; none for an unknown series', () => {
  expect(reachFor({ name: '6.1', version: '6.1' })).toBe(t('6.1'));
  expect(reachFor({ name: 'vendor-6.12', version: '6.12' })).toBe(t('6.12'));
  expect(reachFor({ name: 'vendor-4.19', version: '4.19' })).toBeUndefined();
});

test('damaged or foreign files give a typed error naming the file', () => {
  expect(() => decodeReach(Buffer.from('not gzip'), 'x.reach.json.gz')).toThrow(DatabaseFormatError);
  expect(() => decodeReach(zlib.gzipSync('{"format":"other"}\n{}\n'), 'y.reach.json.gz')).toThrow(/y\.reach\.json\.gz: not an inline reach table/);
  const newer = zlib.gzipSync(`${JSON.stringify({ ...t('6.1').meta, formatVersion: 99 })}\n{}\n`);
  expect(() => decodeReach(newer, 'z.reach.json.gz')).toThrow(/format version 99 is not supported/);
  expect(() => loadReach('/nonexistent/dir/a.reach.json.gz')).toThrow(/cannot read inline reach table/);
});
