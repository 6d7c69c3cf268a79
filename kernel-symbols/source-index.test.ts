/**
 * The source index, on small texts and on a real subset of Debian's linux-source-6.1 tree
 * (kernel/ and include/; unpacked by kernel-symbols/build/linux-source.sh), checked against the
 * tree's own lines, against Module.symvers of the Debian 6.1 build and against grep.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadDatabase } from './database';
import { DatabaseFormatError, KernelSymbolsError } from './errors';
import {
  buildSourceIndex,
  declarationsIn,
  decodeSourceIndex,
  encodeSourceIndex,
  exportSitesOf,
  exportWrappersIn,
  headerLicence,
  loadSourceIndex,
  type BuiltIndex,
} from './source-index';

jest.setTimeout(600_000);

describe('lexical export sites', () => {
  test('macros, namespaces, comments, #define lines, conditionals', () => {
    const text = [
      '// SPDX-License-Identifier: GPL-2.0', // 1
      '#define DEFAULT_SYMBOL_NAMESPACE EARLY_NS', // 2 (before the first #include: applies)
      '#include <linux/export.h>', // 3
      'int a(void) { return 0; }', // 4
      'EXPORT_SYMBOL(a);', // 5
      '/* EXPORT_SYMBOL(in_comment); */', // 6
      'const char *s = "EXPORT_SYMBOL(in_string)";', // 7
      '#define MY_EXPORT(x) EXPORT_SYMBOL_GPL(x)', // 8
      '#ifdef CONFIG_FOO', // 9
      'EXPORT_SYMBOL_NS_GPL(b, OTHER_NS);', // 10
      '#endif', // 11
      'EXPORT_SYMBOL_GPL_FOR_MODULES(c, "kvm,kvm-amd");', // 12
      'EXPORT_TRACEPOINT_SYMBOL_GPL(my_event);', // 13
      'EXPORT_SYMBOL(',
      '\tmulti_line);', // 14-15
      'EXPORT_SYMBOL(a ## b);', // 16: pasted: not a name
    ].join('\n');
    const sites = exportSitesOf('x/y.c', text, 'BUILD_NS');
    expect(sites.map((s) => [s.symbol, s.line, s.type, s.namespace ?? '', s.conditional ?? false])).toEqual([
      ['a', 5, 'plain', 'EARLY_NS', false],
      ['b', 10, 'gpl', 'OTHER_NS', true],
      ['c', 12, 'gpl', '', false],
      ['__tracepoint_my_event', 13, 'gpl', 'EARLY_NS', false],
      ['__traceiter_my_event', 13, 'gpl', 'EARLY_NS', false],
      ['__SCK__tp_func_my_event', 13, 'gpl', 'EARLY_NS', false],
      ['__SCT__tp_func_my_event', 13, 'gpl', 'EARLY_NS', false],
      ['multi_line', 14, 'plain', 'EARLY_NS', false],
    ]);
    expect(sites.find((s) => s.symbol === 'c')!.forModules).toEqual(['kvm', 'kvm-amd']);
  });

  test('DEFAULT_SYMBOL_NAMESPACE after the first #include comes too late (as in 6.1); the build namespace applies', () => {
    const late = '#include <linux/module.h>\n#define DEFAULT_SYMBOL_NAMESPACE LATE\nEXPORT_SYMBOL(f);\n';
    expect(exportSitesOf('a.c', late)[0].namespace).toBeUndefined();
    expect(exportSitesOf('a.c', late, 'FROM_MAKEFILE')[0].namespace).toBe('FROM_MAKEFILE');
  });

  test('an include guard does not make a header conditional; wrapper macros export their argument', () => {
    const h = '#ifndef _X_H\n#define _X_H\nEXPORT_SYMBOL(g);\n#if 1\nEXPORT_SYMBOL(h);\n#endif\n#endif\n';
    expect(exportSitesOf('x.h', h).map((s) => [s.symbol, s.conditional ?? false])).toEqual([
      ['g', false],
      ['h', true],
    ]);
    const wrappers = exportWrappersIn('#define ACPI_EXPORT_SYMBOL(symbol) EXPORT_SYMBOL(symbol)\n#define IWL_EXPORT_SYMBOL(sym) EXPORT_SYMBOL_NS_GPL(sym, IWLWIFI)\n');
    const sites = exportSitesOf('w.c', 'ACPI_EXPORT_SYMBOL(acpi_x)\nIWL_EXPORT_SYMBOL(iwl_y);\n', undefined, wrappers);
    expect(sites.map((s) => [s.symbol, s.macro, s.type, s.namespace ?? ''])).toEqual([
      ['acpi_x', 'ACPI_EXPORT_SYMBOL', 'plain', ''],
      ['iwl_y', 'IWL_EXPORT_SYMBOL', 'gpl', 'IWLWIFI'],
    ]);
  });

  test('header licences and declarations', () => {
    expect(headerLicence('include/uapi/linux/x.h', '/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */\n')).toEqual({
      file: 'include/uapi/linux/x.h',
      spdx: 'GPL-2.0 WITH Linux-syscall-note',
      uapi: true,
      syscallNote: true,
    });
    expect(headerLicence('include/linux/y.h', '#ifndef Y\n')).toEqual({ file: 'include/linux/y.h', uapi: false, syscallNote: false });
    const h = [
      'extern void *foo(int);', // 1 declaration
      'struct s { int (*foo)(void); };', // 2 member: no
      'static inline int bar(void) { return foo(1); }', // 3 call inside braces: no
      '#define baz() foo(2)', // 4 #define: no
      'extern unsigned long jiffies_like __read_mostly;', // 5 declaration with attribute
      'TRACE_EVENT(foo2,', // 6 macro argument: no
    ].join('\n');
    const names = new Set(['foo', 'jiffies_like', 'foo2']);
    expect(declarationsIn('h.h', h, (n) => names.has(n))).toEqual([
      { symbol: 'foo', file: 'h.h', line: 1 },
      { symbol: 'jiffies_like', file: 'h.h', line: 5 },
    ]);
  });
});

describe('on the real linux-source-6.1 tree (kernel/ and include/)', () => {
  let root: string;
  let built: BuiltIndex;
  let ms: number;
  const lines = new Map<string, string[]>();
  const lineOf = (file: string, line: number): string => {
    let l = lines.get(file);
    if (!l) lines.set(file, (l = fs.readFileSync(path.join(root, file), 'utf8').split('\n')));
    return l[line - 1] ?? '';
  };

  beforeAll(() => {
    const script = path.join(__dirname, 'build', 'linux-source.sh');
    root = execFileSync(script, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 }).trim().split('\n').pop()!;
    const t0 = Date.now();
    built = buildSourceIndex(root, { only: ['kernel', 'include'] });
    ms = Date.now() - t0;
  });

  test('what was indexed', () => {
    expect(built.meta.kernelVersion).toMatch(/^6\.1\.\d+$/);
    expect(built.meta.tree).toBe('linux-source-6.1');
    expect(built.meta.excluded).toEqual(expect.arrayContaining(['drivers', 'arch', 'Documentation']));
    expect(built.exports.every((e) => e.file.startsWith('kernel/') || e.file.startsWith('include/'))).toBe(true);
    expect(built.meta.counts.exportSites).toBeGreaterThan(1500);
    console.log(`indexed kernel/ and include/ in ${ms} ms: ${JSON.stringify(built.meta.counts)}`);
  });

  test('every site is on a line of the tree that names the macro and the symbol', () => {
    const wrong = built.exports.filter((e) => {
      const text = lineOf(e.file, e.line);
      const arg = e.symbol.replace(/^__(tracepoint|traceiter)_|^__SC[KT]__(tp_func_)?/, '');
      return !text.includes(e.macro) || !(text.includes(arg) || lineOf(e.file, e.line + 1).includes(arg));
    });
    expect(wrong).toEqual([]);
  });

  test('well-known export sites', () => {
    const one = (s: string) => {
      const sites = built.exports.filter((e) => e.symbol === s);
      expect(sites).toHaveLength(1);
      return sites[0];
    };
    expect(one('task_work_add')).toMatchObject({ file: 'kernel/task_work.c', macro: 'EXPORT_SYMBOL_GPL', type: 'gpl' });
    expect(lineOf('kernel/task_work.c', one('task_work_add').line)).toBe('EXPORT_SYMBOL_GPL(task_work_add);');
    expect(one('ktime_get')).toMatchObject({ file: 'kernel/time/timekeeping.c', type: 'gpl' });
    expect(one('kthread_create_on_node')).toMatchObject({ file: 'kernel/kthread.c', type: 'plain' });
    expect(one('_printk')).toMatchObject({ file: 'kernel/printk/printk.c', type: 'plain' });
  });

  test('agrees with Module.symvers of the Debian 6.1 build on type and namespace', () => {
    const db = loadDatabase('6.1');
    const vmlinux = built.exports.filter((e) => e.file.startsWith('kernel/') && db.lookup(e.symbol));
    expect(vmlinux.length).toBeGreaterThan(1200);
    // A name exported at several sites (tiny RCU vs tree RCU, UP vs SMP, PREEMPT_RT) agrees at
    // one of them: the one the Debian configuration builds.
    const names = [...new Set(vmlinux.map((e) => e.symbol))];
    const disagree = names.filter((n) => {
      const k = db.lookup(n)!;
      return !vmlinux.some((e) => e.symbol === n && k.type === e.type && (k.namespace ?? '') === (e.namespace ?? ''));
    });
    expect(disagree).toEqual([]);
    expect(names.filter((n) => vmlinux.filter((e) => e.symbol === n).length > 1).length).toBeLessThan(names.length / 20);
  });

  test('header licences, UAPI and the syscall note, cross-checked with grep', () => {
    const byFile = new Map(built.headers.map((h) => [h.file, h]));
    expect(byFile.get('include/uapi/linux/kvm.h')).toEqual({
      file: 'include/uapi/linux/kvm.h',
      spdx: 'GPL-2.0 WITH Linux-syscall-note',
      uapi: true,
      syscallNote: true,
    });
    expect(byFile.get('include/linux/slab.h')).toMatchObject({ spdx: 'GPL-2.0', uapi: false, syscallNote: false });
    expect(byFile.get('arch/x86/include/uapi/asm/kvm.h')).toMatchObject({ uapi: true, syscallNote: true });
    const grepCount = (args: string[]) =>
      execFileSync('grep', ['-rlE', '--include=*.h', ...args], { cwd: root, encoding: 'utf8', maxBuffer: 16 << 20 })
        .split('\n')
        .filter(Boolean).length;
    const uapi = built.headers.filter((h) => h.file.startsWith('include/uapi/'));
    expect(uapi.length).toBe(Number(execFileSync('sh', ['-c', 'find include/uapi -name "*.h" | wc -l'], { cwd: root, encoding: 'utf8' })));
    expect(uapi.filter((h) => h.spdx === 'GPL-2.0 WITH Linux-syscall-note').length).toBe(
      grepCount(['-m1', 'SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note *($|\\*/)', 'include/uapi']),
    );
    expect(built.headers.filter((h) => h.file.startsWith('include/linux/') && h.syscallNote).length).toBeLessThan(5);
  });

  test('declaring headers', () => {
    const decl = built.declarations.filter((d) => d.symbol === 'task_work_add');
    expect(decl.map((d) => d.file)).toEqual(['include/linux/task_work.h']);
    expect(lineOf(decl[0].file, decl[0].line)).toMatch(/task_work_add\(/);
    const kt = built.declarations.filter((d) => d.symbol === 'ktime_get').map((d) => d.file);
    expect(kt).toContain('include/linux/timekeeping.h');
    const wrongLines = built.declarations.filter((d) => !lineOf(d.file, d.line).includes(d.symbol));
    expect(wrongLines).toEqual([]);
  });

  test('the file round-trips', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-srcindex-'));
    try {
      const file = path.join(dir, 'k.srcindex.gz');
      fs.writeFileSync(file, encodeSourceIndex(built));
      const ix = loadSourceIndex(file);
      expect(ix.meta).toEqual(built.meta);
      expect(ix.exports).toEqual(built.exports);
      expect(ix.headers).toEqual(built.headers);
      expect(ix.declarations).toEqual(built.declarations);
      expect(ix.declarationsOf('task_work_add')[0].licence).toMatchObject({ file: 'include/linux/task_work.h', spdx: 'GPL-2.0' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('errors name the file and the problem', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-srcindex-'));
  try {
    expect(() => buildSourceIndex(dir)).toThrow(KernelSymbolsError);
    expect(() => buildSourceIndex(dir)).toThrow(/not a Linux source tree/);
    expect(() => buildSourceIndex(path.join(dir, 'missing'))).toThrow(/cannot read the kernel source tree/);
    expect(() => decodeSourceIndex(Buffer.from('junk'), 'bad.gz')).toThrow(DatabaseFormatError);
    expect(() => loadSourceIndex(path.join(dir, 'none.gz'))).toThrow(/none\.gz: cannot read kernel source index/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
