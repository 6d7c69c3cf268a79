import * as fs from 'fs';
import * as path from 'path';
import { fetchDebianHeaders, fetchDebianSymvers } from '../debian';
import { loadDatabase } from '../database';
import { loadReach } from '../reach';
import { deadLines, evalCondition, parseAutoconf } from './kconfig';

const cfg = parseAutoconf('#define CONFIG_A 1\n#define CONFIG_B_MODULE 1\n#define CONFIG_N 42\n#define CONFIG_S "text"\n');

test.each([
  ['defined(CONFIG_A)', 1],
  ['defined CONFIG_A && !defined(CONFIG_C)', 1],
  ['IS_ENABLED(CONFIG_B)', 1],
  ['IS_BUILTIN(CONFIG_B)', 0],
  ['IS_MODULE(CONFIG_B)', 1],
  ['IS_REACHABLE(CONFIG_B)', 1],
  ['CONFIG_N >= 40 && CONFIG_N < 0x30', 1],
  ['CONFIG_C', 0],
  ['defined(__KERNEL__) && !defined(__ASSEMBLY__)', 1],
  ['defined(CONFIG_C) && defined(SOMETHING_ELSE)', 0], // false whatever the unknown is
  ['defined(CONFIG_A) || defined(SOMETHING_ELSE)', 1],
  ['defined(SOMETHING_ELSE)', undefined],
  ['BITS_PER_LONG == 64', undefined],
  ['CONFIG_S', undefined],
  ['CONFIG_A ? 7 : 8', 7],
  ['garbage @@', undefined],
])('%s -> %s', (expr, want) => {
  expect(evalCondition(expr, cfg)).toBe(want);
});

test('dead lines follow #if/#elif/#else nesting, unknown conditions keep both branches', () => {
  const text = [
    '#ifndef _GUARD_H', // 1 unknown
    '#ifdef CONFIG_A', // 2
    'a();', // 3 live
    '#else', // 4
    'not_a();', // 5 dead
    '#endif', // 6
    '#if defined(CONFIG_C)', // 7
    'c();', // 8 dead
    '#elif HAVE_X', // 9 unknown
    'x();', // 10 live
    '#else', // 11
    'other();', // 12 live (the elif was unknown)
    '#endif', // 13
    '/* #if 0', // 14 in a comment: not a directive
    '#endif */', // 15
    '#if 0', // 16
    '#ifdef CONFIG_A', // 17
    'deep();', // 18 dead (outer)
    '#endif', // 19
    '#endif', // 20
    '#endif', // 21
  ].join('\n');
  const dead = deadLines(text, cfg);
  expect([3, 5, 8, 10, 12, 18].map((l) => [l, dead[l - 1]])).toEqual([
    [3, false],
    [5, true],
    [8, true],
    [10, false],
    [12, false],
    [18, true],
  ]);
});

test("Debian 6.1's configuration over the real include/linux/jump_label.h and slab.h", () => {
  const meta = loadReach('6.1').meta;
  const root = fetchDebianHeaders(meta);
  const config = parseAutoconf(fs.readFileSync(path.join(fetchDebianSymvers(loadDatabase('6.1').meta).dir, meta.source.config!.file), 'utf8'));
  expect(config.get('CONFIG_JUMP_LABEL')).toBe('1');
  const jl = fs.readFileSync(path.join(root, 'include/linux/jump_label.h'), 'utf8');
  const lines = jl.split('\n');
  const dead = deadLines(jl, config);
  const defs = lines.map((l, i) => [l, i] as const).filter(([l]) => /^#define static_branch_unlikely\(/.test(l));
  expect(defs).toHaveLength(2); // the asm-goto one and the !CONFIG_JUMP_LABEL fallback
  expect(defs.map(([, i]) => dead[i])).toEqual([false, true]);
  const slab = fs.readFileSync(path.join(root, 'include/linux/slab.h'), 'utf8');
  const sd = deadLines(slab, config);
  const slob = slab.split('\n').findIndex((l) => /^#ifdef CONFIG_SLOB/.test(l));
  expect(slob).toBeGreaterThan(0);
  expect(sd[slob + 1]).toBe(true); // SLOB is not Debian's allocator
});
