import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { CCall, CFileFacts } from '../facts';
import { analyzeC, expandMacroCalls } from './index';
import { prepare } from './prepass';

const TESTDATA = path.join(__dirname, 'testdata');

/** Analyse a fixture; facts name it `testdata/<name>` so expectations do not depend on the checkout. */
function fixture(name: string): CFileFacts {
  return analyzeC(`testdata/${name}`, fs.readFileSync(path.join(TESTDATA, name)));
}

/** A compact, exact view of a call or address record. */
function site(c: CCall): string {
  const l = c.site.location;
  let s = `${c.callee}@${l.line}:${l.column}`;
  if (l.function) s += ` in ${l.function}`;
  if (c.site.conditional) s += ' [cond]';
  if (c.site.viaMacros) s += ` via ${c.site.viaMacros.join('>')}`;
  if (c.site.lexical) s += ' [lexical]';
  if (c.guess) s += ' [guess]';
  return s;
}

describe('analyzeC on a small kernel module', () => {
  const f = fixture('basic_module.c');

  test('functions: name, static, inline (also from __always_inline), start and end', () => {
    expect(f.functions.map((x) => [x.name, x.static, x.inline ?? false, x.location.line, x.location.column, x.endLine])).toEqual([
      ['basic_open', true, false, 12, 1, 16],
      ['basic_release', true, false, 18, 1, 21],
      ['basic_work_fn', true, false, 30, 1, 33],
      ['basic_twice', true, true, 37, 1, 40],
      ['basic_api', false, false, 42, 1, 54],
      ['basic_init', true, false, 57, 1, 61],
      ['basic_exit', true, false, 63, 1, 66],
    ]);
    expect(f.hasMain).toBe(false);
  });

  test('every call with 1-based line/column and enclosing function; calls through variables and parameters are not calls', () => {
    expect(f.calls.map(site)).toEqual([
      'nonseekable_open@15:9 in basic_open',
      'kfree@32:2 in basic_work_fn',
      'DECLARE_WORK@35:8',
      'kmalloc@45:26 in basic_api',
      'INIT_WORK@49:2 in basic_api',
      'schedule_work@50:2 in basic_api',
      // `cb(w)` (a local function pointer) and `done(...)` (a parameter) are indirect
      'basic_twice@52:7 in basic_api',
      'register_chrdev@53:9 in basic_api',
      'pr_info@59:2 in basic_init',
      'unregister_chrdev@65:2 in basic_exit',
      'module_init@68:1',
      'module_exit@69:1',
    ]);
    expect(f.calls.every((c) => c.site.kind === 'call')).toBe(true);
  });

  test('functions used as values: struct initialisers, &f, callback arguments, macro arguments', () => {
    expect(f.addressTaken.map(site)).toEqual([
      'basic_open@25:10',
      'basic_release@26:13',
      // not defined or declared here, but in a function-pointer slot: a guess for the linker
      'noop_llseek@27:12 [guess]',
      'basic_work_fn@35:33',
      'basic_work_fn@44:38 in basic_api',
      'basic_work_fn@49:15 in basic_api',
      'basic_init@68:13',
      'basic_exit@69:13',
    ]);
    expect(f.addressTaken.every((c) => c.site.kind === 'address')).toBe(true);
  });

  test('module macros, export, includes, SPDX, hash', () => {
    expect(f.exports).toEqual([
      { symbol: 'basic_api', type: 'plain', macro: 'EXPORT_SYMBOL', location: { path: 'testdata/basic_module.c', line: 55, column: 1 } },
    ]);
    expect(f.moduleLicenses).toEqual([{ value: 'GPL', location: { path: 'testdata/basic_module.c', line: 70, column: 1 } }]);
    expect(f.moduleInfo).toEqual([
      { key: 'author', value: 'Fixture Author <fixture@example.org>', location: { path: 'testdata/basic_module.c', line: 71, column: 1 } },
      { key: 'description', value: 'basic fixture module', location: { path: 'testdata/basic_module.c', line: 72, column: 1 } },
    ]);
    expect(f.includes.map((i) => [i.target, i.system, i.category, i.location.line])).toEqual([
      ['linux/module.h', true, 'kernel', 5],
      ['linux/slab.h', true, 'kernel', 6],
      ['asm/io.h', true, 'kernel', 7],
      ['basic_local.h', false, 'local', 8],
    ]);
    expect(f.spdx).toEqual([
      { expression: 'GPL-2.0-only', location: { path: 'testdata/basic_module.c', line: 1, column: 4 }, parsed: { license: 'GPL-2.0-only' } },
    ]);
    expect(f.looksLike).toBe('kernel');
    expect(f.warnings).toEqual([]);
    expect(f.hash).toBe(createHash('sha256').update(fs.readFileSync(path.join(TESTDATA, 'basic_module.c'))).digest('hex'));
  });

  test('a string input gives the same facts (without hash) and the facts are plain JSON', () => {
    const fromString = analyzeC('testdata/basic_module.c', fs.readFileSync(path.join(TESTDATA, 'basic_module.c'), 'utf8'));
    expect(fromString.hash).toBeUndefined();
    expect({ ...fromString, hash: f.hash }).toEqual(f);
    expect(JSON.parse(JSON.stringify(f))).toEqual(f);
  });
});

describe('EXPORT_SYMBOL family and module macros', () => {
  const f = fixture('exports.c');
  const L = (line: number) => ({ path: 'testdata/exports.c', line, column: 1 });

  test('every variant with its type, namespace and module list', () => {
    expect(f.exports).toEqual([
      { symbol: 'plain_fn', type: 'plain', macro: 'EXPORT_SYMBOL', location: L(18) },
      { symbol: 'gpl_fn', type: 'gpl', macro: 'EXPORT_SYMBOL_GPL', location: L(19) },
      { symbol: 'ns_fn', type: 'plain', macro: 'EXPORT_SYMBOL_NS', namespace: 'MY_NS', location: L(20) },
      { symbol: 'ns_gpl_fn', type: 'gpl', macro: 'EXPORT_SYMBOL_NS_GPL', namespace: 'MY_NS', location: L(21) },
      { symbol: 'ns_str_fn', type: 'gpl', macro: 'EXPORT_SYMBOL_NS_GPL', namespace: 'MY_STR_NS', location: L(22) },
      { symbol: 'for_mods_fn', type: 'gpl', macro: 'EXPORT_SYMBOL_GPL_FOR_MODULES', forModules: ['kvm', 'kvm-amd'], location: L(23) },
      { symbol: 'for_mods_new_fn', type: 'gpl', macro: 'EXPORT_SYMBOL_FOR_MODULES', forModules: ['kvm'], location: L(24) },
      { symbol: 'pcpu_counter', type: 'gpl', macro: 'EXPORT_PER_CPU_SYMBOL_GPL', location: L(25) },
      { symbol: '__tracepoint_fixture_event', type: 'gpl', macro: 'EXPORT_TRACEPOINT_SYMBOL_GPL', location: L(26) },
      { symbol: '__traceiter_fixture_event', type: 'gpl', macro: 'EXPORT_TRACEPOINT_SYMBOL_GPL', location: L(26) },
      { symbol: '__SCK__tp_func_fixture_event', type: 'gpl', macro: 'EXPORT_TRACEPOINT_SYMBOL_GPL', location: L(26) },
      { symbol: '__SCT__tp_func_fixture_event', type: 'gpl', macro: 'EXPORT_TRACEPOINT_SYMBOL_GPL', location: L(26) },
    ]);
    // the export macros are facts, not calls
    expect(f.calls.map(site)).toEqual(['DEFINE_PER_CPU@16:1']);
  });

  test('MODULE_IMPORT_NS takes a bare identifier (6.1) or a string; MODULE_INFO(license/import_ns)', () => {
    expect(f.importNs).toEqual([
      { namespace: 'OTHER_NS', location: L(28) },
      { namespace: 'OTHER_STR_NS', location: L(29) },
      { namespace: 'THIRD_NS', location: L(32) },
    ]);
    expect(f.moduleLicenses).toEqual([
      { value: 'GPL v2', location: L(30) },
      { value: 'Dual MIT/GPL', location: L(31) },
    ]);
    // string arguments built from the file's own string macros are resolved
    expect(f.moduleInfo).toEqual([
      { key: 'description', value: 'exports fixture v1.0', location: L(33) },
      { key: 'version', value: '1.0', location: L(34) },
    ]);
  });

  test('DEFAULT_SYMBOL_NAMESPACE defined before the export gives it a namespace', () => {
    const d = fixture('default_ns.c');
    expect(d.exports).toEqual([
      { symbol: 'ns_default_fn', type: 'gpl', macro: 'EXPORT_SYMBOL_GPL', namespace: 'FIXTURE_NS', location: { path: 'testdata/default_ns.c', line: 10, column: 1 } },
    ]);
  });
});

describe('macros', () => {
  const f = fixture('macros.c');

  test('macros defined in the file with parameters, body and what the body calls', () => {
    expect(f.macros.map((m) => [m.name, m.params, m.body, m.calls, m.location.line])).toEqual([
      ['my_alloc', ['size'], 'kmalloc(size, GFP_KERNEL)', ['kmalloc'], 6],
      ['my_zalloc', ['size'], 'memset(my_alloc(size), 0, size)', ['memset', 'my_alloc'], 7],
      ['my_free', ['p'], 'do { if (p) kfree(p); } while (0)', ['kfree'], 8],
      ['CURRENT_TASK', undefined, 'get_current()', ['get_current'], 9],
      ['LOG', ['fmt', '...'], 'printk(KERN_INFO "macros: " fmt, ##__VA_ARGS__)', ['printk'], 10],
      // a called parameter is not a callee of the macro
      ['CALL_IT', ['fn', 'arg'], 'fn(arg)', [], 11],
      ['recursive', ['x'], 'recursive(x, 0)', ['recursive'], 12],
    ]);
  });

  test('local function-like macros are followed transitively; the macro call itself stays', () => {
    expect(f.calls.map(site)).toEqual([
      'my_zalloc@16:12 in grab',
      'memset@16:12 in grab via my_zalloc',
      'my_alloc@16:12 in grab via my_zalloc',
      'kmalloc@16:12 in grab via my_zalloc>my_alloc',
      // an object-like macro used as a value
      'get_current@17:26 in grab via CURRENT_TASK',
      'LOG@19:2 in grab',
      'printk@19:2 in grab via LOG',
      // defined in macros_local.h: followed only by the group step below
      'hdr_chain@20:2 in grab',
      'my_free@21:2 in grab',
      'kfree@21:2 in grab via my_free',
      'CALL_IT@22:2 in grab',
      // a macro calling a function of its own name is not expanded again
      'recursive@23:9 in grab',
    ]);
  });

  test('expandMacroCalls applies the macros of the other files of the group, idempotently', () => {
    const header = fixture('macros_local.h');
    const [c, h] = expandMacroCalls([f, header]);
    expect(h).toBe(header);
    const added = c.calls.filter((x) => !f.calls.includes(x)).map(site);
    expect(added).toEqual(['hdr_helper@20:2 in grab via hdr_chain', 'vfree@20:2 in grab via hdr_chain>hdr_helper']);
    expect(expandMacroCalls([c, h])[0].calls).toEqual(c.calls);
    expect(f.calls.some((x) => x.callee === 'vfree')).toBe(false); // the input is not changed
  });
});

describe('#if / #ifdef branches', () => {
  const f = fixture('ifdef.c');

  test('both branches are read and their facts are conditional', () => {
    expect(f.functions.map((x) => [x.name, x.location.line, x.conditional ?? false])).toEqual([
      ['always', 8, false],
      ['only_foo', 11, true],
      ['only_foo', 14, true],
      ['mixed', 17, false],
    ]);
    expect(f.calls.map(site)).toEqual([
      'always_call@8:34 in always',
      'foo_do@11:36 in only_foo [cond]',
      'bar_do@14:36 in only_foo [cond]',
      'always@19:10 in mixed',
      'bar_do@21:7 in mixed [cond]',
      'baz_do@23:7 in mixed [cond]',
      'generic_do@25:7 in mixed [cond]',
      'only_foo@27:13 in mixed',
    ]);
    expect(f.exports.map((e) => [e.symbol, e.location.line, e.conditional])).toEqual([['only_foo', 12, true]]);
    expect(f.includes.map((i) => [i.target, i.conditional ?? false])).toEqual([
      ['linux/kernel.h', false],
      ['linux/foo.h', true],
    ]);
    // `#if 0` too: every branch is read, and marked
    expect(f.moduleLicenses.map((m) => [m.value, m.location.line, m.conditional ?? false])).toEqual([
      ['Proprietary', 31, true],
      ['GPL', 33, false],
    ]);
    // `IS_ENABLED(...)` in a condition is not a call
    expect(f.calls.some((c) => c.callee === 'IS_ENABLED')).toBe(false);
  });

  test('an include guard does not make a header conditional', () => {
    const h = fixture('ifdef_guard.h');
    expect(h.functions.map((x) => [x.name, x.inline, x.conditional ?? false])).toEqual([
      ['guarded', true, false],
      ['guarded_x', true, true],
    ]);
    expect(h.calls.map(site)).toEqual(['guarded_call@7:9 in guarded', 'guarded_x_call@13:9 in guarded_x [cond]']);
    expect(prepare(fs.readFileSync(path.join(TESTDATA, 'ifdef_guard.h'), 'utf8')).guard).toBe('_IFDEF_GUARD_H');
  });
});

describe('unparsable regions', () => {
  const f = fixture('error_region.c');

  test('are warnings with their location', () => {
    expect(f.warnings.map((w) => [w.message, w.location?.line, w.location?.column])).toEqual([
      ['syntax error at 14:14: missing ;', 14, 14],
      ['unparsable region 14:15-21:1 (tree-sitter ERROR); calls there were also read lexically', 14, 15],
      ['syntax error at 25:24: missing ;', 25, 24],
      ['syntax error at 27:31: missing ;', 27, 31],
      ['syntax error at 33:23: missing }', 33, 23],
    ]);
    expect(f.warnings.every((w) => w.path === 'testdata/error_region.c')).toBe(true);
  });

  test('facts before, inside (lexically) and after the region are found', () => {
    expect(f.functions.map((x) => [x.name, x.location.line, x.endLine, x.conditional ?? false])).toEqual([
      ['before_error', 5, 8, false],
      // the parser's node runs to the end of the file; the matching brace ends it
      ['broken', 11, 16, false],
      ['after_error', 18, 21, false],
      // a header split by #ifdef: the body goes to the last header seen
      ['split', 27, 31, true],
    ]);
    expect(f.calls.map(site)).toEqual([
      'before_call@7:9 in before_error',
      'first_call@13:10 in broken',
      'GLUE@14:7 in broken',
      'GLUE@14:15 in broken [lexical]',
      'hidden_call@14:23 in broken [lexical]',
      'other_call@14:40 in broken [lexical]',
      'last_call@15:9 in broken [lexical]',
      'after_call@20:9 in after_error',
      'split_call@30:9 in split',
    ]);
    expect(f.exports.map((e) => [e.symbol, e.type, e.location.line])).toEqual([
      ['before_error', 'plain', 9],
      ['after_error', 'gpl', 22],
    ]);
    expect(f.moduleLicenses.map((m) => [m.value, m.location.line])).toEqual([['GPL', 33]]);
  });

  test('a file of garbage gives warnings, not an exception', () => {
    const g = analyzeC('garbage.c', '@@@ )))( {{{ "unterminated\n EXPORT_SYMBOL(x); ### \u0000 \uFFFD');
    expect(g.exports.map((e) => e.symbol)).toEqual(['x']);
    expect(g.warnings.length).toBeGreaterThan(0);
  });
});

describe('SPDX-License-Identifier', () => {
  const f = fixture('spdx.c');
  test('valid, LicenseRef, invalid, unknown ids, anywhere in the file', () => {
    expect(f.spdx.map((s) => [s.expression, s.location.line, s.location.column, s.parsed ?? null, s.error ?? null])).toEqual([
      [
        '(GPL-2.0 WITH Linux-syscall-note) OR MIT',
        1,
        4,
        { left: { license: 'GPL-2.0', exception: 'Linux-syscall-note' }, conjunction: 'or', right: { license: 'MIT' } },
        null,
      ],
      ['LicenseRef-Fixture-Proprietary', 2, 4, { license: 'LicenseRef-Fixture-Proprietary' }, null],
      ['GPL-2.0+ AND BSD-3-Clause', 4, 4, { left: { license: 'GPL-2.0', plus: true }, conjunction: 'and', right: { license: 'BSD-3-Clause' } }, null],
      ['GPL-2.0 OR', 6, 4, null, 'invalid SPDX expression: incomplete expression'],
      ['GPL-2.0-only AND Not-A-Licence-1.0', 7, 4, null, 'unknown SPDX identifier: Not-A-Licence-1.0'],
      ['GPL-2.0 WITH Made-Up-exception', 8, 4, null, 'unknown SPDX identifier: Made-Up-exception'],
      ['MIT', 12, 15, { license: 'MIT' }, null],
    ]);
  });
});

describe('include categories', () => {
  test('in a userspace program <linux/...> and <asm/...> are the UAPI copies', () => {
    const f = fixture('userspace.c');
    expect(f.looksLike).toBe('userspace');
    expect(f.hasMain).toBe(true);
    expect(f.includes.map((i) => [i.target, i.category])).toEqual([
      ['stdio.h', 'libc'],
      ['stdlib.h', 'libc'],
      ['sys/ioctl.h', 'libc'],
      ['net/if.h', 'libc'],
      ['linux/kvm.h', 'uapi'],
      ['asm/kvm.h', 'uapi'],
      ['uapi/linux/types.h', 'uapi'],
      ['glib.h', 'local'],
      ['vmm_local.h', 'local'],
    ]);
    expect(f.calls.map(site)).toEqual(['fprintf@15:2 in usage', 'usage@21:3 in main', 'atexit@22:2 in main', 'ioctl@23:9 in main']);
    expect(f.addressTaken.map(site)).toEqual(['usage@22:9 in main']);
  });

  test('in kernel code they are kernel headers; quoted kernel-shaped paths go by path', () => {
    const f = fixture('kernel_includes.c');
    expect(f.looksLike).toBe('kernel');
    expect(f.includes.map((i) => [i.target, i.system, i.category])).toEqual([
      ['linux/kvm.h', true, 'kernel'],
      ['linux/module.h', true, 'kernel'],
      ['net/route.h', true, 'kernel'],
      ['uapi/linux/types.h', true, 'uapi'],
      ['linux/private_copy.h', false, 'kernel'],
      ['local.h', false, 'local'],
    ]);
  });
});

describe('the pre-pass', () => {
  test('keeps every offset: same length, same newlines', () => {
    for (const name of fs.readdirSync(TESTDATA).filter((n) => /\.[ch]$/.test(n))) {
      const text = fs.readFileSync(path.join(TESTDATA, name), 'utf8');
      const p = prepare(text);
      expect(p.parseText.length).toBe(text.length);
      expect([...p.parseText].map((c, i) => (c === '\n') === (text[i] === '\n')).every(Boolean)).toBe(true);
    }
  });

  test('neutralises annotations, string-glued macros, type arguments and pasted numbers', () => {
    const text = [
      'static int __init f(char __user *p) __must_hold(&l);',
      'static __always_inline void g(void) { printk(KERN_INFO "x" DRV "y"); }',
      'x = max_t(unsigned int, a, b) + container_of(p, struct foo, m) + h(u32 *, q);',
      'm = link_mode(1000baseT_Full) + 0x1fUL + 10ULL + 1e5;',
    ].join('\n');
    expect(prepare(text).parseText.split('\n')).toEqual([
      `static int ${' '.repeat(6)} f(char ${' '.repeat(6)} *p)${' '.repeat(16)};`,
      'static inline          void g(void) { printk(          "x"     "y"); }',
      'x = max_t(_           , a, b) + container_of(p, _         , m) + h(_    , q);',
      'm = link_mode(_             ) + 0x1fUL + 10ULL + 1e5;',
    ]);
  });

  test('directives: includes, defines with continuation lines and comments, conditional ranges', () => {
    const text = '#include <a.h>\n#define M(x, y) \\\n  f(x) /* c */ + g(y)\n#if A\nint v;\n#endif\nint w;\n';
    const p = prepare(text);
    expect(p.includes).toEqual([{ target: 'a.h', system: true, offset: 0, targetOffset: 9 }]);
    expect(p.defines).toEqual([{ name: 'M', params: ['x', 'y'], body: 'f(x)   + g(y)', offset: 15, nameOffset: 23 }]);
    expect(p.condRanges).toEqual([text.indexOf('#if'), text.indexOf('\nint w')]);
  });
});

describe('#if inside braces', () => {
  test('every branch of an initialiser or expression is read; a missing comma between designators is supplied', () => {
    const f = fixture('ifdef_inside.c');
    expect(f.warnings).toEqual([]);
    expect(f.addressTaken.map(site)).toEqual(['generic_access_phys@7:12 [cond] [guess]', 'local_access@9:12 [cond]']);
    expect(f.calls.map(site)).toEqual(['extra_check@17:9 in pick [cond]', 'slow_path@20:10 in pick']);
    const p = prepare(fs.readFileSync(path.join(TESTDATA, 'ifdef_inside.c'), 'utf8')).parseText.split('\n');
    // lines 6, 8, 10, 16, 18: the directives, blanked; `#else` between two designators is a comma
    expect([p[5], p[7], p[9], p[15], p[17]]).toEqual([' '.repeat(31), ',    ', ' '.repeat(6), ' '.repeat(19), ' '.repeat(6)]);
  });
});

describe('iterator macros', () => {
  test('`for_each_x(a) {` and `for_each_x(a) stmt;` are a call and a body, not a nested function or an error', () => {
    const f = fixture('iterators.c');
    expect(f.functions.map((x) => [x.name, x.location.line, x.endLine])).toEqual([['walk_all', 3, 16]]);
    expect(f.calls.map(site)).toEqual([
      'for_each_online_cpu@8:2 in walk_all',
      'touch_cpu@9:3 in walk_all',
      'list_for_each_entry@11:2 in walk_all',
      'visit@12:3 in walk_all',
      'for_each_possible_cpu@14:2 in walk_all',
      // the parser took `for_each_possible_cpu(cpu) touch_cpu(cpu);` for a declaration
      'touch_cpu@15:3 in walk_all [lexical]',
    ]);
    expect(f.warnings).toEqual([]);
  });
});
