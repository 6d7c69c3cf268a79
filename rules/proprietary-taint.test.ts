import rule from './proprietary-taint';
import { runRuleTests } from '../test/rule-tester';
import { ensureVmkernelModules, VMKERNEL_KOS } from '../test/vmkernel-modules';

ensureVmkernelModules();

const F = 'test/fixtures/modules/build';
const mod = (name: string, licenses: string[], body = '') => ({
  [`${name}/Kbuild`]: `obj-m += ${name}.o\n`,
  [`${name}/${name}.c`]:
    `// SPDX-License-Identifier: GPL-2.0\n#include <linux/module.h>\n#include <linux/rcupdate.h>\n\n${body}\n` +
    licenses.map((l, i) => (i === 0 ? `MODULE_LICENSE("${l}");\n` : `MODULE_INFO(license, "${l}");\n`)).join(''),
});
const prop = mod('prop', ['Proprietary'], `unsigned int prop_count(void)\n{\n\treturn 3;\n}\nEXPORT_SYMBOL(prop_count);\n`);

runRuleTests(rule, {
  valid: [
    { name: 'GPL module', files: mod('gplmod', ['GPL'], 'static int __init gplmod_init(void)\n{\n\tsynchronize_rcu();\n\treturn 0;\n}\nmodule_init(gplmod_init);\n') },
    { name: 'every one of the six GPL-compatible strings, as several tags', files: mod('dual', ['Dual MIT/GPL', 'GPL v2', 'GPL and additional rights', 'Dual BSD/GPL', 'Dual MPL/GPL', 'GPL']) },
    { name: 'the GPL shim of the vmkernel', binaries: [VMKERNEL_KOS.vmk_shim] },
    {
      name: 'a GPL module the loader refuses is not tainted (loader-refusal says why)',
      binaries: [VMKERNEL_KOS.vmk_shim, VMKERNEL_KOS.vmk_refuse],
    },
    { name: 'a userspace program is never loaded', files: { 'tool/tool.c': '#include <stdio.h>\nint main(void)\n{\n\treturn puts("x");\n}\n' } },
  ],
  invalid: [
    {
      name: 'proprietary module',
      files: prop,
      errors: [
        {
          unit: 'prop',
          message: `loading prop taints the kernel P: "prop: module license 'Proprietary' taints kernel." ("Proprietary" is not a GPL-compatible licence string)`,
          at: 'prop/prop.c:11',
          severity: 'info',
        },
      ],
    },
    {
      name: 'no licence at all: "unspecified"',
      binaries: [`${F}/nolic/nolic.ko`],
      errors: [{ unit: 'nolic', message: `loading nolic taints the kernel P: "nolic: module license 'unspecified' taints kernel." (it carries no license= tag)` }],
    },
    {
      name: 'several tags: the binary gives the .modinfo order, and the loader reads the first',
      binaries: [`${F}/multi_license/multi_license.ko`],
      errors: [{ unit: 'multi_license', message: /module license 'Proprietary' taints kernel\."[^;]*; the loader reads only the first license= tag \(of "Proprietary", "GPL", in \.modinfo order\)$/ }],
    },
    {
      name: 'several tags in sources only: the order is the compiler\'s, so it may taint',
      files: mod('multi', ['GPL', 'Proprietary']),
      errors: [{ unit: 'multi', message: /^loading multi taints the kernel P if "Proprietary" is its first license= tag/ }],
    },
    {
      name: 'a GPL module using a proprietary export inherits the taint',
      files: { ...prop, ...mod('user', ['GPL'], 'unsigned int prop_count(void);\nstatic int __init user_init(void)\n{\n\treturn prop_count();\n}\nmodule_init(user_init);\n') },
      errors: [
        { unit: 'prop' },
        {
          unit: 'user',
          symbol: 'prop_count',
          message: 'user uses prop_count from prop, which taints the kernel P, and inherits the taint: "user: module uses symbols prop_count from proprietary module prop, inheriting taint."',
        },
      ],
    },
    {
      name: 'the vmkernel core',
      binaries: [VMKERNEL_KOS.vmk_shim, VMKERNEL_KOS.vmk_core, VMKERNEL_KOS.vmk_refuse],
      errors: [{ unit: 'vmk_core', message: /^loading vmk_core taints the kernel P: "vmk_core: module license 'Proprietary' taints kernel\."/ }],
    },
  ],
});
