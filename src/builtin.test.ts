/** Kernel code that Kbuild and Kconfig build into the kernel image is not judged as a module. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadDatabase } from '../kernel-symbols';
import { scan } from './scan';

const SRC = (fn: string) => `// SPDX-License-Identifier: GPL-2.0\n#include <linux/slab.h>\nvoid *${fn}(void) { return kmalloc(16, GFP_KERNEL); }\n`;

test('obj-y and obj-$(CONFIG_X) with X bool are built in; tristate and unknown options are modules', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-builtin-'));
  try {
    fs.mkdirSync(path.join(dir, 'drv'));
    fs.writeFileSync(
      path.join(dir, 'drv/Makefile'),
      ['obj-y += core.o', 'obj-$(CONFIG_TOY_BOOL) += flag.o', 'obj-$(CONFIG_TOY_TRI) += tri.o', 'obj-$(CONFIG_TOY_ELSEWHERE) += other.o', ''].join('\n'),
    );
    fs.writeFileSync(path.join(dir, 'drv/Kconfig'), ['config TOY_BOOL', '\tbool "toy"', 'config TOY_TRI', '\ttristate "toy module"', ''].join('\n'));
    for (const n of ['core', 'flag', 'tri', 'other']) fs.writeFileSync(path.join(dir, `drv/${n}.c`), SRC(`${n}_alloc`));
    const { result } = await scan([dir], { db: loadDatabase('6.1'), cwd: dir, jobs: 1, cache: false, now: new Date(0) });
    const unit = (id: string) => result.units.find((u) => u.id === id)!;
    expect(unit('core').kind).toBe('source');
    expect(unit('core').builtIn).toBe('obj-y in drv/Makefile:1');
    expect(unit('flag').kind).toBe('source');
    expect(unit('flag').builtIn).toBe('obj-$(CONFIG_TOY_BOOL) in drv/Makefile:2, and CONFIG_TOY_BOOL is a bool option (drv/Kconfig:1): built in or not built, never a module');
    expect(unit('tri').kind).toBe('kernel-module');
    expect(unit('other').kind).toBe('kernel-module');
    expect(unit('tri').builtIn).toBeUndefined();
    const missing = result.findings.filter((f) => f.ruleId === 'missing-license').map((f) => f.unit).sort();
    expect(missing).toEqual(['other', 'tri']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('MODULE_LICENSE given by a macro of the module\'s own header is read as that string', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-liclink-'));
  try {
    const mod = (name: string, header: string) => {
      fs.mkdirSync(path.join(dir, name));
      fs.writeFileSync(path.join(dir, name, 'Kbuild'), `obj-m += ${name}.o\n`);
      fs.writeFileSync(path.join(dir, name, `${name}.h`), header);
      fs.writeFileSync(
        path.join(dir, name, `${name}.c`),
        `#include <linux/module.h>\n#include <linux/ktime.h>\n#include "${name}.h"\n` +
          `static int __init ${name}_init(void) { return (int)ktime_get(); }\nmodule_init(${name}_init);\nMODULE_LICENSE(DRV_LICENSE);\n`,
      );
    };
    mod('vendor', '#define DRV_NAME "vendor"\n#define DRV_LICENSE "GPL"\n');
    mod('split', '#define LIC_HEAD "Dual BSD"\n#define DRV_LICENSE LIC_HEAD "/GPL"\n');
    mod('unsure', '#ifdef A\n#define DRV_LICENSE "GPL"\n#else\n#define DRV_LICENSE "Proprietary"\n#endif\n');
    const { result } = await scan([dir], { db: loadDatabase('6.1'), cwd: dir, jobs: 1, cache: false, now: new Date(0) });
    const unit = (id: string) => result.units.find((u) => u.id === id)!;
    expect(unit('vendor').licenses.map((l) => [l.value, l.location.path, l.location.line])).toEqual([['GPL', 'vendor/vendor.c', 6]]);
    expect(unit('vendor').gplCompatible).toBe(true);
    expect(unit('split').licenses.map((l) => l.value)).toEqual(['Dual BSD/GPL']);
    // two definitions that disagree: the name stays, and so does the finding
    expect(unit('unsure').licenses.map((l) => l.value)).toEqual(['DRV_LICENSE']);
    const gplOnly = result.findings.filter((f) => f.ruleId === 'gpl-only-symbol').map((f) => f.unit);
    expect(gplOnly).toEqual(['unsure']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
