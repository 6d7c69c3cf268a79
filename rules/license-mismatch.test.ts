import rule from './license-mismatch';
import { runRuleTests } from '../test/rule-tester';

const mod = (name: string, spdx: string, license: string, extra: Record<string, string> = {}) => ({
  [`${name}/Kbuild`]: `obj-m += ${name}.o\n`,
  [`${name}/${name}.c`]: `// SPDX-License-Identifier: ${spdx}\n#include <linux/module.h>\n\nMODULE_LICENSE("${license}");\n`,
  ...extra,
});

runRuleTests(rule, {
  valid: [
    { name: 'GPL-2.0 file in a GPL module', files: mod('a', 'GPL-2.0', 'GPL') },
    { name: 'GPL-2.0+ WITH the syscall note in a GPL v2 module', files: mod('a', 'GPL-2.0+ WITH Linux-syscall-note', 'GPL v2') },
    { name: 'dual licence in a Dual MIT/GPL module', files: mod('a', 'GPL-2.0 OR MIT', 'Dual MIT/GPL') },
    { name: 'MIT file in a GPL module (MIT code can go into a GPL work)', files: mod('a', 'MIT', 'GPL') },
    { name: 'proprietary file in a proprietary module', files: mod('a', 'LicenseRef-Proprietary', 'Proprietary') },
    { name: 'a file with a GPL choice in a proprietary module', files: mod('a', 'GPL-2.0 OR BSD-3-Clause', 'Proprietary') },
    { name: 'an unknown LicenseRef is never judged', files: mod('a', 'LicenseRef-Acme-Terms', 'GPL') },
    { name: 'no MODULE_LICENSE: missing-license says so', files: { 'a/Kbuild': 'obj-m += a.o\n', 'a/a.c': '// SPDX-License-Identifier: GPL-2.0\n#include <linux/module.h>\n' } },
  ],
  invalid: [
    {
      name: 'GPL-2.0 file in a Proprietary module',
      files: mod('a', 'GPL-2.0', 'Proprietary'),
      errors: [
        {
          unit: 'a',
          message: 'a/a.c is under "GPL-2.0", which leaves no choice but the GPL, but a declares MODULE_LICENSE "Proprietary", which is not GPL-compatible',
          at: 'a/a.c:1',
          severity: 'warning',
        },
      ],
    },
    {
      name: 'LicenseRef-Proprietary file in a GPL module',
      files: mod('a', 'LicenseRef-Proprietary', 'GPL'),
      errors: [{ unit: 'a', message: /^a\/a\.c is under "LicenseRef-Proprietary" \(LicenseRef-Proprietary: not combinable with GPL-2\.0-only code\), but a declares MODULE_LICENSE "GPL", which tells the kernel it is GPL-compatible$/ }],
    },
    {
      name: 'CDDL file in a GPL module',
      files: mod('a', 'CDDL-1.0', 'GPL'),
      errors: [{ unit: 'a', message: /"CDDL-1\.0" \(CDDL-1\.0: not combinable/ }],
    },
    {
      name: 'a GPL header of the module in an MIT-tagged module',
      files: {
        ...mod('a', 'MIT', 'MIT', { 'a/a_internal.h': '/* SPDX-License-Identifier: GPL-2.0-only */\nint a_internal(void);\n' }),
        'a/a.c': '// SPDX-License-Identifier: MIT\n#include <linux/module.h>\n#include "a_internal.h"\n\nMODULE_LICENSE("MIT");\n',
      },
      errors: [{ unit: 'a', message: /^a\/a_internal\.h is under "GPL-2\.0-only", which leaves no choice but the GPL, but a declares MODULE_LICENSE "MIT"/, at: 'a/a_internal.h:1' }],
    },
  ],
});
