import type { Reference } from './types';

export const REF_MODPOST: Reference = {
  title: 'Linux scripts/mod/modpost.c: check_exports() and the MODULE_LICENSE check',
  url: 'https://git.kernel.org/pub/scm/linux/kernel/git/stable/linux.git/tree/scripts/mod/modpost.c?h=linux-6.1.y',
};
export const REF_LICENSE_H: Reference = {
  title: 'Linux include/linux/license.h: license_is_gpl_compatible()',
  url: 'https://git.kernel.org/pub/scm/linux/kernel/git/stable/linux.git/tree/include/linux/license.h?h=linux-6.1.y',
};
export const REF_LOADER: Reference = {
  title: 'Linux kernel/module/main.c: set_license(), resolve_symbol(), inherit_taint()',
  url: 'https://git.kernel.org/pub/scm/linux/kernel/git/stable/linux.git/tree/kernel/module/main.c?h=linux-6.1.y',
};
export const REF_LICENSE_RULES: Reference = {
  title: 'Linux Documentation/process/license-rules.rst (MODULE_LICENSE and EXPORT_SYMBOL_GPL)',
  url: 'https://www.kernel.org/doc/html/v6.1/process/license-rules.html',
};
export const REF_NAMESPACES: Reference = {
  title: 'Linux Documentation/core-api/symbol-namespaces.rst',
  url: 'https://www.kernel.org/doc/html/v6.1/core-api/symbol-namespaces.html',
};
export const REF_COPYING: Reference = {
  title: 'Linux COPYING and LICENSES/exceptions/Linux-syscall-note (user programs using system calls)',
  url: 'https://git.kernel.org/pub/scm/linux/kernel/git/stable/linux.git/tree/LICENSES/exceptions/Linux-syscall-note?h=linux-6.1.y',
};
export const REF_VMWARE: Reference = {
  title: 'Hellwig v. VMware, Landgericht Hamburg 310 O 89/15 (2016), appeal dismissed 2019: the claim failed for want of line-level evidence of copied code in vmklinux',
};
export const REF_SPDX: Reference = {
  title: 'SPDX License List and License Expressions (SPDX specification, annex D)',
  url: 'https://spdx.org/licenses/',
};
export const REF_KERNEL_HEADERS: Reference = {
  title: 'Linux include/linux/*.h: SPDX GPL-2.0 headers without the syscall note; static inline functions and macros are compiled into the includer',
  url: 'https://git.kernel.org/pub/scm/linux/kernel/git/stable/linux.git/tree/include/linux?h=linux-6.1.y',
};
