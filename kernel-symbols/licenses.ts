/**
 * The kernel's own licence test, exactly as `include/linux/license.h` (6.1) writes it:
 * an exact, case-sensitive string comparison against six values.
 */
export const GPL_COMPATIBLE_MODULE_LICENSES: readonly string[] = [
  'GPL',
  'GPL v2',
  'GPL and additional rights',
  'Dual BSD/GPL',
  'Dual MIT/GPL',
  'Dual MPL/GPL',
];

const compatible = new Set(GPL_COMPATIBLE_MODULE_LICENSES);

/** `license_is_gpl_compatible()` from include/linux/license.h. */
export function licenseIsGplCompatible(license: string): boolean {
  return compatible.has(license);
}

/**
 * modpost's verdict over all `license=` tags of a module (scripts/mod/modpost.c, 6.1):
 * every tag must be compatible; one incompatible tag makes the module incompatible;
 * no tag at all is "missing MODULE_LICENSE()" and the module is not compatible.
 */
export function modpostGplCompatible(licenses: readonly string[]): boolean {
  return licenses.length > 0 && licenses.every(licenseIsGplCompatible);
}

/**
 * The loader's verdict (kernel/module/main.c, 6.1): `set_license()` reads only the first
 * `license=` tag (`get_modinfo()` returns the first match); a module without one is
 * treated as "unspecified", which is not GPL-compatible.
 */
export function loaderGplCompatible(licenses: readonly string[]): boolean {
  return licenses.length > 0 && licenseIsGplCompatible(licenses[0]);
}
