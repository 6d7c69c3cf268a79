import * as fs from 'fs';
import * as path from 'path';
import type { BuildFacts, CFileFacts } from '../facts';
import { analyzeC, analyzeKbuild, expandMacroCalls, groupSources, resolveLocalIncludes } from './index';

const TESTDATA = path.join(__dirname, 'testdata');
const rel = (p: string) => path.join('testdata', p);
const read = (p: string) => fs.readFileSync(path.join(TESTDATA, p), 'utf8');

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(TESTDATA, dir), { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out.sort();
}

describe('analyzeKbuild', () => {
  test('a multi-file module (foo-objs, continuation, foo-$(CONFIG_X)), an optional module, a variable, a subdirectory', () => {
    const b = analyzeKbuild(rel('kbuild_module/Kbuild'), read('kbuild_module/Kbuild'));
    const L = (line: number) => ({ path: rel('kbuild_module/Kbuild'), line, column: 1 });
    expect(b).toEqual({
      analyzer: 'kbuild',
      path: rel('kbuild_module/Kbuild'),
      modules: [
        { name: 'foo', objects: ['foo_main.o', 'foo_util.o', 'foo_debug.o'], kind: 'obj-m', location: L(3) },
        { name: 'bar', objects: ['bar.o'], kind: 'obj-m', config: 'CONFIG_BAR', location: L(7) },
        { name: 'extra', objects: ['extra.o'], kind: 'obj-m', location: L(9) },
      ],
      userspacePrograms: [],
      includeDirs: ['include'],
      warnings: [],
    });
  });

  test('the out-of-tree wrapper Makefile is neither a module list nor a userspace program', () => {
    const b = analyzeKbuild(rel('kbuild_module/Makefile'), read('kbuild_module/Makefile'));
    expect(b.modules).toEqual([]);
    expect(b.userspacePrograms).toEqual([]);
  });

  test('a plain userspace Makefile: programs built with $(CC) or by the implicit rule, objects through $(SRCS:.c=.o)', () => {
    const b = analyzeKbuild(rel('userspace_prog/Makefile'), read('userspace_prog/Makefile'));
    expect(b.modules).toEqual([]);
    expect(b.userspacePrograms).toEqual([
      { name: 'vmm', objects: ['vmm_main.o', 'vmm_io.o'], location: { path: rel('userspace_prog/Makefile'), line: 9, column: 1 } },
      { name: 'tool', objects: ['tool.o'], location: { path: rel('userspace_prog/Makefile'), line: 15, column: 1 } },
    ]);
  });

  test('assignment forms and expansions', () => {
    const text = [
      'M := mod',
      'PARTS = a.o',
      'PARTS += b.o',
      'PARTS ?= ignored.o',
      'override EXTRA := c.o',
      'obj-m := $(M).o ${M}2.o',
      '$(M)-y := $(PARTS) $(addprefix sub/,$(EXTRA)) \\',
      '  $(patsubst %.c,%.o,d.c)',
      'mod2-objs := $(subst x,y,x.o)  # comment',
      'obj- += never.o',
      'obj-$(CONFIG_Z) := z.o',
      'z-$(CONFIG_Z_EXTRA) := z_main.o z_extra.o',
    ].join('\n');
    const b = analyzeKbuild('Kbuild', text);
    expect(b.modules.map((m) => [m.name, m.objects, m.kind, m.config, m.location.line])).toEqual([
      ['mod', ['a.o', 'b.o', 'sub/c.o', 'd.o'], 'obj-m', undefined, 6],
      ['mod2', ['y.o'], 'obj-m', undefined, 6],
      ['z', ['z_main.o', 'z_extra.o'], 'obj-m', 'CONFIG_Z', 11],
    ]);
  });

  test('the vmkernel tree of this repository', () => {
    const root = path.join(__dirname, '..', '..', 'vmkernel');
    const shim = analyzeKbuild('vmkernel/shim/Kbuild', fs.readFileSync(path.join(root, 'shim', 'Kbuild'), 'utf8'));
    expect(shim.modules.map((m) => [m.name, m.kind])).toEqual([['vmk_shim', 'obj-m']]);
    expect(shim.modules[0].objects).toContain('vmk_main.o');
    const core = analyzeKbuild('vmkernel/core/Kbuild', fs.readFileSync(path.join(root, 'core', 'Kbuild'), 'utf8'));
    expect(core.includeDirs).toEqual(['../shim/include']);
    const vmm = analyzeKbuild('vmkernel/vmm/Makefile', fs.readFileSync(path.join(root, 'vmm', 'Makefile'), 'utf8'));
    expect(vmm.userspacePrograms.map((p) => p.name)).toEqual(['vmm']);
    expect(vmm.userspacePrograms[0].objects).toContain('main.o');
    const top = analyzeKbuild('vmkernel/Makefile', fs.readFileSync(path.join(root, 'Makefile'), 'utf8'));
    expect(top.modules).toEqual([]);
    expect(top.userspacePrograms).toEqual([]);
  });
});

describe('groupSources', () => {
  const files = [...walk('kbuild_module'), ...walk('userspace_prog')].map(rel).filter((p) => /\.[ch]$/.test(p));
  const builds: BuildFacts[] = [
    analyzeKbuild(rel('kbuild_module/Kbuild'), read('kbuild_module/Kbuild')),
    analyzeKbuild(rel('kbuild_module/Makefile'), read('kbuild_module/Makefile')),
    analyzeKbuild(rel('userspace_prog/Makefile'), read('userspace_prog/Makefile')),
  ];
  const facts: CFileFacts[] = files.map((p) => analyzeC(p, fs.readFileSync(path.join(__dirname, p))));

  test('module objects map to .c files; headers follow the includes (also through -I dirs); the rest by directory', () => {
    const groups = groupSources(files, builds, facts);
    expect(groups).toEqual([
      { name: 'bar', kind: 'module', dir: rel('kbuild_module'), builds: [rel('kbuild_module/Kbuild')], files: [rel('kbuild_module/bar.c')] },
      { name: 'extra', kind: 'module', dir: rel('kbuild_module'), builds: [rel('kbuild_module/Kbuild')], files: [rel('kbuild_module/extra.c')] },
      {
        name: 'foo',
        kind: 'module',
        dir: rel('kbuild_module'),
        builds: [rel('kbuild_module/Kbuild')],
        files: [
          rel('kbuild_module/foo_debug.c'),
          rel('kbuild_module/foo_internal.h'),
          rel('kbuild_module/foo_main.c'),
          rel('kbuild_module/foo_util.c'),
          rel('kbuild_module/include/foo.h'),
        ],
      },
      { name: 'kbuild_module', kind: 'directory', dir: rel('kbuild_module'), files: [rel('kbuild_module/stray.c')] },
      { name: 'sub', kind: 'directory', dir: rel('kbuild_module/sub'), files: [rel('kbuild_module/sub/sub_part.c')] },
      { name: 'tool', kind: 'program', dir: rel('userspace_prog'), builds: [rel('userspace_prog/Makefile')], files: [rel('userspace_prog/tool.c')] },
      {
        name: 'vmm',
        kind: 'program',
        dir: rel('userspace_prog'),
        builds: [rel('userspace_prog/Makefile')],
        files: [rel('userspace_prog/vmm.h'), rel('userspace_prog/vmm_io.c'), rel('userspace_prog/vmm_main.c')],
      },
    ]);
  });

  test('without facts, a header joins the only build group of its directory, if there is just one', () => {
    const groups = groupSources(files, builds);
    // three modules in kbuild_module/, two programs in userspace_prog/: their headers stay with
    // the directory; include/ has no build group at all
    expect(groups.find((g) => g.name === 'kbuild_module')!.files).toEqual([rel('kbuild_module/foo_internal.h'), rel('kbuild_module/stray.c')]);
    expect(groups.find((g) => g.name === 'userspace_prog')!.files).toEqual([rel('userspace_prog/vmm.h')]);
    expect(groups.find((g) => g.name === 'include')!.files).toEqual([rel('kbuild_module/include/foo.h')]);
    const single = groupSources([rel('userspace_prog/vmm.h'), rel('userspace_prog/vmm_main.c'), rel('userspace_prog/vmm_io.c')], [builds[2]]);
    expect(single.map((g) => [g.name, g.files])).toEqual([
      ['vmm', [rel('userspace_prog/vmm.h'), rel('userspace_prog/vmm_io.c'), rel('userspace_prog/vmm_main.c')]],
    ]);
  });

  test('the result does not depend on the input order', () => {
    expect(groupSources([...files].reverse(), [...builds].reverse(), [...facts].reverse())).toEqual(groupSources(files, builds, facts));
  });

  test('a group\u2019s macros followed across its files; includes resolved among the scanned files', () => {
    const groups = groupSources(files, builds, facts);
    const foo = groups.find((g) => g.name === 'foo')!;
    const byPath = new Map(facts.map((f) => [f.path, f]));
    const expanded = expandMacroCalls(foo.files.map((p) => byPath.get(p)!));
    const util = expanded.find((f) => f.path === rel('kbuild_module/foo_util.c'))!;
    expect(util.calls.map((c) => [c.callee, c.site.location.line, c.site.viaMacros])).toEqual([
      ['foo_wrap', 6, undefined],
      ['kmalloc', 6, ['foo_wrap']],
    ]);
    const main = expanded.find((f) => f.path === rel('kbuild_module/foo_main.c'))!;
    expect(main.calls.map((c) => [c.callee, c.site.viaMacros])).toEqual([
      ['foo_helper', undefined],
      ['foo_util', ['foo_helper']],
      ['module_init', undefined],
    ]);

    const resolved = resolveLocalIncludes(facts, builds);
    const mainIncludes = resolved.find((f) => f.path === rel('kbuild_module/foo_main.c'))!.includes;
    expect(mainIncludes.map((i) => [i.target, i.category, i.resolved])).toEqual([
      ['linux/module.h', 'kernel', undefined],
      // <foo.h> through ccflags-y := -I$(src)/include
      ['foo.h', 'local', rel('kbuild_module/include/foo.h')],
      ['foo_internal.h', 'local', rel('kbuild_module/foo_internal.h')],
    ]);
  });
});
