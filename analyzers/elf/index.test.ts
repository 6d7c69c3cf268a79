/**
 * ELF facts from the committed objects (elf/testdata, rebuilt by elf/testdata/build.sh),
 * cross-checked against readelf/nm where binutils can say the same thing.
 */
import * as fs from 'fs';
import * as path from 'path';
import { analyzeElf, isElf } from '.';
import type { ElfFileFacts } from '../facts';
import { nmUndefined, readelfRelocations, readelfSections, readelfSymbols } from '../../elf/testdata/binutils';
import { readElf } from '../../elf';

const TD = path.resolve(__dirname, '../../elf/testdata');
const facts = (name: string): ElfFileFacts => analyzeElf(`testdata/${name}`, fs.readFileSync(path.join(TD, name)));
const sites = (f: ElfFileFacts, sym: string) =>
  (f.imports.find((i) => i.symbol === sym)?.sites ?? []).map((s) => [s.location.function, s.location.section, s.kind]);
const refs = (f: ElfFileFacts) => f.internalRefs.map((r) => `${r.from} -> ${r.to} (${r.kind}, ${r.location.section})`);

describe('isElf', () => {
  test('the magic, from 4 bytes on', () => {
    expect(isElf(fs.readFileSync(path.join(TD, 'toyexp.ko')).subarray(0, 4))).toBe(true);
    expect(isElf(Buffer.from('\x7fEL'))).toBe(false);
    expect(isElf(Buffer.from('MZ\x90\x00'))).toBe(false);
    expect(isElf(Buffer.alloc(0))).toBe(false);
  });
});

describe('kernel module toyexp.ko', () => {
  const f = facts('toyexp.ko');
  const abi = fs.readFileSync(path.join(TD, 'toyexp.abi'), 'utf8').trim();

  test('identity and .modinfo', () => {
    expect(f).toMatchObject({
      analyzer: 'elf',
      path: 'testdata/toyexp.ko',
      unitKind: 'kernel-module',
      elf: { class: 64, endian: 'little', type: 'REL', machine: 'x86_64' },
      licenses: ['Dual MIT/GPL', 'GPL'],
      importNs: ['DMA_BUF'],
      depends: [],
      moduleName: 'toyexp',
      description: 'gplcheck ELF reader test module',
      warnings: [],
    });
    expect(f.vermagic).toMatch(new RegExp(`^${abi.replace(/\./g, '\\.')}-amd64 SMP`));
    expect(f.modinfo.map((m) => m.key)).toEqual(['import_ns', 'description', 'license', 'license', 'depends', 'retpoline', 'name', 'vermagic']);
    expect(f.hash).toBeUndefined();
  });

  test('__versions: decoded when read, from a copy, serialised in place, assignable', () => {
    const bytes = Buffer.from(fs.readFileSync(path.join(TD, 'toyexp.ko')));
    const lazy = analyzeElf('testdata/toyexp.ko', bytes);
    bytes.fill(0); // the caller reuses its buffer once the file is analysed
    const want = readElf('t.ko', fs.readFileSync(path.join(TD, 'toyexp.ko'))).versions();
    expect(want.length).toBeGreaterThan(5);
    expect(lazy.versions).toEqual(want);
    expect(lazy.versions).toBe(lazy.versions); // one array, kept
    const plain = { ...lazy, versions: want };
    expect(JSON.stringify(lazy)).toBe(JSON.stringify(plain));
    expect(Object.keys(lazy)).toEqual(Object.keys(plain));
    expect(Object.keys(lazy).indexOf('versions')).toBe(Object.keys(lazy).indexOf('depends') + 1);
    lazy.versions = [];
    expect(lazy.versions).toEqual([]);
  });

  test('exports with type, namespace and location', () => {
    expect(f.exports).toEqual([
      { symbol: 'toy_plain', type: 'plain', location: { path: 'testdata/toyexp.ko', section: '__ksymtab', offset: 0 } },
      { symbol: 'toy_gpl_now', type: 'gpl', location: { path: 'testdata/toyexp.ko', section: '__ksymtab_gpl', offset: 0 } },
      { symbol: 'toy_ns_alloc', type: 'gpl', namespace: 'TOY_NS', location: { path: 'testdata/toyexp.ko', section: '__ksymtab_gpl', offset: 12 } },
    ]);
  });

  test('imports are the undefined symbols (nm -u), raw names included', () => {
    expect(f.imports.map((i) => i.symbol).sort()).toEqual(nmUndefined(path.join(TD, 'toyexp.ko')).sort());
    expect(f.imports.map((i) => i.symbol)).toContain('__fentry__');
    const v = new Set(f.versions.map((x) => x.symbol));
    for (const i of f.imports) expect(v).toContain(i.symbol);
  });

  test('each import site names the function that makes the reference', () => {
    expect(sites(f, 'ktime_get')).toEqual([['toy_gpl_now', '.text', 'call']]);
    expect(sites(f, '__kmalloc')).toEqual([['toy_ns_alloc', '.text', 'call']]);
    expect(sites(f, 'kfree')).toEqual([['toy_init', '.init.text', 'call']]);
    expect(sites(f, 'jiffies')).toEqual([['toy_helper', '.text', 'data']]);
    expect(sites(f, '_printk')).toEqual([['toy_init', '.init.text', 'call'], ['toy_exit', '.exit.text', 'call']]);
    const fentry = sites(f, '__fentry__');
    expect(fentry.map((s) => s[0]).sort()).toEqual(['toy_gpl_now', 'toy_helper', 'toy_init', 'toy_ns_alloc', 'toy_plain']);
    // Offsets are those of the relocations readelf lists.
    const rel = readelfRelocations(path.join(TD, 'toyexp.ko'), true).get('.rela.text')!;
    const kt = f.imports.find((i) => i.symbol === 'ktime_get')!.sites[0];
    expect(rel.find((r) => r.symbol === 'ktime_get')!.offset).toBe(BigInt(kt.location.offset!));
  });

  test('internal references: calls across sections, through the .text section symbol too', () => {
    expect(refs(f).sort()).toEqual([
      'toy_exit -> toy_helper (call, .exit.text)',
      'toy_init -> toy_gpl_now (call, .init.text)',
      'toy_init -> toy_helper (call, .init.text)',
      'toy_init -> toy_ns_alloc (call, .init.text)',
    ]);
  });

  test('functions are the FUNC symbols, local ones included', () => {
    const want = readelfSymbols(path.join(TD, 'toyexp.ko')).get('.symtab')!.filter((s) => s.type === 'FUNC');
    expect(f.functions.map((x) => x.name).sort()).toEqual(want.map((s) => s.name).sort());
    expect(f.functions.find((x) => x.name === 'toy_helper')).toEqual({ name: 'toy_helper', section: '.text', offset: 0, size: 31, global: false });
    expect(f.functions.find((x) => x.name === 'toy_plain')).toMatchObject({ section: '.text', global: true });
  });

  test('facts are plain JSON', () => {
    expect(JSON.parse(JSON.stringify(f))).toEqual(f);
  });

  test('hash on request', () => {
    const h = analyzeElf('x', fs.readFileSync(path.join(TD, 'toyexp.ko')), { hash: true }).hash;
    expect(h).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('kernel object toyexp.o (before modpost)', () => {
  const f = facts('toyexp.o');
  test('a module by its .modinfo, without a name, with per-symbol exports', () => {
    expect(f.unitKind).toBe('kernel-module');
    expect(f.moduleName).toBeUndefined();
    expect(f.licenses).toEqual(['Dual MIT/GPL', 'GPL']);
    expect(f.versions).toEqual([]);
    expect(f.exports.map((e) => [e.symbol, e.type, e.namespace, e.location.section])).toEqual([
      ['toy_plain', 'plain', undefined, '___ksymtab+toy_plain'],
      ['toy_gpl_now', 'gpl', undefined, '___ksymtab_gpl+toy_gpl_now'],
      ['toy_ns_alloc', 'gpl', 'TOY_NS', '___ksymtab_gpl+toy_ns_alloc'],
    ]);
    expect(sites(f, 'ktime_get')).toEqual([['toy_gpl_now', '.text', 'call']]);
  });
});

describe('Linux 6.5+ object exports', () => {
  test('.export_symbol entries become exports, EXPORT_SYMBOL_GPL_FOR_MODULES as forModules', () => {
    const f = facts('exports65-x86_64.o');
    expect(f.unitKind).toBe('object');
    expect(f.exports.map((e) => [e.symbol, e.type, e.namespace, e.forModules, e.location.section])).toEqual([
      ['e65_plain', 'plain', undefined, undefined, '.export_symbol'],
      ['e65_gpl', 'gpl', undefined, undefined, '.export_symbol'],
      ['e65_counter', 'plain', 'E65_DATA', undefined, '.export_symbol'],
      ['e65_ns', 'gpl', 'E65_NS', undefined, '.export_symbol'],
      ['e65_for_kvm', 'gpl', undefined, ['kvm', 'kvm_amd'], '.export_symbol'],
    ]);
    expect(f.functions.map((x) => x.name).sort()).toEqual(['e65_for_kvm', 'e65_gpl', 'e65_ns', 'e65_plain']);
    expect(f.imports).toEqual([]);
  });
});

describe('userspace', () => {
  test('object hello.o: calls from main, an address taken in data', () => {
    const f = facts('hello.o');
    expect(f.unitKind).toBe('object');
    expect(f.dynamic).toBeUndefined();
    expect(sites(f, 'printf')).toEqual([['main', '.text.startup', 'call']]);
    expect(sites(f, 'toy_dup')).toEqual([['main', '.text.startup', 'call']]);
    expect(sites(f, 'puts')).toEqual([[undefined, '.data.rel', 'data']]);
    expect(refs(f)).toEqual(['main -> hello_twice (call, .text.startup)']);
  });

  test('PIE executable: interpreter, needed libraries, .dynsym imports', () => {
    const f = facts('hello');
    expect(f.unitKind).toBe('userspace');
    expect(f.elf.type).toBe('DYN');
    expect(f.dynamic!.needed).toEqual(['libtoy.so.1', 'libc.so.6']);
    expect(f.dynamic!.interpreter).toBe('/lib64/ld-linux-x86-64.so.2');
    expect(f.dynamic!.imports).toEqual(expect.arrayContaining(['printf', 'puts', 'toy_dup', 'toy_release', 'getenv', 'exit']));
    expect(f.imports.map((i) => i.symbol).sort()).toEqual([...f.dynamic!.imports].sort());
    expect(f.functions.map((x) => x.name)).toEqual(expect.arrayContaining(['main', 'hello_entry', 'hello_twice']));
    expect(sites(f, 'toy_dup')).toEqual([[undefined, '.got.plt', 'call']]);
  });

  test('shared object', () => {
    const f = facts('libtoy.so');
    expect(f.unitKind).toBe('userspace');
    expect(f.dynamic).toEqual({ needed: ['libc.so.6'], imports: expect.arrayContaining(['malloc', 'free']) });
    expect(f.functions.find((x) => x.name === 'toy_dup')).toMatchObject({ section: '.text', global: true });
  });
});

describe.each(['toyarch-x86_64.o', 'toyarch-i386.o', 'toyarch-ppc.o', 'toyarch-s390x.o'])('%s', (name) => {
  const f = facts(name);
  test('calls to the import from both functions, the static call across sections', () => {
    expect(f.unitKind).toBe('object');
    expect(f.warnings).toEqual([]);
    const calls = sites(f, 'ext_call').filter((s) => s[2] === 'call').map((s) => s[0]).sort();
    expect(calls).toEqual(['arch_cold', 'arch_work']);
    expect(refs(f)).toContain('arch_work -> arch_cold (call, .text)');
    expect(refs(f).filter((r) => r.startsWith('arch_entry -> arch_work'))).toHaveLength(1);
  });

  test('one site per relocation of a loaded section that names the import (readelf)', () => {
    const rels = readelfRelocations(path.join(TD, name), f.elf.class === 64);
    const secs = readelfSections(path.join(TD, name));
    for (const imp of f.imports) {
      let n = 0;
      for (const [rs, list] of rels) {
        const target = secs[secs.find((s) => s.name === rs)!.info];
        if (!target.flags.includes('A')) continue;
        n += list.filter((r) => r.symbol === imp.symbol).length;
      }
      expect(`${imp.symbol}: ${imp.sites.length}`).toBe(`${imp.symbol}: ${n}`);
    }
  });
});
