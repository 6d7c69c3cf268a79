/** AnalyzeCOptions.macros = 'callable': only the #defines a call can name, without bodies. */
import * as fs from 'fs';
import * as path from 'path';
import { analyzeC } from '.';

const SRC = `
#define mmGRBM_STATUS 0x2004
#define GRBM_STATUS__ME0PIPE0_CMDFIFO_AVAIL_MASK 0x0000000FL
#define NAME "toy"
#define current get_current()
#define my_alloc kmalloc
#define my_free (kfree)
#define SQUARE(x) ((x) * (x))
#define LOG(fmt, ...) printk(fmt, ##__VA_ARGS__)
static int f(void *p) { LOG("%d", SQUARE(2)); my_free(p); return current != 0; }
`;

test('keeps function-like macros, object-like ones that call or alias a name, and string macros; drops constants and other bodies', () => {
  const all = analyzeC('toy.c', SRC);
  const callable = analyzeC('toy.c', SRC, { macros: 'callable' });
  expect(all.macros.map((m) => m.name)).toEqual(['mmGRBM_STATUS', 'GRBM_STATUS__ME0PIPE0_CMDFIFO_AVAIL_MASK', 'NAME', 'current', 'my_alloc', 'my_free', 'SQUARE', 'LOG']);
  expect(callable.macros.map((m) => m.name)).toEqual(['NAME', 'current', 'my_alloc', 'my_free', 'SQUARE', 'LOG']);
  // a string macro keeps its body (a licence or namespace another file may name it for)
  expect(callable.macros.filter((m) => m.body !== '').map((m) => [m.name, m.body])).toEqual([['NAME', '"toy"']]);
  expect(callable.macros.find((m) => m.name === 'LOG')!.calls).toEqual(['printk']);
  // everything else, calls through macros included, is the same
  const { macros: _a, ...restAll } = all;
  const { macros: _b, ...restCallable } = callable;
  expect(restCallable).toEqual(restAll);
  expect(callable.calls.map((c) => c.callee)).toEqual(expect.arrayContaining(['LOG', 'printk', 'SQUARE', 'my_free', 'get_current']));
});

test('a register header of constants leaves no macro facts', () => {
  const lines = Array.from({ length: 2000 }, (_, i) => `#define mmREG_${i} 0x${(0x1000 + i).toString(16)}\n#define REG_${i}__FIELD_MASK 0x000000FFL`);
  const f = analyzeC('asic_reg.h', lines.join('\n'), { macros: 'callable' });
  expect(f.macros).toEqual([]);
  expect(analyzeC('asic_reg.h', lines.join('\n')).macros.length).toBe(4000);
});

test('on real sources the scan keeps every macro a call there names', () => {
  const REPO = path.resolve(__dirname, '../..');
  for (const rel of ['vmkernel/shim/vmk_work.c', 'vmkernel/shim/vmk_shim.h', 'vmkernel/core/vmkcore_sched.c']) {
    const text = fs.readFileSync(path.join(REPO, rel));
    const all = analyzeC(rel, text);
    const kept = new Set(analyzeC(rel, text, { macros: 'callable' }).macros.map((m) => m.name));
    const called = new Set([...all.calls, ...all.addressTaken].map((c) => c.callee));
    for (const m of all.macros) if (called.has(m.name)) expect(kept.has(m.name)).toBe(true);
  }
});

test('a body with a string and a long name that is not a string expression is read in linear time', () => {
  // Each name of such a body used to be split every possible way before the match failed:
  // 2^n steps for a name of n characters (a 60-character name would never finish).
  const name = 'x'.repeat(60);
  const src = `#define TABLE_ENTRY "prefix" ${name},\n#define OK_NAME "ok" ${name}\n`;
  const f = analyzeC('long.h', src, { macros: 'callable' });
  expect(f.macros.map((m) => [m.name, m.body])).toEqual([['OK_NAME', `"ok" ${name}`]]);
});
