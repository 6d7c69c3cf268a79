/**
 * Reading SPDX expressions (as spdx-expression-parse gives them, in CFileFacts.spdx[].parsed)
 * for the licence rules: does an expression leave a choice that can be combined into a
 * GPL-2.0-only module, and does it require the GPL.
 *
 * The classes below are deliberately short and conservative: a licence is "incompatible" only
 * when it is widely documented as not combinable with GPL-2.0-only code (the kernel itself keeps
 * Apache-2.0, CDDL-1.0 and MPL-1.1 under LICENSES/dual: usable only as an alternative to the
 * GPL); anything not listed is "unknown" and never reported.
 */
import type { CFileFacts, Location } from '../analyzers/facts';

export type Gpl2Class = 'compatible' | 'incompatible' | 'unknown';

export interface SpdxLicenseNode {
  license: string;
  plus?: boolean;
  exception?: string;
}
export interface SpdxCompoundNode {
  left: SpdxNode;
  conjunction: 'and' | 'or';
  right: SpdxNode;
}
export type SpdxNode = SpdxLicenseNode | SpdxCompoundNode;

/** GPL version 2 family (any variant, with or without the syscall note). */
const GPL2_FAMILY = /^(GPL-2\.0(-only|-or-later|\+)?|GPL-1\.0(-or-later|\+))$/;

/** Licences whose code can go into a GPL-2.0-only work (permissive, LGPL-2.x, the GPL-2.0 family). */
const GPL2_COMPATIBLE = new Set([
  'GPL-1.0+', 'GPL-1.0-or-later', 'GPL-2.0', 'GPL-2.0-only', 'GPL-2.0+', 'GPL-2.0-or-later',
  'LGPL-2.0', 'LGPL-2.0-only', 'LGPL-2.0+', 'LGPL-2.0-or-later', 'LGPL-2.1', 'LGPL-2.1-only', 'LGPL-2.1+', 'LGPL-2.1-or-later',
  'MIT', 'MIT-0', 'X11', 'ISC', 'BSD-1-Clause', 'BSD-2-Clause', 'BSD-2-Clause-Patent', 'BSD-3-Clause',
  'BSD-3-Clause-Clear', 'BSD-Source-Code', '0BSD', 'Zlib', 'CC0-1.0', 'Unlicense', 'Linux-OpenIB', 'BSL-1.0',
  'MPL-2.0', 'Artistic-2.0', 'NCSA', 'curl', 'Libpng', 'HPND', 'WTFPL',
]);

/** Licences that cannot be combined with GPL-2.0-only code in one work. */
const GPL2_INCOMPATIBLE = new Set([
  'Apache-1.0', 'Apache-1.1', 'Apache-2.0', 'CDDL-1.0', 'CDDL-1.1', 'MPL-1.0', 'MPL-1.1',
  'MPL-2.0-no-copyleft-exception', 'EPL-1.0', 'EPL-2.0', 'CPL-1.0', 'IPL-1.0',
  'GPL-3.0', 'GPL-3.0-only', 'GPL-3.0+', 'GPL-3.0-or-later', 'LGPL-3.0', 'LGPL-3.0-only', 'LGPL-3.0+', 'LGPL-3.0-or-later',
  'AGPL-1.0', 'AGPL-1.0-only', 'AGPL-1.0-or-later', 'AGPL-3.0', 'AGPL-3.0-only', 'AGPL-3.0-or-later',
  'BSD-4-Clause', 'OpenSSL', 'SSPL-1.0', 'BUSL-1.1', 'Elastic-2.0', 'Ms-PL', 'Ms-RL', 'OSL-1.0', 'OSL-2.0',
  'OSL-2.1', 'OSL-3.0', 'QPL-1.0', 'PHP-3.0', 'PHP-3.01', 'AFL-3.0', 'CECILL-B', 'CECILL-C', 'JSON',
  'CC-BY-NC-4.0', 'CC-BY-NC-SA-4.0', 'CC-BY-ND-4.0', 'CC-BY-NC-ND-4.0',
]);

/** Exceptions that make an otherwise incompatible licence combinable with GPL-2.0. */
const GPL2_ENABLING_EXCEPTIONS = new Set(['LLVM-exception']);

/** `LicenseRef-` names that say the code is not under an open licence. */
const PROPRIETARY_REF = /propriet|commercial|closed|confidential|all-rights-reserved|nonfree|non-free/i;

export function isLicenseNode(n: SpdxNode): n is SpdxLicenseNode {
  return typeof (n as SpdxLicenseNode).license === 'string';
}

export function isSpdxNode(x: unknown): x is SpdxNode {
  if (typeof x !== 'object' || x === null) return false;
  const n = x as Record<string, unknown>;
  return typeof n.license === 'string' || (typeof n.conjunction === 'string' && !!n.left && !!n.right);
}

function licenseId(n: SpdxLicenseNode): string {
  return n.plus ? `${n.license}+` : n.license;
}

export function isGpl2Family(n: SpdxLicenseNode): boolean {
  return GPL2_FAMILY.test(licenseId(n));
}

export function isProprietaryRef(id: string): boolean {
  return /LicenseRef-/.test(id) && PROPRIETARY_REF.test(id);
}

export function classifyLicense(n: SpdxLicenseNode): Gpl2Class {
  const id = licenseId(n);
  if (n.exception && GPL2_ENABLING_EXCEPTIONS.has(n.exception)) return 'compatible';
  if (GPL2_COMPATIBLE.has(id) || GPL2_COMPATIBLE.has(n.license)) return 'compatible';
  if (GPL2_INCOMPATIBLE.has(id) || GPL2_INCOMPATIBLE.has(n.license)) return 'incompatible';
  if (isProprietaryRef(id)) return 'incompatible';
  return 'unknown';
}

const RANK: Record<Gpl2Class, number> = { incompatible: 0, unknown: 1, compatible: 2 };

/** The best choice an expression leaves for a GPL-2.0-only work: OR takes the better side, AND the worse. */
export function gpl2Class(n: SpdxNode): Gpl2Class {
  if (isLicenseNode(n)) return classifyLicense(n);
  const l = gpl2Class(n.left);
  const r = gpl2Class(n.right);
  const pick = n.conjunction === 'or' ? (RANK[l] >= RANK[r] ? l : r) : RANK[l] <= RANK[r] ? l : r;
  return pick;
}

/** Every choice the expression leaves includes a GPL-2.0-family licence. */
export function requiresGpl(n: SpdxNode): boolean {
  if (isLicenseNode(n)) return isGpl2Family(n);
  const l = requiresGpl(n.left);
  const r = requiresGpl(n.right);
  return n.conjunction === 'or' ? l && r : l || r;
}

/** The licence identifiers of an expression that are not combinable with GPL-2.0-only. */
export function incompatibleIds(n: SpdxNode): string[] {
  if (isLicenseNode(n)) return classifyLicense(n) === 'incompatible' ? [licenseId(n) + (n.exception ? ` WITH ${n.exception}` : '')] : [];
  return [...incompatibleIds(n.left), ...incompatibleIds(n.right)];
}

export interface FileLicense {
  file: string;
  expression: string;
  node: SpdxNode;
  location: Location;
}

/** The parsed SPDX expression of each C file of a unit (the first line of a file that has several). */
export function fileLicenses(files: CFileFacts[]): FileLicense[] {
  const out: FileLicense[] = [];
  for (const f of files) {
    const s = f.spdx.find((x) => x.parsed !== undefined && isSpdxNode(x.parsed));
    if (s) out.push({ file: f.path, expression: s.expression, node: s.parsed as SpdxNode, location: s.location });
  }
  return out;
}
