import rule from './userspace-boundary';
import { runRuleTests } from '../test/rule-tester';
import * as fs from 'fs';
import * as path from 'path';
import { REPO } from '../test/rule-tester';

const vmm: Record<string, string> = {};
for (const f of fs.readdirSync(path.join(REPO, 'vmkernel/vmm'))) {
  if (/\.(c|h)$|^Makefile$/.test(f)) vmm[`vmkernel/vmm/${f}`] = fs.readFileSync(path.join(REPO, 'vmkernel/vmm', f), 'utf8');
}

runRuleTests(rule, {
  valid: [
    { name: 'a kernel module', files: { 'm/Kbuild': 'obj-m += m.o\n', 'm/m.c': '#include <linux/module.h>\nMODULE_LICENSE("GPL");\n' } },
    {
      name: 'a program that includes kernel-internal headers is not at the plain system-call boundary',
      files: { 'tool/tool.c': '#include <stdio.h>\n#include <linux/slab.h>\nint main(void)\n{\n\treturn puts("x");\n}\n' },
    },
  ],
  invalid: [
    {
      name: 'the vmkernel VMM: ioctl, mmap and UAPI headers',
      files: vmm,
      errors: [
        {
          unit: 'vmm',
          severity: 'info',
          message:
            "vmm is a userspace program and reaches the kernel only through system calls (close, fstat, ioctl, mmap, munmap, open, read and write) " +
            "and UAPI headers (asm/bootparam.h and linux/kvm.h): the boundary Linux's COPYING and the Linux-syscall-note of the UAPI headers leave outside the kernel's licence",
        },
      ],
    },
    {
      name: 'a program using only the C library',
      files: { 'tool/tool.c': '#include <stdio.h>\nint main(void)\n{\n\treturn puts("x");\n}\n' },
      errors: [{ unit: 'tool', message: /^tool is a userspace program and reaches the kernel only through the C library, if at all/ }],
    },
    {
      name: 'the built VMM binary (static, so no dynamic imports)',
      binaries: fs.existsSync(path.join(REPO, 'vmkernel/vmm/vmm')) ? ['vmkernel/vmm/vmm'] : [],
      files: fs.existsSync(path.join(REPO, 'vmkernel/vmm/vmm')) ? {} : vmm,
      errors: [{ message: /is a userspace program and reaches the kernel/ }],
    },
  ],
});
