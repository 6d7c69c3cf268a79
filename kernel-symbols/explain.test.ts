/**
 * explain() on real symbols whose export type changed between Debian's 5.10, 6.1 and 6.12, with
 * a source index of the real linux-source-6.1 tree (kernel/, include/, arch/) — and the same
 * changes seen by the future-gpl-only rule.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import futureGplOnly from '../rules/future-gpl-only';
import { findingsFor } from '../test/rule-tester';
import { explain, renderExplain } from './explain';
import { KnowledgeBase } from './history';
import { buildSourceIndex, decodeSourceIndex, encodeSourceIndex, type SourceIndex } from './source-index';

jest.setTimeout(600_000);

// Only the shipped databases: a user's own kernels would change the phrases.
process.env.GPLCHECK_DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-explain-'));
const kb = KnowledgeBase.load();
let index: SourceIndex;

beforeAll(() => {
  const root = execFileSync(path.join(__dirname, 'build', 'linux-source.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split('\n')
    .pop()!;
  index = decodeSourceIndex(encodeSourceIndex(buildSourceIndex(root, { only: ['kernel', 'include', 'arch'] })));
});

test('task_work_add: plain in 5.10, GPL-only since 6.1, with its export site and declaring header', () => {
  const r = explain('task_work_add', { knowledge: kb, index });
  expect(r.states.map((s) => [s.name, s.status, s.module])).toEqual([
    ['5.10', 'plain', 'vmlinux'],
    ['6.1', 'gpl', 'vmlinux'],
    ['6.12', 'gpl', 'vmlinux'],
  ]);
  expect(r.history).toBe('plain in 5.10, GPL-only since 6.1');
  expect(r.index!.sites).toEqual([expect.objectContaining({ file: 'kernel/task_work.c', macro: 'EXPORT_SYMBOL_GPL', type: 'gpl' })]);
  expect(r.index!.declarations).toEqual([
    expect.objectContaining({ file: 'include/linux/task_work.h', licence: expect.objectContaining({ spdx: 'GPL-2.0', uapi: false }) }),
  ]);
  expect(r.unknown).toBe(false);
  const text = renderExplain(r);
  expect(text).toMatch(/^task_work_add\n {2}5\.10 {2}EXPORT_SYMBOL {5}vmlinux\n {2}6\.1 {3}EXPORT_SYMBOL_GPL vmlinux {3}<- selected\n/);
  expect(text).toContain('  history: plain in 5.10, GPL-only since 6.1\n');
  expect(text).toMatch(/ {2}export site: kernel\/task_work\.c:\d+ EXPORT_SYMBOL_GPL {3}\[linux-source-6\.1 6\.1\.\d+\]\n/);
  expect(text).toMatch(/ {2}declared in: include\/linux\/task_work\.h:\d+ \(GPL-2\.0\)\n/);
});

test('recalibrate_cpu_khz: plain in 5.10 and 6.1, GPL-only in 6.12; its site is in arch/x86', () => {
  const r = explain('recalibrate_cpu_khz', { knowledge: kb, index });
  expect(r.history).toBe('plain in 5.10 and 6.1, GPL-only in 6.12');
  expect(r.index!.sites.map((s) => [s.file, s.type])).toEqual([['arch/x86/kernel/tsc.c', 'plain']]);
});

test('devm_kmalloc: GPL-only everywhere, reached from devm_kzalloc and devm_kcalloc', () => {
  const r = explain('devm_kmalloc', { knowledge: kb, kernel: '6.12' });
  expect(r.history).toBe('GPL-only in 5.10 to 6.12');
  expect(r.reachedBy).toContainEqual(expect.objectContaining({ name: 'devm_kzalloc', path: [], definition: expect.objectContaining({ file: 'include/linux/device/devres.h' }) }));
  expect(r.reachedBy).toContainEqual(expect.objectContaining({ name: 'devm_kcalloc', path: ['devm_kmalloc_array'] }));
  expect(r.index).toBeUndefined();
  expect(renderExplain(r)).toContain('give a source index (--index FILE');
});

test('perf_allow_kernel: a header inline over plain capable() in 5.10 and 6.1, an EXPORT_SYMBOL_GPL in 6.12', () => {
  const r = explain('perf_allow_kernel', { knowledge: kb });
  expect(r.inline.map((i) => [i.kernel, i.definition.kind, i.definition.file])).toEqual([
    ['5.10', 'inline', 'include/linux/perf_event.h'],
    ['6.1', 'inline', 'include/linux/perf_event.h'],
  ]);
  expect(r.inline[1].reaches).toEqual([{ symbol: 'capable', path: ['perfmon_capable'], type: 'plain' }]);
  expect(r.states.map((s) => s.status)).toEqual(['absent', 'absent', 'gpl']);
  const text = renderExplain(r);
  expect(text).toContain('  6.1   static inline function of the headers   <- selected\n');
  expect(text).toContain('      reaches capable (plain) through perfmon_capable\n');
});

test('an unknown name, and an unknown kernel', () => {
  const r = explain('not_a_kernel_symbol_xyz', { knowledge: kb, index });
  expect(r.unknown).toBe(true);
  expect(renderExplain(r)).toContain('not exported by any known kernel');
  expect(() => explain('kfree', { knowledge: kb, kernel: '9.9' })).toThrow(/unknown kernel symbol database '9\.9'; known: 5\.10, 6\.1, 6\.12/);
});

describe('every plain-to-GPL-only change between the shipped kernels, seen by explain and by future-gpl-only', () => {
  // From the data, not from a list: symbols plain in one database and GPL-only in the next.
  const flips = new Map<string, string[]>(); // kernel where plain -> symbols
  for (const h of kb.changes({ status: true })) {
    for (let i = 0; i + 1 < h.states.length; i++) {
      if (h.states[i].status === 'plain' && h.states[i + 1].status === 'gpl') {
        const list = flips.get(h.states[i].name) ?? [];
        list.push(h.symbol);
        flips.set(h.states[i].name, list);
      }
    }
  }

  test('there are such changes in both steps', () => {
    console.log(`plain -> GPL-only: ${[...flips].map(([k, v]) => `after ${k}: ${v.length}`).join(', ')}`);
    expect(flips.get('5.10')).toEqual(expect.arrayContaining(['task_work_add']));
    expect(flips.get('6.1')).toEqual(expect.arrayContaining(['recalibrate_cpu_khz']));
  });

  test.each(['5.10', '6.1'])('a proprietary module calling each one, scanned against %s', (kernel) => {
    const syms = flips.get(kernel)!;
    const body = syms.map((s) => `\t${s}();`).join('\n');
    const findings = findingsFor(futureGplOnly, {
      name: `flips-${kernel}`,
      kernel,
      files: {
        'prop/Kbuild': 'obj-m += prop.o\n',
        'prop/prop.c': `#include <linux/module.h>\nstatic int __init prop_init(void)\n{\n${body}\n\treturn 0;\n}\nmodule_init(prop_init);\nMODULE_LICENSE("Proprietary");\n`,
      },
    });
    const bySymbol = new Map(findings.map((f) => [f.symbol, f]));
    const missing = syms.filter((s) => !bySymbol.has(s));
    expect(missing).toEqual([]);
    for (const s of syms) {
      const f = bySymbol.get(s)!;
      const r = explain(s, { knowledge: kb, kernel });
      expect(f.history).toBe(r.history.split(';')[0]);
      expect(f.message.startsWith(`imports ${s}: ${f.history} (GPL-incompatible module prop.ko cannot use it from `)).toBe(true);
      expect(f.severity).toBe('warning');
    }
  });
});
