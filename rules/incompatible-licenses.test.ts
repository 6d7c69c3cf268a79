import rule from './incompatible-licenses';
import { runRuleTests } from '../test/rule-tester';

const two = (a: string, b: string, license = 'GPL') => ({
  'm/Kbuild': 'obj-m += m.o\nm-y := one.o two.o\n',
  'm/one.c': `// SPDX-License-Identifier: ${a}\n#include <linux/module.h>\nint one(void)\n{\n\treturn 1;\n}\nMODULE_LICENSE("${license}");\n`,
  'm/two.c': `// SPDX-License-Identifier: ${b}\nint two(void)\n{\n\treturn 2;\n}\n`,
});

runRuleTests(rule, {
  valid: [
    { name: 'GPL-2.0 and MIT', files: two('GPL-2.0-only', 'MIT') },
    { name: 'GPL-2.0 and CDDL offered as an alternative to the GPL (LICENSES/dual)', files: two('GPL-2.0-only', 'GPL-2.0 OR CDDL-1.0') },
    { name: 'GPL-2.0 and Apache-2.0 WITH LLVM-exception', files: two('GPL-2.0', 'Apache-2.0 WITH LLVM-exception') },
    { name: 'GPL-2.0 and MPL-2.0 (the GPL is one of its secondary licences)', files: two('GPL-2.0', 'MPL-2.0') },
    { name: 'CDDL next to MIT: no GPL code to conflict with', files: two('CDDL-1.0', 'MIT', 'Proprietary') },
    { name: 'a licence outside the classification is never reported', files: two('GPL-2.0', 'Zed') },
    { name: 'a file that offers the GPL as a choice does not force it', files: two('GPL-2.0 OR MIT', 'Apache-2.0') },
  ],
  invalid: [
    {
      name: 'GPL-2.0-only next to CDDL-1.0 (the ZFS shape)',
      files: two('GPL-2.0-only', 'CDDL-1.0'),
      errors: [
        {
          unit: 'm',
          message:
            'm combines code that leaves no choice but the GPL (m/one.c "GPL-2.0-only") with m/two.c under "CDDL-1.0": ' +
            'CDDL-1.0 cannot be combined with GPL-2.0-only code in one module',
          at: 'm/two.c:1',
          severity: 'error',
        },
      ],
    },
    { name: 'GPL-2.0 next to Apache-2.0', files: two('GPL-2.0', 'Apache-2.0'), errors: [{ unit: 'm', message: /Apache-2\.0 cannot be combined/ }] },
    { name: 'GPL-2.0-only next to GPL-3.0-only', files: two('GPL-2.0-only', 'GPL-3.0-only'), errors: [{ unit: 'm', message: /GPL-3\.0-only cannot be combined/ }] },
    { name: 'GPL-2.0 next to a proprietary file', files: two('GPL-2.0', 'LicenseRef-Proprietary', 'Proprietary'), errors: [{ unit: 'm', message: /LicenseRef-Proprietary cannot be combined/ }] },
    {
      name: 'one expression that requires both',
      files: two('GPL-2.0-only AND CDDL-1.0', 'MIT'),
      errors: [{ unit: 'm', message: 'm/one.c is under "GPL-2.0-only AND CDDL-1.0": it requires the GPL and CDDL-1.0 at once, which cannot both be honoured in one GPL-2.0-only work' }],
    },
  ],
});
