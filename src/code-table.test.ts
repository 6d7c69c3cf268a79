/** The compact code table: packed facts read, serialise and link exactly as the objects did. */
import * as fs from 'fs';
import * as path from 'path';
import { analyzeC } from '../analyzers/c';
import type { CCall, CFileFacts } from '../analyzers/facts';
import { loadDatabase } from '../kernel-symbols';
import { codeTableOf, forEachCallee, packCode, packedCopy } from './code-table';
import { link } from './link';
import { siteCount } from '../rules/model';

const REPO = path.resolve(__dirname, '..');
const TESTDATA = path.join(REPO, 'analyzers/c/testdata');
const db = loadDatabase('6.1');

/** Real sources with every kind of site: conditional, through macros, lexical, guessed. */
function realFacts(): CFileFacts[] {
  const out: CFileFacts[] = [];
  for (const name of ['macros.c', 'ifdef.c', 'error_region.c', 'iterators.c', 'basic_module.c']) {
    const rel = path.join('analyzers/c/testdata', name);
    out.push(analyzeC(rel, fs.readFileSync(path.join(TESTDATA, name))));
  }
  for (const rel of ['vmkernel/shim/vmk_work.c', 'vmkernel/core/vmkcore_sched.c']) out.push(analyzeC(rel, fs.readFileSync(path.join(REPO, rel))));
  return out;
}

test('a packed file reads and serialises as before, key order included', () => {
  const all = realFacts();
  const seen = new Set<string>();
  for (const f of all) {
    const before = JSON.stringify(f);
    const calls = structuredClone(f.calls);
    const taken = structuredClone(f.addressTaken);
    const functions = structuredClone(f.functions);
    const macros = structuredClone(f.macros);
    for (const m of macros) {
      seen.add(m.params ? 'function-like macro' : 'object-like macro');
      if (m.conditional) seen.add('conditional macro');
      if (m.calls.length) seen.add('macro calls');
    }
    for (const x of functions) {
      if (x.inline) seen.add('inline');
      if (x.conditional) seen.add('conditional function');
      if (x.static) seen.add('static');
    }
    for (const c of [...calls, ...taken]) {
      if (c.site.conditional) seen.add('conditional');
      if (c.site.viaMacros) seen.add('viaMacros');
      if (c.site.lexical) seen.add('lexical');
      if (c.guess) seen.add('guess');
      if (c.site.location.function === undefined) seen.add('no function');
    }
    const table = packCode(f);
    expect(codeTableOf(f)).toBe(table);
    expect(table.count).toBe(calls.length + taken.length);
    expect(JSON.stringify(f)).toBe(before);
    expect(f.calls).toEqual(calls);
    expect(f.addressTaken).toEqual(taken);
    expect(f.functions).toEqual(functions);
    expect(f.macros).toEqual(macros);
    expect(table.macroCount).toBe(macros.length);
    for (let i = 0; i < macros.length; i++) expect(table.macroName(i)).toBe(macros[i].name);
    expect(structuredClone(f)).toEqual(JSON.parse(before));
    for (let i = 0; i < table.count; i++) expect(table.callee(i)).toBe(i < calls.length ? calls[i].callee : taken[i - calls.length].callee);
    expect(packCode(f)).toBe(table); // packing twice is the same table
  }
  // the sample does exercise every flag
  expect([...seen].sort()).toEqual([
    'conditional', 'conditional function', 'function-like macro', 'guess', 'inline', 'lexical',
    'macro calls', 'no function', 'object-like macro', 'static', 'viaMacros',
  ]);
});

test('entries the table has no place for come back unchanged', () => {
  const f = analyzeC('odd.c', 'int f(void) { return g(1) + h(2) + k(3); }\n');
  const calls = f.calls;
  const odd: CCall[] = [
    { ...calls[0], site: { ...calls[0].site, location: { ...calls[0].site.location, path: 'elsewhere.h' } } }, // another file
    { ...calls[1], site: { ...calls[1].site, location: { ...calls[1].site.location, endLine: 9 } } }, // a field it does not hold
    { site: calls[2].site, callee: calls[2].callee }, // another key order
    { ...calls[0], site: { ...calls[0].site, location: { ...calls[0].site.location, column: 4096 } } }, // a column beyond 12 bits
    { ...calls[1], site: { ...calls[1].site, location: { ...calls[1].site.location, line: 2 ** 19 } } }, // a line beyond 19 bits
    { ...calls[2], site: { ...calls[2].site, location: { ...calls[2].site.location, line: 2 ** 19 - 1, column: 4095 } } }, // the largest that fit
  ];
  f.calls = odd;
  const before = JSON.stringify(f);
  packCode(f);
  expect(JSON.stringify(f)).toBe(before);
  expect(f.calls).toEqual(odd);
  expect(f.calls[0]).not.toBe(odd[0]); // built anew, as every read is
});

test('macros, with the empty bodies of a scan, and macros the table has no place for', () => {
  const src = '#define A 1\n#define F(x, y) g(x) + h(y)\n#ifdef X\n#define G() k()\n#endif\n#define S "str"\nint f(void) { return F(1, 2) + G(); }\n';
  const f = analyzeC('m.c', src, { macros: 'callable' });
  expect(f.macros.some((m) => m.body === '')).toBe(true);
  expect(f.macros.some((m) => m.conditional)).toBe(true);
  expect(f.macros.some((m) => m.body === '"str"')).toBe(true);
  const odd = [
    ...f.macros,
    { ...f.macros[0], location: { ...f.macros[0].location, path: 'other.h' } }, // another file
    { calls: [], name: 'Z', body: '', location: f.macros[0].location }, // another key order
    { ...f.macros[0], params: [] as string[] }, // no parameters at all: F()
  ];
  f.macros = odd;
  const before = JSON.stringify(f);
  packCode(f);
  expect(JSON.stringify(f)).toBe(before);
  expect(f.macros).toEqual(odd);
  expect(Object.keys(f.macros[odd.length - 2])).toEqual(['calls', 'name', 'body', 'location']);
  expect(f.macros[odd.length - 1].params).toEqual([]);
  f.macros = [];
  expect(codeTableOf(f)).toBeUndefined();
  expect(f.calls.length).toBeGreaterThan(0);
});

test('a packed copy reads and serialises as the file; the file is left as it was', () => {
  for (const f of realFacts()) {
    const before = JSON.stringify(f);
    const keys = Object.keys(f);
    const copy = packedCopy(f);
    expect(copy).not.toBe(f);
    expect(codeTableOf(copy)).toBeDefined();
    expect(codeTableOf(f)).toBeUndefined();
    expect(Object.keys(copy)).toEqual(keys);
    expect(JSON.stringify(copy)).toBe(before);
    expect(JSON.stringify(f)).toBe(before);
    expect(packedCopy(copy)).toBe(copy);
    copy.functions = [];
    expect(codeTableOf(copy)).toBeUndefined();
    expect(copy.calls).toEqual(f.calls);
  }
});

test('assigning calls after packing unpacks the file', () => {
  const f = analyzeC('a.c', 'int f(void) { return g(); }\n');
  packCode(f);
  const more = [...f.calls, ...f.calls];
  f.calls = more;
  expect(codeTableOf(f)).toBeUndefined();
  expect(f.calls).toBe(more);
  expect(f.addressTaken).toEqual([]);
});

test('linking packed facts gives what linking the objects gives; source sites are built when read', () => {
  // a module calling kfree from 7 places
  const body = Array.from({ length: 7 }, (_, i) => `  kfree((void *)${i});`).join('\n');
  const src = `#include <linux/module.h>\nstatic int __init m_init(void)\n{\n${body}\n  return kstrdup("x", 0) != 0;\n}\nMODULE_LICENSE("Proprietary");\n`;
  const plain = analyzeC('m/m.c', src);
  const expected = {
    kfree: plain.calls.filter((c) => c.callee === 'kfree').map((c) => c.site),
    kstrdup: plain.calls.filter((c) => c.callee === 'kstrdup').map((c) => c.site),
  };
  const model = link([analyzeC('m/m.c', src)], db, []);
  const unit = model.units.find((u) => u.id === 'm')!;
  const kfree = unit.imports.find((i) => i.symbol === 'kfree')!;
  const kstrdup = unit.imports.find((i) => i.symbol === 'kstrdup')!;
  expect(kfree.sites).toEqual(expected.kfree);
  expect(kfree.sites).toHaveLength(7);
  expect(Object.getOwnPropertyDescriptor(kfree, 'sites')!.get).toBeDefined(); // built when read
  expect(kstrdup.sites).toEqual(expected.kstrdup);
  expect(Object.keys(kfree)).toEqual(Object.keys(kstrdup)); // same keys, same order
  expect(JSON.parse(JSON.stringify(kfree)).sites).toEqual(JSON.parse(JSON.stringify(expected.kfree)));
  kfree.sites = kfree.sites.slice(0, 1); // a reader may still replace them
  expect(kfree.sites).toHaveLength(1);
});

test('the number of sites is known without building them', () => {
  const body = Array.from({ length: 9 }, (_, i) => `  kfree((void *)${i});`).join('\n');
  const model = link([analyzeC('n/n.c', `static int __init n_init(void)\n{\n${body}\n  return 0;\n}\nMODULE_LICENSE("GPL");\n`)], db, []);
  const imp = model.units[0].imports.find((i) => i.symbol === 'kfree')!;
  expect(siteCount(imp)).toBe(9);
  imp.sites = [];
  expect(siteCount(imp)).toBe(0);
});

test('functions the table has no place for come back unchanged; assigning functions unpacks', () => {
  const f = analyzeC('fn.c', 'static inline int a(void) { return 0; }\nint b(void) { return a(); }\n');
  const odd = [
    { ...f.functions[0], location: { ...f.functions[0].location, path: 'other.h' } },
    { endLine: f.functions[1].endLine, name: f.functions[1].name, static: false, location: f.functions[1].location },
  ];
  f.functions = odd;
  const before = JSON.stringify(f);
  packCode(f);
  expect(JSON.stringify(f)).toBe(before);
  expect(f.functions).toEqual(odd);
  const calls = f.calls;
  f.functions = [];
  expect(codeTableOf(f)).toBeUndefined();
  expect(f.functions).toEqual([]);
  expect(f.calls).toEqual(calls);
});

test('function names are read without building the functions', () => {
  const f = analyzeC('names.c', 'static int a(void) { return 0; }\nint b(void) { return a(); }\n');
  const names = f.functions.map((x) => x.name);
  const table = packCode(f);
  expect(Array.from({ length: table.functionCount }, (_, i) => table.functionName(i))).toEqual(names);
});

test('callees are listed the same from a packed file and from objects', () => {
  const f = analyzeC('c.c', 'int f(int (*p)(void)) { return g() + h(1); }\nstatic int (*q)(int (*)(void)) = f;\nint k(void) { return f(k); }\n');
  const names = [...f.calls, ...f.addressTaken].map((c) => c.callee);
  const before: string[] = [];
  forEachCallee(f, (n) => before.push(n));
  packCode(f);
  const after: string[] = [];
  forEachCallee(f, (n) => after.push(n));
  expect(before).toEqual(names);
  expect(after).toEqual(names);
  expect(names.length).toBeGreaterThan(2);
});
