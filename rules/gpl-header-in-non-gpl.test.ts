import rule from './gpl-header-in-non-gpl';
import { runRuleTests } from '../test/rule-tester';

const mod = (license: string, includes: string, body: string) => ({
  'm/Kbuild': 'obj-m += m.o\n',
  'm/m.c':
    `// SPDX-License-Identifier: LicenseRef-Proprietary\n${includes}\n` +
    `static int __init m_init(void)\n{\n${body}\n\treturn 0;\n}\nmodule_init(m_init);\nMODULE_LICENSE("${license}");\n`,
});
const KERNEL = '#include <linux/module.h>\n#include <linux/slab.h>\n#include <linux/device.h>';

runRuleTests(rule, {
  valid: [
    { name: 'a GPL module may use header code', files: mod('GPL', KERNEL, '\tvoid *p = kzalloc(8, GFP_KERNEL);\n\tkfree(p);') },
    { name: 'only exported functions are called (and module boilerplate)', files: mod('Proprietary', KERNEL, '\tkfree(NULL);') },
    { name: 'own functions and own macros are not header code', files: mod('Proprietary', `${KERNEL}\n#define M_ZERO(x) m_zero(x)\nstatic void m_zero(int *x) { *x = 0; }`, '\tint v;\n\tM_ZERO(&v);') },
    {
      name: 'a userspace program is not a kernel unit',
      files: { 'tool/tool.c': '#include <stdio.h>\n#include <linux/kvm.h>\nint main(void)\n{\n\treturn puts("x");\n}\n' },
    },
  ],
  invalid: [
    {
      name: 'a proprietary module calling kzalloc, an inline function of <linux/slab.h>',
      files: mod('Proprietary', KERNEL, '\tvoid *p = kzalloc(8, GFP_KERNEL);\n\tkfree(p);'),
      errors: [
        {
          unit: 'm',
          message: /^m \(MODULE_LICENSE "Proprietary", not GPL-compatible\) includes 3 kernel-internal headers \(linux\/device\.h, linux\/module\.h and linux\/slab\.h\) and calls kzalloc \(1 place\), static inline functions or macros of the kernel headers\. The code of such definitions is compiled into m$/,
          at: 'm/m.c:7',
          severity: 'warning',
        },
      ],
    },
    {
      name: 'header code that leads to a GPL-only export carries the chain',
      files: mod('Proprietary', KERNEL, '\tstruct device *dev = NULL;\n\tvoid *p = devm_kzalloc(dev, 8, GFP_KERNEL);\n\t(void)p;'),
      errors: [{ unit: 'm', message: /calls devm_kzalloc \(1 place\), static inline functions or macros of the kernel headers that lead to GPL-only devm_kmalloc/ }],
    },
    {
      name: 'a name neither the unit, the kernel exports nor the header index know: said as "most likely"',
      files: mod('MIT', KERNEL, '\tm_undefined_helper(3);'),
      errors: [{ unit: 'm', message: /calls m_undefined_helper \(1 place\), which no kernel export provides and m does not define: most likely macros or static inline functions of those headers/ }],
    },
  ],
});

import { findingsFor } from '../test/rule-tester';

test('the GPL-only chain through the header is the finding\'s path', () => {
  const [f] = findingsFor(rule, { name: 'devm', files: mod('Proprietary', KERNEL, '\tstruct device *dev = NULL;\n\tvoid *p = devm_kzalloc(dev, 8, GFP_KERNEL);\n\t(void)p;') });
  expect(f.path!.map((s) => s.symbol)).toEqual(['m_init', 'devm_kzalloc', 'devm_kmalloc']);
  expect(f.path![0].location).toMatchObject({ path: 'm/m.c', line: 8 });
  expect(f.path![2]).toMatchObject({ unit: 'vmlinux', note: 'exported with EXPORT_SYMBOL_GPL' });
});
