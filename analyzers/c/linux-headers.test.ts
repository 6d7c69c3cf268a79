/**
 * The analyser over real Linux headers: Debian's linux-headers-<abi>-common (installed by
 * `test/setup/debian.sh install-headers`). GPLCHECK_LINUX_HEADERS may name another tree
 * (a directory holding include/linux).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { CFileFacts } from '../facts';
import { analyzeC } from './index';

function headersRoot(): string {
  const env = process.env.GPLCHECK_LINUX_HEADERS;
  if (env) return env;
  const base = '/usr/src';
  const dirs = fs.existsSync(base) ? fs.readdirSync(base).filter((d) => /^linux-headers-.*-common$/.test(d)).sort() : [];
  if (dirs.length === 0) {
    throw new Error('no /usr/src/linux-headers-*-common: run test/setup/debian.sh install-headers (or set GPLCHECK_LINUX_HEADERS)');
  }
  return path.join(base, dirs[dirs.length - 1]);
}

const root = headersRoot();
const linuxDir = path.join(root, 'include', 'linux');
const files = fs
  .readdirSync(linuxDir)
  .filter((f) => f.endsWith('.h'))
  .sort()
  .map((f) => path.join(linuxDir, f));

const facts = new Map<string, CFileFacts>();

beforeAll(() => {
  for (const f of files) facts.set(f, analyzeC(f, fs.readFileSync(f)));
});

test('a few hundred real headers are read, none throws, the facts are sound', () => {
  expect(files.length).toBeGreaterThan(500);
  expect(facts.size).toBe(files.length);
  let withSpdx = 0;
  const bad: string[] = [];
  for (const [file, f] of facts) {
    const lines = fs.readFileSync(file, 'utf8').split('\n').length;
    if (f.path !== file) bad.push(`${file}: path ${f.path}`);
    if (f.spdx.some((s) => s.parsed)) withSpdx++;
    for (const c of [...f.calls, ...f.addressTaken]) {
      const l = c.site.location;
      if (l.path !== file || !(l.line! >= 1 && l.line! <= lines) || !(l.column! >= 1) || !/^[A-Za-z_$][\w$]*$/.test(c.callee)) {
        bad.push(`${file}: ${c.callee} at ${l.path}:${l.line}:${l.column}`);
      }
    }
    for (const fn of f.functions) {
      if (!/^[A-Za-z_$][\w$]*$/.test(fn.name) || fn.endLine < fn.location.line!) bad.push(`${file}: function ${fn.name} ${fn.location.line}-${fn.endLine}`);
    }
    for (const w of f.warnings) if (!(w.location?.line! >= 1)) bad.push(`${file}: warning without line: ${w.message}`);
  }
  expect(bad).toEqual([]);
  // almost every kernel header carries an SPDX line (DOMAIN.md: 224 of 2,606 do not)
  expect(withSpdx / files.length).toBeGreaterThan(0.85);
  // the facts are plain JSON
  const slab = facts.get(path.join(linuxDir, 'slab.h'))!;
  expect(JSON.parse(JSON.stringify(slab))).toEqual(slab);
});

test('include/linux/slab.h: the static inline kmalloc calls kmalloc_large, kmalloc_trace and __kmalloc', () => {
  const file = path.join(linuxDir, 'slab.h');
  const text = fs.readFileSync(file, 'utf8').split('\n');
  const f = facts.get(file)!;
  expect(f.spdx.map((s) => s.expression)).toContain('GPL-2.0');

  // where the real text has them
  const defLine = text.findIndex((l) => /^static __always_inline .*\*kmalloc\(size_t size, gfp_t flags\)$/.test(l)) + 1;
  expect(defLine).toBeGreaterThan(0);
  const endLine = text.findIndex((l, i) => i >= defLine && l === '}') + 1;
  const lineOf = (needle: string) => text.findIndex((l, i) => i >= defLine && l.includes(needle)) + 1;

  const kmalloc = f.functions.find((x) => x.name === 'kmalloc')!;
  expect(kmalloc).toEqual({ name: 'kmalloc', static: true, inline: true, location: { path: file, line: defLine, column: 1 }, endLine });

  const inKmalloc = f.calls.filter((c) => c.site.location.function === 'kmalloc');
  const call = (callee: string) => inKmalloc.find((c) => c.callee === callee && !c.site.viaMacros);
  expect(call('kmalloc_large')!.site.location.line).toBe(lineOf('return kmalloc_large(size, flags);'));
  expect(call('kmalloc_trace')!.site.location.line).toBe(lineOf('return kmalloc_trace('));
  expect(call('__kmalloc')!.site.location.line).toBe(lineOf('return __kmalloc(size, flags);'));
  // kmalloc_trace sits in an #ifndef CONFIG_SLOB branch inside the function, __kmalloc does not
  expect(call('kmalloc_trace')!.site.conditional).toBe(true);
  expect(call('__kmalloc')!.site.conditional).toBeUndefined();
  // kmalloc_index is a macro of the same file: followed to __kmalloc_index
  const viaIndex = inKmalloc.find((c) => c.callee === '__kmalloc_index');
  expect(viaIndex?.site.viaMacros).toEqual(['kmalloc_index']);
  // __builtin_constant_p is not a call
  expect(inKmalloc.some((c) => c.callee.startsWith('__builtin'))).toBe(false);
});

test('macros of module.h and export.h are read with what they call', () => {
  const mod = facts.get(path.join(linuxDir, 'module.h'))!;
  const lic = mod.macros.find((m) => m.name === 'MODULE_LICENSE')!;
  expect(lic.params).toEqual(['_license']);
  expect(lic.calls).toContain('MODULE_INFO');
  const exp = facts.get(path.join(linuxDir, 'export.h'))!;
  expect(exp.macros.filter((m) => m.name === 'EXPORT_SYMBOL_GPL').map((m) => m.calls)).toContainEqual(['_EXPORT_SYMBOL']);
  // the header defines the macros; it does not use them as exports
  expect(exp.exports).toEqual([]);
});

test('a UAPI header: SPDX with the syscall note, guard not conditional', () => {
  const file = path.join(root, 'include', 'uapi', 'linux', 'kvm.h');
  const f = analyzeC(file, fs.readFileSync(file));
  expect(f.spdx[0].expression).toBe('GPL-2.0 WITH Linux-syscall-note');
  expect(f.spdx[0].parsed).toEqual({ license: 'GPL-2.0', exception: 'Linux-syscall-note' });
  const api = f.macros.find((m) => m.name === 'KVM_GET_API_VERSION')!;
  expect(api.conditional).toBeUndefined();
  expect(api.calls).toEqual(['_IO']);
});
