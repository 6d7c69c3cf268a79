import { loadDatabase } from '../kernel-symbols';
import { link } from '../src/link';
import { factsOf, type RuleCase } from '../test/rule-tester';
import { ensureVmkernelModules, VMKERNEL_KOS } from '../test/vmkernel-modules';
import { boundaryGraph, launderedUses, pathText } from './graph';

const db = loadDatabase('6.1');
const modelOf = (c: Omit<RuleCase, 'name'>) => link(factsOf({ name: 'graph', ...c }), db, []);

const mod = (name: string, license: string, body: string) => ({
  [`${name}/Kbuild`]: `obj-m += ${name}.o\n`,
  [`${name}/${name}.c`]: `#include <linux/module.h>\n#include <linux/ktime.h>\n#include <linux/slab.h>\n\n${body}\nMODULE_LICENSE("${license}");\n`,
});

const F = 'test/fixtures/modules';

describe('the boundary graph', () => {
  test('is plain JSON data with units, symbols, links, references, calls, exports and includes', () => {
    const m = modelOf({
      files: {
        ...mod('shim', 'GPL', 'static s64 h(void)\n{\n\treturn ktime_get();\n}\ns64 shim_now(void)\n{\n\treturn h();\n}\nEXPORT_SYMBOL(shim_now);\n'),
        ...mod('user', 'Proprietary', 's64 shim_now(void);\nstatic int __init user_init(void)\n{\n\treturn (int)shim_now();\n}\nmodule_init(user_init);\n'),
      },
    });
    const g = boundaryGraph(m);
    expect(JSON.parse(JSON.stringify(g))).toEqual(g);
    expect(g.units).toEqual([
      { id: 'shim', kind: 'kernel-module', licenses: ['GPL'], gplCompatible: true, loaderGplCompatible: true, paths: ['shim/shim.c'] },
      { id: 'user', kind: 'kernel-module', licenses: ['Proprietary'], gplCompatible: false, loaderGplCompatible: false, paths: ['user/user.c'] },
    ]);
    expect(g.links).toEqual([
      { from: 'shim', to: 'vmlinux', providerKind: 'kernel', symbols: 1, gplOnly: 1, sites: 1 },
      { from: 'user', to: 'shim', providerKind: 'scanned', symbols: 1, gplOnly: 0, sites: 1 },
    ]);
    // function-level edges for the unit that is not GPL-compatible and the shim its path goes through
    expect(g.functionLevel).toEqual(['shim', 'user']);
    expect(g.exports).toEqual([{ unit: 'shim', symbol: 'shim_now', exportType: 'plain', location: expect.objectContaining({ path: 'shim/shim.c', line: 13 }) }]);
    expect(g.calls).toEqual([
      { unit: 'shim', from: 'shim_now', to: 'h', kind: 'call', evidence: 'source', locations: [expect.objectContaining({ line: 11, function: 'shim_now' })] },
    ]);
    expect(g.references.find((r) => r.symbol === 'ktime_get')).toMatchObject({
      unit: 'shim',
      function: 'h',
      provider: 'vmlinux',
      providerKind: 'kernel',
      exportType: 'gpl',
      kind: 'call',
      evidence: 'source',
    });
    expect(g.symbols.find((s) => s.symbol === 'ktime_get')).toEqual({ symbol: 'ktime_get', exportType: 'gpl', provider: 'vmlinux', providerKind: 'kernel' });
    expect(g.includes.filter((i) => i.unit === 'shim').map((i) => [i.target, i.category])).toEqual([
      ['linux/module.h', 'kernel'],
      ['linux/ktime.h', 'kernel'],
      ['linux/slab.h', 'kernel'],
    ]);
    // reach entries only for the unit that is not GPL-compatible
    expect(g.reach.map((r) => [r.unit, pathText(r.steps)])).toEqual([['user', 'user_init → shim_now → h → ktime_get']]);
  });

  test('a scan of GPL units only has no function-level edges (units[].imports hold the references)', () => {
    const g = boundaryGraph(modelOf({ binaries: [`${F}/build/clean_gpl/clean_gpl.ko`, `${F}/build/gpl_shim/gpl_shim.ko`] }));
    expect(g.functionLevel).toEqual([]);
    expect(g.references).toEqual([]);
    expect(g.links.map((l) => [l.from, l.to, l.gplOnly])).toEqual([
      ['clean_gpl', 'vmlinux', 0],
      ['gpl_shim', 'vmlinux', 1],
    ]);
  });

  test('the fixture laundering case: reach from prop_via_shim through gpl_shim to ktime_get', () => {
    const m = modelOf({ binaries: [`${F}/build/gpl_shim/gpl_shim.ko`, `${F}/build/prop_via_shim/prop_via_shim.ko`] });
    const reach = boundaryGraph(m).reach;
    expect(reach).toEqual([
      {
        unit: 'prop_via_shim',
        target: 'ktime_get',
        targetProvider: 'vmlinux',
        entry: 'shim_clock_now_ns',
        via: ['gpl_shim'],
        steps: [
          expect.objectContaining({ unit: 'prop_via_shim', symbol: 'prop_via_shim_init', note: 'calls shim_clock_now_ns' }),
          expect.objectContaining({ unit: 'gpl_shim', symbol: 'shim_clock_now_ns', note: 'calls ktime_get' }),
          { unit: 'vmlinux', symbol: 'ktime_get', note: 'exported with EXPORT_SYMBOL_GPL' },
        ],
      },
    ]);
    // every hop inside a scanned unit has its location (here: section and offset of the relocation)
    expect(reach[0].steps[1].location).toMatchObject({ path: `${F}/build/gpl_shim/gpl_shim.ko`, section: '.text', function: 'shim_clock_now_ns' });
  });

  test('keeps the shortest path per GPL-only symbol', () => {
    const m = modelOf({
      files: {
        ...mod(
          'shim',
          'GPL',
          'static s64 h2(void)\n{\n\treturn ktime_get();\n}\nstatic s64 h1(void)\n{\n\treturn h2();\n}\n' +
            's64 shim_long(void)\n{\n\treturn h1();\n}\nEXPORT_SYMBOL(shim_long);\n' +
            's64 shim_short(void)\n{\n\treturn ktime_get();\n}\nEXPORT_SYMBOL(shim_short);\n',
        ),
        ...mod('user', 'Proprietary', 's64 shim_long(void);\ns64 shim_short(void);\nstatic int __init user_init(void)\n{\n\treturn (int)(shim_long() + shim_short());\n}\nmodule_init(user_init);\n'),
      },
    });
    const g = boundaryGraph(m);
    expect(g.reach.map((r) => [r.target, pathText(r.steps)])).toEqual([['ktime_get', 'user_init → shim_short → ktime_get']]);
    // per export used, the path from that export (the long one goes through both static helpers)
    const uses = launderedUses(m, m.units.find((u) => u.id === 'user')!);
    expect(uses.map((u) => [u.symbol, pathText(u.targets.get('ktime_get')!.steps)])).toEqual([
      ['shim_long', 'user_init → shim_long → h1 → h2 → ktime_get'],
      ['shim_short', 'user_init → shim_short → ktime_get'],
    ]);
  });

  test('is function-level: another function of the shim reaching GPL-only code does not taint an export that does not', () => {
    const m = modelOf({
      files: {
        ...mod('shim', 'GPL', 's64 shim_gpl(void)\n{\n\treturn ktime_get();\n}\nEXPORT_SYMBOL(shim_gpl);\nvoid shim_free(void *p)\n{\n\tkfree(p);\n}\nEXPORT_SYMBOL(shim_free);\n'),
        ...mod('user', 'Proprietary', 'void shim_free(void *p);\nstatic int __init user_init(void)\n{\n\tshim_free(NULL);\n\treturn 0;\n}\nmodule_init(user_init);\n'),
      },
    });
    expect(boundaryGraph(m).reach).toEqual([]);
  });

  test('terminates on exports that call each other across units', () => {
    const m = modelOf({
      files: {
        ...mod('a', 'GPL', 'void b_f(int n);\nvoid a_f(int n)\n{\n\tif (n)\n\t\tb_f(n - 1);\n}\nEXPORT_SYMBOL(a_f);\n'),
        ...mod('b', 'GPL', 'void a_f(int n);\nvoid b_f(int n)\n{\n\tif (n)\n\t\ta_f(n - 1);\n\telse\n\t\tktime_get();\n}\nEXPORT_SYMBOL(b_f);\n'),
        ...mod('user', 'Proprietary', 'void a_f(int n);\nstatic int __init user_init(void)\n{\n\ta_f(3);\n\treturn 0;\n}\nmodule_init(user_init);\n'),
      },
    });
    const reach = boundaryGraph(m).reach;
    expect(reach.map((r) => [r.target, r.via, pathText(r.steps)])).toEqual([['ktime_get', ['a', 'b'], 'user_init → a_f → b_f → ktime_get']]);
  });

  test('calls inside a binary come from its relocations', () => {
    ensureVmkernelModules();
    const m = modelOf({ binaries: [VMKERNEL_KOS.vmk_shim, VMKERNEL_KOS.vmk_core] });
    const g = boundaryGraph(m);
    expect(g.calls).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ unit: 'vmk_core', from: 'vmkcore_init', to: 'vmkcore_heap_init', kind: 'call', evidence: 'binary' }),
        expect.objectContaining({ unit: 'vmk_shim', from: 'vmk_timer_create', to: 'vmk_timer_expired', kind: 'address' }),
      ]),
    );
    // 11 plain exports of the shim reach 10 distinct GPL-only symbols (hrtimer_cancel twice)
    const core = g.reach.filter((r) => r.unit === 'vmk_core');
    expect(core.map((r) => r.target)).toEqual([
      'alloc_workqueue', 'cancel_work_sync', 'destroy_workqueue', 'devm_kfree', 'devm_kmalloc',
      'flush_work', 'hrtimer_cancel', 'hrtimer_init', 'hrtimer_start_range_ns', 'ktime_get',
    ]);
    expect(core.every((r) => r.via.length === 1 && r.via[0] === 'vmk_shim' && r.steps.length === 3)).toBe(true);
  });

  test('beyond the limit of function-level edges, units are counted, not listed: their counts are those of their edges', () => {
    ensureVmkernelModules();
    const m = modelOf({
      binaries: [VMKERNEL_KOS.vmk_shim, VMKERNEL_KOS.vmk_core],
      files: {
        ...mod('p1', 'Proprietary', 'static int h(void)\n{\n\treturn (int)ktime_get();\n}\nstatic int __init p1_init(void)\n{\n\treturn h() + h();\n}\nmodule_init(p1_init);\n'),
        ...mod('p2', 'Proprietary', 'static int __init p2_init(void)\n{\n\tkfree(kmalloc(8, GFP_KERNEL));\n\treturn (int)ktime_get();\n}\nmodule_init(p2_init);\n'),
        ...mod('p3', 'Proprietary', 'static int __init p3_init(void)\n{\n\treturn 0;\n}\nmodule_init(p3_init);\n'),
      },
    });
    const full = boundaryGraph(m, Infinity);
    expect(full.omitted).toBeUndefined();
    const edges = (u: string) => ({
      references: full.references.filter((e) => e.unit === u).length,
      calls: full.calls.filter((e) => e.unit === u).length,
    });
    expect(full.functionLevel.length).toBeGreaterThanOrEqual(4);
    // a limit that the first unit fills: what follows fits only without edges
    const first = edges(full.functionLevel[0]);
    const limit = first.references + first.calls;
    const listed = full.functionLevel.filter((u, i) => i === 0 || edges(u).references + edges(u).calls === 0);
    const left = full.functionLevel.filter((u) => !listed.includes(u));
    expect(left.length).toBeGreaterThanOrEqual(2);
    const capped = boundaryGraph(m, limit);
    expect(capped.functionLevel).toEqual(listed);
    expect(capped.omitted).toEqual({
      units: left,
      references: left.reduce((n, u) => n + edges(u).references, 0),
      calls: left.reduce((n, u) => n + edges(u).calls, 0),
    });
    expect(capped.references).toEqual(full.references.filter((e) => listed.includes(e.unit)));
    expect(capped.calls).toEqual(full.calls.filter((e) => listed.includes(e.unit)));
    // the usual graph of the model is its own
    expect(boundaryGraph(m)).toEqual(full);
  });
});
