import rule from './loader-refusal';
import { runRuleTests } from '../test/rule-tester';
import { ensureVmkernelModules, VMKERNEL_KOS } from '../test/vmkernel-modules';

ensureVmkernelModules();

const mod = (name: string, license: string | null, body: string) => ({
  [`${name}/Kbuild`]: `obj-m += ${name}.o\n`,
  [`${name}/${name}.c`]:
    `// SPDX-License-Identifier: GPL-2.0\n#include <linux/module.h>\n#include <linux/ktime.h>\n#include <linux/rcupdate.h>\n\n` +
    `${body}\n` +
    (license === null ? '' : `MODULE_LICENSE("${license}");\n`),
});

/** A proprietary module exporting prop_count (plain). */
const prop = mod('prop', 'Proprietary', `unsigned int prop_count(void)\n{\n\treturn 3;\n}\nEXPORT_SYMBOL(prop_count);\n`);
/** A GPL module exporting gpl_count (plain). */
const gpl = mod('gplmod', 'GPL', `unsigned int gpl_count(void)\n{\n\treturn 3;\n}\nEXPORT_SYMBOL(gpl_count);\n`);
const user = (license: string, body: string) =>
  mod('user', license, `unsigned int prop_count(void);\nunsigned int gpl_count(void);\nunsigned int bridge_count(void);\n\nstatic int __init user_init(void)\n{\n${body}\n\treturn 0;\n}\nmodule_init(user_init);\n`);

runRuleTests(rule, {
  valid: [
    { name: 'GPL module using GPL-only symbols and a GPL module\'s export', files: { ...gpl, ...user('GPL', '\tsynchronize_rcu();\n\tgpl_count();') } },
    { name: 'GPL module using a proprietary export but no GPL-only symbol (it inherits the taint instead)', files: { ...prop, ...user('GPL', '\tprop_count();') } },
    {
      name: "a proprietary module's own GPL-only use is gpl-only-symbol's business",
      files: { ...prop, ...user('Proprietary', '\tsynchronize_rcu();\n\tprop_count();') },
    },
    { name: 'the vmkernel shim and core: both load', binaries: [VMKERNEL_KOS.vmk_shim, VMKERNEL_KOS.vmk_core] },
  ],
  invalid: [
    {
      name: 'GPL module using GPL-only symbols and a proprietary export (sources: the order is unknown, the refusal is not)',
      files: { ...prop, ...user('GPL', '\tsynchronize_rcu();\n\tprop_count();') },
      errors: [
        {
          unit: 'user',
          symbol: 'prop_count',
          message:
            'user uses GPL-only synchronize_rcu and imports prop_count from prop, whose licence "Proprietary" taints the kernel: ' +
            'the loader refuses it, with "user: module using GPL-only symbols uses symbols prop_count from proprietary module prop." ' +
            'when a GPL-only symbol comes first in its symbol table, otherwise by inheriting the P taint and then not finding its ' +
            'GPL-only symbols (the order is the linker\'s)',
          at: 'user/user.c:13',
        },
      ],
    },
    {
      name: 'an owner without any licence taints the kernel too',
      files: { ...mod('nolic', null, `unsigned int prop_count(void)\n{\n\treturn 3;\n}\nEXPORT_SYMBOL(prop_count);\n`), ...user('GPL', '\tktime_get();\n\tprop_count();') },
      errors: [{ unit: 'user', symbol: 'prop_count', message: /from nolic, which carries no licence and so taints the kernel: the loader refuses it/ }],
    },
    {
      name: 'the taint is inherited: a GPL bridge using the proprietary module taints, and so refuses its GPL-only users',
      files: {
        ...prop,
        ...mod('bridge', 'GPL', `unsigned int prop_count(void);\nunsigned int bridge_count(void)\n{\n\treturn prop_count();\n}\nEXPORT_SYMBOL(bridge_count);\n`),
        ...user('GPL', '\tsynchronize_rcu();\n\tbridge_count();'),
      },
      errors: [{ unit: 'user', symbol: 'bridge_count', message: /imports bridge_count from bridge, which inherits the P taint from prop: the loader refuses it/ }],
    },
    {
      name: 'vmk_refuse.ko: the symbol-table order gives the exact message the real loader printed',
      binaries: [VMKERNEL_KOS.vmk_shim, VMKERNEL_KOS.vmk_core, VMKERNEL_KOS.vmk_refuse],
      errors: [
        {
          unit: 'vmk_refuse',
          symbol: 'vmkcore_world_count',
          message:
            'vmk_refuse uses GPL-only synchronize_rcu and ktime_get and imports vmkcore_world_count from vmk_core, whose licence ' +
            '"Proprietary" taints the kernel: the loader refuses it with "vmk_refuse: module using GPL-only symbols uses symbols ' +
            'vmkcore_world_count from proprietary module vmk_core." (synchronize_rcu comes before vmkcore_world_count in its symbol table)',
          at: 'vmkernel/refuse/vmk_refuse.ko',
        },
      ],
    },
    {
      name: 'the vmkernel sources: refused whatever the order',
      files: (() => {
        const fs = require('fs') as typeof import('fs');
        const path = require('path') as typeof import('path');
        const out: Record<string, string> = {};
        for (const d of ['core', 'refuse', 'shim', 'shim/include']) {
          const dir = path.join(__dirname, '..', 'vmkernel', d);
          for (const f of fs.readdirSync(dir)) if (/\.(c|h)$|^Kbuild$/.test(f)) out[`vmkernel/${d}/${f}`] = fs.readFileSync(path.join(dir, f), 'utf8');
        }
        return out;
      })(),
      errors: [{ unit: 'vmk_refuse', symbol: 'vmkcore_world_count', message: /uses GPL-only ktime_get and synchronize_rcu and imports vmkcore_world_count from vmk_core, whose licence "Proprietary" taints the kernel: the loader refuses it, with "vmk_refuse: module using GPL-only symbols uses symbols vmkcore_world_count from proprietary module vmk_core\." when/, at: 'vmkernel/refuse/vmk_refuse.c:33' }],
    },
  ],
});
