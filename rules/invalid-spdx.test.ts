import rule from './invalid-spdx';
import { runRuleTests } from '../test/rule-tester';

const file = (spdx: string) => ({ 'a/Kbuild': 'obj-m += a.o\n', 'a/a.c': `// SPDX-License-Identifier: ${spdx}\n#include <linux/module.h>\nMODULE_LICENSE("GPL");\n` });

runRuleTests(rule, {
  valid: [
    { name: 'a plain identifier', files: file('GPL-2.0-only') },
    { name: 'an expression with an exception', files: file('(GPL-2.0 WITH Linux-syscall-note) OR BSD-2-Clause') },
    { name: 'a deprecated identifier the kernel still uses', files: file('GPL-2.0+') },
    { name: 'a LicenseRef', files: file('LicenseRef-vmkernel-core-proprietary') },
    { name: 'a file without an SPDX line', files: { 'a/a.c': '#include <linux/module.h>\nMODULE_LICENSE("GPL");\n' } },
  ],
  invalid: [
    {
      name: 'a dangling operator',
      files: file('GPL-2.0 OR'),
      errors: [{ unit: 'a', message: 'SPDX-License-Identifier "GPL-2.0 OR" in a/a.c: invalid SPDX expression: incomplete expression', at: 'a/a.c:1', severity: 'warning' }],
    },
    {
      name: 'an unknown licence',
      files: file('GPL-2.0-only AND Not-A-Licence-1.0'),
      errors: [{ unit: 'a', message: /: unknown SPDX identifier: Not-A-Licence-1\.0$/ }],
    },
    {
      name: 'an unknown exception',
      files: file('GPL-2.0 WITH Made-Up-exception'),
      errors: [{ unit: 'a', message: /unknown SPDX identifier: Made-Up-exception/ }],
    },
    {
      name: 'in a userspace program too',
      files: { 'tool/tool.c': '// SPDX-License-Identifier: MIT AND\n#include <stdio.h>\nint main(void)\n{\n\treturn 0;\n}\n' },
      errors: [{ message: /^SPDX-License-Identifier "MIT AND" in tool\/tool\.c: invalid SPDX expression/ }],
    },
  ],
});
