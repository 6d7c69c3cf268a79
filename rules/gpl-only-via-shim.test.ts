import rule from './gpl-only-via-shim';
import { runRuleTests } from '../test/rule-tester';

const F = 'test/fixtures/modules/build';

/** A module in its own directory: Kbuild + one C file with the given body and licence. */
const mod = (name: string, license: string, body: string) => ({
  [`${name}/Kbuild`]: `obj-m += ${name}.o\n`,
  [`${name}/${name}.c`]:
    `// SPDX-License-Identifier: ${license === 'GPL' ? 'GPL-2.0' : 'LicenseRef-Proprietary'}\n` +
    `#include <linux/module.h>\n#include <linux/ktime.h>\n#include <linux/rcupdate.h>\n#include <linux/slab.h>\n\n` +
    `${body}\nMODULE_LICENSE("${license}");\n`,
});

/** A GPL shim: one plain export wrapping ktime_get through a static helper, one wrapping kfree. */
const shim = mod(
  'shim',
  'GPL',
  `static s64 shim_read_clock(void)\n{\n\treturn ktime_to_ns(ktime_get());\n}\n\n` +
    `s64 shim_now(void)\n{\n\treturn shim_read_clock();\n}\nEXPORT_SYMBOL(shim_now);\n\n` +
    `void shim_free(void *p)\n{\n\tkfree(p);\n}\nEXPORT_SYMBOL(shim_free);\n\n` +
    `s64 shim_now_gpl(void)\n{\n\treturn ktime_to_ns(ktime_get());\n}\nEXPORT_SYMBOL_GPL(shim_now_gpl);\n`,
);

const user = (license: string, call: string) =>
  mod('user', license, `s64 shim_now(void);\nvoid shim_free(void *p);\n\nstatic int __init user_init(void)\n{\n\t${call};\n\treturn 0;\n}\nmodule_init(user_init);\n`);

runRuleTests(rule, {
  valid: [
    { name: 'proprietary module using a plain shim export that reaches only plain symbols', files: { ...shim, ...user('Proprietary', 'shim_free(NULL)') } },
    { name: 'GPL module using the laundering export', files: { ...shim, ...user('GPL', 'shim_now()') } },
    {
      name: 'a provider that is not GPL-compatible is no shim (it gets its own gpl-only-symbol finding)',
      files: { ...mod('propshim', 'Proprietary', `s64 shim_now(void)\n{\n\treturn ktime_to_ns(ktime_get());\n}\nEXPORT_SYMBOL(shim_now);\n`), ...user('Proprietary', 'shim_now()') },
    },
    {
      name: "the shim's honest EXPORT_SYMBOL_GPL is gpl-only-symbol's business, not this rule's",
      files: { ...shim, ...mod('user', 'Proprietary', `s64 shim_now_gpl(void);\nstatic int __init user_init(void)\n{\n\treturn (int)shim_now_gpl();\n}\nmodule_init(user_init);\n`) },
    },
    { name: 'the real fixture shim alone', binaries: [`${F}/gpl_shim/gpl_shim.ko`] },
    { name: 'the real proprietary module without its shim: nothing to follow', binaries: [`${F}/prop_via_shim/prop_via_shim.ko`] },
  ],
  invalid: [
    {
      name: 'laundering through a static helper inside the shim (sources)',
      files: { ...shim, ...user('Proprietary', 'shim_now()') },
      errors: [
        {
          unit: 'user',
          symbol: 'shim_now',
          message:
            'user uses shim_now, exported by shim with plain EXPORT_SYMBOL; inside shim it reaches GPL-only ktime_get ' +
            '(path: user_init → shim_now → shim_read_clock → ktime_get); shim_now is used in 1 place in the source',
          at: 'user/user.c:12',
        },
      ],
    },
    {
      name: 'the module fixtures, binaries: modpost is silent about prop_via_shim',
      binaries: [`${F}/gpl_shim/gpl_shim.ko`, `${F}/prop_via_shim/prop_via_shim.ko`],
      errors: [
        {
          unit: 'prop_via_shim',
          symbol: 'shim_clock_now_ns',
          message: /^prop_via_shim uses shim_clock_now_ns, exported by gpl_shim with plain EXPORT_SYMBOL; inside gpl_shim it reaches GPL-only ktime_get \(path: prop_via_shim_init → shim_clock_now_ns → ktime_get\); shim_clock_now_ns is used in 2 places in the binary$/,
        },
      ],
    },
    {
      name: 'two shims in a row: the path goes through both units',
      files: {
        ...mod('inner', 'GPL', `s64 inner_now(void)\n{\n\treturn ktime_to_ns(ktime_get());\n}\nEXPORT_SYMBOL(inner_now);\n`),
        ...mod('outer', 'GPL', `s64 inner_now(void);\ns64 outer_now(void)\n{\n\treturn inner_now() + 1;\n}\nEXPORT_SYMBOL(outer_now);\n`),
        ...mod('user', 'Proprietary', `s64 outer_now(void);\nstatic int __init user_init(void)\n{\n\treturn (int)outer_now();\n}\nmodule_init(user_init);\n`),
      },
      errors: [
        {
          unit: 'user',
          symbol: 'outer_now',
          message: /inside outer and inner it reaches GPL-only ktime_get \(path: user_init → outer_now → inner_now → ktime_get\)/,
        },
      ],
    },
    {
      name: 'one finding per export used, naming every GPL-only symbol it reaches',
      files: {
        ...mod('shim2', 'GPL', `void shim_sync(void)\n{\n\tsynchronize_rcu();\n\t(void)ktime_get();\n}\nEXPORT_SYMBOL(shim_sync);\n`),
        ...mod('user', 'Proprietary', `void shim_sync(void);\nstatic int __init user_init(void)\n{\n\tshim_sync();\n\treturn 0;\n}\nmodule_init(user_init);\n`),
      },
      errors: [{ unit: 'user', symbol: 'shim_sync', message: /reaches GPL-only ktime_get \(and 1 more: synchronize_rcu\)/ }],
    },
  ],
});

// The evidence path itself, hop by hop, from the real fixture binaries and sources together.
import { findingsFor } from '../test/rule-tester';
import * as fs from 'fs';
import * as path from 'path';
import { REPO } from '../test/rule-tester';

test('the fixture laundering case carries its path with a location at every hop', () => {
  const files: Record<string, string> = {};
  for (const name of ['gpl_shim', 'prop_via_shim']) {
    const dir = path.join(REPO, 'test/fixtures/modules/src', name);
    for (const f of fs.readdirSync(dir)) files[`test/fixtures/modules/src/${name}/${f}`] = fs.readFileSync(path.join(dir, f), 'utf8');
  }
  const [f] = findingsFor(rule, { name: 'fixture', files, binaries: [`${F}/gpl_shim/gpl_shim.ko`, `${F}/prop_via_shim/prop_via_shim.ko`] });
  expect(f.evidence).toBe('both');
  expect(f.path!.map((s) => [s.unit, s.symbol, s.note])).toEqual([
    ['prop_via_shim', 'prop_via_shim_init', 'calls shim_clock_now_ns'],
    ['gpl_shim', 'shim_clock_now_ns', 'calls ktime_get'],
    ['vmlinux', 'ktime_get', 'exported with EXPORT_SYMBOL_GPL'],
  ]);
  // source lines are preferred over binary offsets where both exist
  expect(f.path![0].location).toMatchObject({ path: 'test/fixtures/modules/src/prop_via_shim/prop_via_shim.c', line: 15, function: 'prop_via_shim_init' });
  expect(f.path![1].location).toMatchObject({ path: 'test/fixtures/modules/src/gpl_shim/gpl_shim.c', line: 14, function: 'shim_clock_now_ns' });
  expect(f.message).toMatch(/2 places in the source, 2 in the binary$/);
});
