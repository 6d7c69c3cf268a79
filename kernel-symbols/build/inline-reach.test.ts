import { valueIdentifiers, graphOf, type DefinitionFacts } from './inline-reach';

test('valueIdentifiers: members, tags, literals, comments, pasted names and unevaluated operands are no value use', () => {
  const ids = valueIdentifiers(
    'x = a->member + b.field + sizeof(struct s) + sizeof(c_size) + typeof(d_type) y; /* comment_name */ "str_name" ' +
      "'q' tok##pasted #stringified struct tagged *p = &real_value; return other(e);",
  );
  const keywords = new Set(['struct', 'return']);
  expect([...ids].filter((i) => !keywords.has(i)).sort()).toEqual(['a', 'b', 'e', 'other', 'p', 'real_value', 'x', 'y']);
});

test('valueIdentifiers: the __builtin_constant_p(x) && y idiom of 6.1 flush_workqueue()', () => {
  const body =
    '({ struct workqueue_struct *_wq = (wq); if ((__builtin_constant_p(_wq == system_wq) && _wq == system_wq) || ' +
    '(__builtin_constant_p(_wq == system_highpri_wq) && _wq == system_highpri_wq)) __warn_flushing_systemwide_wq(); __flush_workqueue(_wq); })';
  const ids = valueIdentifiers(body);
  expect(ids.has('system_wq')).toBe(false);
  expect(ids.has('system_highpri_wq')).toBe(false);
  expect(ids.has('__flush_workqueue')).toBe(true);
  expect(ids.has('__warn_flushing_systemwide_wq')).toBe(true);
});

test('graphOf: union of definitions, pruning to names that reach an export, arch over asm-generic', () => {
  const d = (name: string, file: string, refs: string[], kind: 'inline' | 'macro' = 'inline'): DefinitionFacts => ({ name, kind, file, line: 1, conditional: false, refs });
  const exported = new Set(['exp_a', 'exp_b', 'exported_inline']);
  const g = graphOf(
    [
      d('outer', 'include/linux/a.h', ['middle', 'nothing']),
      d('middle', 'include/linux/a.h', ['exp_a']),
      d('middle', 'include/linux/b.h', ['exp_b'], 'macro'),
      d('nothing', 'include/linux/a.h', ['unknown_fn']),
      d('exported_inline', 'include/linux/a.h', ['exp_a']), // exported by the build: not a node
      d('arch_thing', 'arch/x86/include/asm/t.h', ['exp_a']),
      d('arch_thing', 'include/asm-generic/t.h', ['exp_b']), // fallback: ignored
      d('cycle1', 'include/linux/c.h', ['cycle2']),
      d('cycle2', 'include/linux/c.h', ['cycle1', 'exp_b']),
    ],
    (n) => exported.has(n),
  );
  const byName = Object.fromEntries(g.nodes.map((n) => [n.name, n]));
  expect(Object.keys(byName).sort()).toEqual(['arch_thing', 'cycle1', 'cycle2', 'middle', 'outer']);
  expect(byName.outer.edges).toEqual(['middle']);
  expect(byName.middle.edges.sort()).toEqual(['exp_a', 'exp_b']);
  expect([...byName.middle.kinds].sort()).toEqual(['inline', 'macro']);
  expect(byName.arch_thing.edges).toEqual(['exp_a']);
  expect(byName.arch_thing.defs).toEqual([{ file: 'arch/x86/include/asm/t.h', line: 1 }]);
  expect(g.terminals).toEqual(['exp_a', 'exp_b']);
  // pairs: outer 2, middle 2, arch_thing 1, cycle1 1, cycle2 1
  expect(g.pairs).toBe(7);
});
