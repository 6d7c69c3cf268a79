import rule from './namespace-not-imported';
import { runRuleTests } from '../test/rule-tester';

const provider = {
  'prov/Kbuild': 'obj-m += prov.o\n',
  'prov/prov.c':
    '// SPDX-License-Identifier: GPL-2.0\n#include <linux/module.h>\n\nint prov_ns_helper(void)\n{\n\treturn 7;\n}\n' +
    'EXPORT_SYMBOL_NS_GPL(prov_ns_helper, TOY_NS);\nMODULE_LICENSE("GPL");\n',
};
const user = (importLine: string) => ({
  'user/Kbuild': 'obj-m += user.o\n',
  'user/user.c':
    '// SPDX-License-Identifier: GPL-2.0\n#include <linux/module.h>\n\nint prov_ns_helper(void);\n\n' +
    'static int __init user_init(void)\n{\n\treturn prov_ns_helper();\n}\nmodule_init(user_init);\n' +
    `${importLine}MODULE_LICENSE("GPL");\n`,
});

runRuleTests(rule, {
  valid: [
    { name: 'namespace imported', files: { ...provider, ...user('MODULE_IMPORT_NS(TOY_NS);\n') } },
    { name: 'no namespaced symbol used', files: provider },
  ],
  invalid: [
    {
      name: 'scanned namespaced export used without MODULE_IMPORT_NS',
      files: { ...provider, ...user('') },
      errors: [
        {
          unit: 'user',
          symbol: 'prov_ns_helper',
          message: 'module user uses symbol prov_ns_helper from namespace TOY_NS, but does not import it.',
          at: 'user/user.c:8',
        },
      ],
    },
    {
      name: 'kernel namespaced export (CXL) used without import',
      files: {
        'cx/Kbuild': 'obj-m += cx.o\n',
        'cx/cx.c':
          '// SPDX-License-Identifier: GPL-2.0\n#include <linux/module.h>\nstatic int __init cx_init(void)\n{\n' +
          '\tusb_stor_suspend(NULL, 0);\n\treturn 0;\n}\nmodule_init(cx_init);\nMODULE_LICENSE("GPL");\n',
      },
      errors: [{ unit: 'cx', symbol: 'usb_stor_suspend', message: /from namespace USB_STORAGE, but does not import it\.$/ }],
    },
  ],
});
