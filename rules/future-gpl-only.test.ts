/**
 * future-gpl-only on real changes between Debian's 5.10, 6.1 and 6.12 kernels (found in the
 * shipped databases and inline reach tables; see kernel-symbols/README.md).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import rule from './future-gpl-only';
import { runRuleTests } from '../test/rule-tester';

// Only the shipped databases: a user's own imported kernels would change the history phrases.
process.env.GPLCHECK_DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-future-'));

const mod = (name: string, license: string, body: string, extra = '') => ({
  [`${name}/Kbuild`]: `obj-m += ${name}.o\n`,
  [`${name}/${name}.c`]:
    `// SPDX-License-Identifier: GPL-2.0\n#include <linux/module.h>\n${extra}\n` +
    `static int __init ${name}_init(void)\n{\n${body}\n\treturn 0;\n}\nmodule_init(${name}_init);\n` +
    `MODULE_LICENSE("${license}");\n`,
});
// line of the first body statement in mod(): 1 SPDX, 2 include, 3 extra, 4 signature, 5 {, 6 body
const at = (name: string) => `${name}/${name}.c:6`;

runRuleTests(rule, {
  valid: [
    { name: 'plain exports that stay plain (kfree, msleep) on 6.1', kernel: '6.1', files: mod('prop', 'Proprietary', '\tkfree(NULL);\n\tmsleep(1);') },
    {
      name: 'a GPL module does not care that task_work_add becomes GPL-only',
      kernel: '5.10',
      files: mod('gplmod', 'GPL', '\ttask_work_add(NULL, NULL, 0);'),
    },
    {
      name: 'already GPL-only in the scanned kernel: that is gpl-only-symbol\'s finding',
      kernel: '6.1',
      files: mod('prop', 'Proprietary', '\ttask_work_add(NULL, NULL, 0);'),
    },
    {
      name: 'del_timer: exported in 5.10, a header inline over the plain timer_delete since 6.1: still builds',
      kernel: '5.10',
      files: mod('prop', 'Proprietary', '\tdel_timer(NULL);'),
    },
    {
      name: 'kzalloc on 6.1: in 6.12 it reaches other exports, all plain',
      kernel: '6.1',
      files: mod('prop', 'Proprietary', '\tvoid *p = kzalloc(8, GFP_KERNEL);\n\tkfree(p);'),
    },
    {
      name: 'a real module built for 6.1 imports kmalloc_trace (gone in 6.12): a header put it there, the binary alone cannot tell',
      kernel: '6.1',
      binaries: ['test/fixtures/modules/build/clean_prop/clean_prop.ko'],
    },
    {
      name: 'strscpy on 6.1: a macro in 6.12 (its body pastes tokens, so it reaches no export the table can follow), defined, not removed',
      kernel: '6.1',
      files: mod('prop', 'Proprietary', '\tchar d[8];\n\tstrscpy(d, "x", sizeof(d));', '#include <linux/string.h>'),
    },
    {
      name: 'nothing newer than the newest known kernel',
      kernel: '6.12',
      files: mod('prop', 'Proprietary', '\tkfree(NULL);'),
    },
  ],
  invalid: [
    {
      name: 'task_work_add: plain in 5.10, GPL-only since 6.1',
      kernel: '5.10',
      files: mod('prop', 'Proprietary', '\ttask_work_add(NULL, NULL, 0);'),
      errors: [
        {
          unit: 'prop',
          symbol: 'task_work_add',
          severity: 'warning',
          message: 'imports task_work_add: plain in 5.10, GPL-only since 6.1 (GPL-incompatible module prop.ko cannot use it from 6.1 on)',
          at: at('prop'),
        },
      ],
    },
    {
      name: 'recalibrate_cpu_khz: plain in 5.10 and 6.1, GPL-only in 6.12',
      kernel: '6.1',
      files: mod('prop', 'MIT', '\trecalibrate_cpu_khz();'),
      errors: [
        {
          symbol: 'recalibrate_cpu_khz',
          message: 'imports recalibrate_cpu_khz: plain in 5.10 and 6.1, GPL-only in 6.12 (GPL-incompatible module prop.ko cannot use it from 6.12 on)',
          at: at('prop'),
        },
      ],
    },
    {
      name: 'topology_phys_to_logical_pkg: a plain export in 6.1, in 6.12 a header inline reaching GPL-only exports',
      kernel: '6.1',
      files: mod('prop', 'Proprietary', '\ttopology_phys_to_logical_pkg(0);'),
      errors: [
        {
          symbol: 'topology_phys_to_logical_pkg',
          message:
            /^imports topology_phys_to_logical_pkg: plain in 5\.10 and 6\.1, a header inline function or macro reaching GPL-only exports in 6\.12 \(in 6\.12 it is defined in arch\/x86\/include\/asm\/topology\.h:\d+ and reaches GPL-only topology_get_logical_id, x86_topo_system: GPL-incompatible module prop\.ko cannot use it from 6\.12 on\)$/,
        },
      ],
    },
    {
      name: 'perf_allow_kernel: a header inline over plain capable() in 6.1, exported GPL-only in 6.12',
      kernel: '6.1',
      files: mod('prop', 'Proprietary', '\tperf_allow_kernel(NULL);'),
      errors: [
        {
          symbol: 'perf_allow_kernel',
          message:
            'calls perf_allow_kernel: a header inline function or macro over plain exports in 5.10 and 6.1, GPL-only in 6.12 ' +
            '(GPL-incompatible module prop.ko cannot use it from 6.12 on)',
          at: at('prop'),
        },
      ],
    },
    {
      name: 'dst_hold: plain through its header in 6.1, reaches GPL-only rcuref_get_slowpath in 6.12',
      kernel: '6.1',
      files: mod('prop', 'Proprietary', '\tdst_hold(NULL);'),
      errors: [
        {
          symbol: 'dst_hold',
          message: /^calls dst_hold: .* \(in 6\.12 it is defined in include\/net\/dst\.h:\d+ and reaches GPL-only rcuref_get_slowpath \(through rcuref_get\): GPL-incompatible module prop\.ko cannot use it from 6\.12 on\)$/,
        },
      ],
    },
    {
      name: '__kmalloc called by name: gone in 6.12, for a GPL module too',
      kernel: '6.1',
      files: mod('gplmod', 'GPL', '\tvoid *p = __kmalloc(8, GFP_KERNEL);\n\tkfree(p);'),
      errors: [
        {
          symbol: '__kmalloc',
          message: 'imports __kmalloc: plain in 5.10 and 6.1, removed in 6.12 (6.12 neither exports it nor defines it in its headers)',
          at: at('gplmod'),
        },
      ],
    },
    {
      name: 'PDE_DATA: plain in 5.10, removed in 6.1',
      kernel: '5.10',
      files: mod('gplmod', 'GPL', '\tPDE_DATA(NULL);'),
      errors: [{ symbol: 'PDE_DATA', message: 'imports PDE_DATA: plain in 5.10, removed in 6.1 (6.1 neither exports it nor defines it in its headers)' }],
    },
  ],
});
