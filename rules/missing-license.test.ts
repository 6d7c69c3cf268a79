import rule from './missing-license';
import { runRuleTests } from '../test/rule-tester';

const src = (name: string, tail: string, body = '\tkfree(NULL);') => ({
  [`${name}/Kbuild`]: `obj-m += ${name}.o\n`,
  [`${name}/${name}.c`]:
    `// SPDX-License-Identifier: GPL-2.0\n#include <linux/module.h>\n#include <linux/slab.h>\n\n` +
    `static int __init ${name}_init(void)\n{\n${body}\n\treturn 0;\n}\nmodule_init(${name}_init);\n${tail}`,
});

runRuleTests(rule, {
  valid: [
    { name: 'module with MODULE_LICENSE', files: src('ok', 'MODULE_LICENSE("GPL");\n') },
    { name: 'module with a non-GPL MODULE_LICENSE (still a licence)', files: src('prop', 'MODULE_LICENSE("Proprietary");\n') },
    {
      name: 'licence given by MODULE_INFO(license, ...)',
      files: src('info', 'MODULE_INFO(license, "GPL");\n'),
    },
    {
      name: 'userspace program has no MODULE_LICENSE and needs none',
      files: {
        'tool/Makefile': 'tool: tool.c\n\t$(CC) -o $@ $<\n',
        'tool/tool.c': '#include <stdio.h>\nint main(void)\n{\n\tprintf("hi\\n");\n\treturn 0;\n}\n',
      },
    },
  ],
  invalid: [
    {
      name: 'kernel module without any licence',
      files: src('nolic', ''),
      errors: [{ unit: 'nolic', message: /^missing MODULE_LICENSE\(\) in nolic\// }],
    },
    {
      name: 'the GPL-only symbols the loader would withhold are named',
      files: src('nolic', '', '\tsynchronize_rcu();'),
      errors: [{ unit: 'nolic', message: /withhold 1 GPL-only symbol it uses: synchronize_rcu$/ }],
    },
  ],
});
