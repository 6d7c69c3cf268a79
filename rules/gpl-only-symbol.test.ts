import rule from './gpl-only-symbol';
import { runRuleTests } from '../test/rule-tester';

const mod = (name: string, license: string | null, body: string, extra = '') => ({
  [`${name}/Kbuild`]: `obj-m += ${name}.o\n`,
  [`${name}/${name}.c`]:
    `// SPDX-License-Identifier: GPL-2.0\n#include <linux/module.h>\n#include <linux/ktime.h>\n${extra}\n` +
    `static int __init ${name}_init(void)\n{\n${body}\n\treturn 0;\n}\nmodule_init(${name}_init);\n` +
    (license === null ? '' : `MODULE_LICENSE("${license}");\n`),
});

runRuleTests(rule, {
  valid: [
    { name: 'GPL module using a GPL-only symbol', files: mod('gplmod', 'GPL', '\tktime_t t = ktime_get();\n\t(void)t;') },
    { name: 'Dual MIT/GPL module using a GPL-only symbol', files: mod('dual', 'Dual MIT/GPL', '\tsynchronize_rcu();') },
    { name: 'proprietary module using only plain symbols', files: mod('prop', 'Proprietary', '\tkfree(NULL);') },
    {
      name: 'module without a licence is left to missing-license, as modpost does',
      files: mod('nolic', null, '\tktime_get();'),
    },
  ],
  invalid: [
    {
      name: 'proprietary module calling ktime_get',
      files: mod('prop', 'Proprietary', '\tktime_t t = ktime_get();\n\t(void)t;'),
      errors: [
        {
          unit: 'prop',
          symbol: 'ktime_get',
          message: /^GPL-incompatible module prop\.ko uses GPL-only symbol 'ktime_get'/,
          at: 'prop/prop.c:7',
        },
      ],
    },
    {
      name: '"MIT" alone is not GPL-compatible',
      files: mod('mitmod', 'MIT', '\tsynchronize_rcu();'),
      errors: [{ unit: 'mitmod', symbol: 'synchronize_rcu' }],
    },
    {
      name: 'one incompatible tag among several makes the module incompatible',
      files: mod('multi', 'GPL', '\tsynchronize_rcu();', 'MODULE_INFO(license, "Proprietary");'),
      errors: [{ unit: 'multi', symbol: 'synchronize_rcu', message: /licence "Proprietary", "GPL"\)$/ }],
    },
    {
      name: "another scanned module's EXPORT_SYMBOL_GPL",
      files: {
        ...mod('prov', 'GPL', '', 'int prov_secret(void) { return 42; }\nEXPORT_SYMBOL_GPL(prov_secret);\nint prov_open(void) { return 1; }\nEXPORT_SYMBOL(prov_open);'),
        ...mod('user', 'Proprietary', '\tprov_secret();\n\tprov_open();'),
      },
      errors: [{ unit: 'user', symbol: 'prov_secret', message: /exported by scanned module prov/ }],
    },
  ],
});
