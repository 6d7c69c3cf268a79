import type { CFileFacts, ProvenanceMatch } from '../analyzers/facts';
import { checkSpdx } from '../analyzers/c/spdx';
import { keepsCopyright } from '../analyzers/provenance/notices';
import type { Severity, Rule, Unit } from './types';
import { sourceFiles } from './graph';
import { REF_COPYING, REF_LICENSE_RULES, REF_SPDX, REF_VMWARE } from './references';
import { fileLicenses, isGpl2Family, isLicenseNode, isSpdxNode, type SpdxNode } from './spdx';
import { listNames, plural } from './wording';

/** How the origin's licence binds a copy. */
type OriginTerms =
  /** every choice includes the GPL or LGPL: the copy stays under it */
  | 'copyleft'
  /** a choice without copyleft exists (`GPL-2.0 OR MIT`, ...): the copy may use it */
  | 'alternative'
  /** UAPI code under the syscall note, meant to be used by programs */
  | 'syscall-note'
  | 'unknown';

const COPYLEFT = /^(L?GPL-[123]\.0(-only|-or-later|\+)?|LGPL-2\.1(-only|-or-later|\+)?)$/;

function copyleftEverywhere(n: SpdxNode): boolean {
  if (isLicenseNode(n)) return COPYLEFT.test(n.plus ? `${n.license}+` : n.license);
  const l = copyleftEverywhere(n.left);
  const r = copyleftEverywhere(n.right);
  return n.conjunction === 'or' ? l && r : l || r;
}

function hasSyscallNote(n: SpdxNode): boolean {
  if (isLicenseNode(n)) return n.exception === 'Linux-syscall-note';
  return n.conjunction === 'or' ? hasSyscallNote(n.left) || hasSyscallNote(n.right) : hasSyscallNote(n.left) && hasSyscallNote(n.right);
}

/** The origin's terms; a file without SPDX line is under the tree's COPYING: GPL-2.0. */
export function originTerms(license: string | undefined): OriginTerms {
  if (license === undefined) return 'copyleft';
  const parsed = checkSpdx(license.replace(/^\((.*)\)$/, '$1')).parsed;
  if (!isSpdxNode(parsed)) return /\bL?GPL\b/.test(license) ? 'copyleft' : 'unknown';
  if (hasSyscallNote(parsed)) return 'syscall-note';
  if (copyleftEverywhere(parsed)) return 'copyleft';
  return 'alternative';
}

/** Whether an expression puts the file under the GPL (alone, as one choice, or in addition). */
function offersGpl(n: SpdxNode): boolean {
  if (isLicenseNode(n)) return isGpl2Family(n);
  return offersGpl(n.left) || offersGpl(n.right);
}

/** Whether the unit may hold GPL-2.0 code: its MODULE_LICENSE tags (modpost's test) when it has
 *  any, else the SPDX line of the file holding the copy. */
function unitTerms(unit: Unit, file: CFileFacts): { compatible: boolean | undefined; label: string } {
  if (unit.licenses.length > 0) {
    const tags = unit.licenses.map((l) => `"${l.value}"`).join(', ');
    return { compatible: unit.gplCompatible, label: `MODULE_LICENSE ${tags}` };
  }
  const fl = fileLicenses([file])[0];
  if (fl) return { compatible: offersGpl(fl.node), label: `SPDX "${fl.expression}"` };
  return { compatible: undefined, label: 'no licence declared' };
}

function functionsIn(file: CFileFacts, m: ProvenanceMatch): string[] {
  const from = m.location.line ?? 0;
  const to = m.location.endLine ?? from;
  return file.functions.filter((f) => (f.location.line ?? 0) <= to && f.endLine >= from).map((f) => f.name);
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

/** What the copy keeps of the origin's copyright lines, as a sentence. */
export function attribution(m: ProvenanceMatch, kept: readonly string[]): { sentence: string; missing: string[] } {
  const origin = m.origin.copyright;
  if (origin.length === 0) {
    const who = m.origin.authors.length ? ` (its author lines: ${listNames(m.origin.authors, 3)})` : '';
    return { sentence: `The origin file has no copyright line${who}.`, missing: [] };
  }
  const missing = origin.filter((c) => !keepsCopyright(c, kept));
  if (missing.length === 0) return { sentence: `The copy keeps the origin's ${plural(origin.length, 'copyright line')}.`, missing };
  const which = listNames(missing.map((c) => `"${c}"`), 3);
  if (missing.length === origin.length) {
    return { sentence: `The copied file keeps none of the origin's ${plural(origin.length, 'copyright line')}: ${which}.`, missing };
  }
  return { sentence: `The copied file lacks ${missing.length} of the origin's ${plural(origin.length, 'copyright line')}: ${which}.`, missing };
}

/**
 * Code of a scanned source matches code of an indexed Linux tree (gplcheck scan --provenance):
 * the copied lines, the origin file and lines, its licence and its copyright holders.
 */
const rule: Rule = {
  meta: {
    id: 'copied-from-linux',
    defaultSeverity: 'info',
    description:
      'Lines of a scanned source match a region of a Linux source file (fingerprint match against a provenance index, after normalising identifiers, literals, comments and layout).',
    rationale:
      'Copied kernel code carries the licence of its origin file: GPL-2.0 unless the file offers another ' +
      'choice. Copied into a unit that is not GPL-compatible, it makes that unit a derived work of Linux ' +
      'whatever the unit links to; inside a GPL unit it is allowed, but the GPL requires the copyright ' +
      'notices to be kept. The claim against vmklinux failed in court because it did not show which lines ' +
      'were copied; this finding names the copied lines, the origin file and lines in a given kernel ' +
      'version, and the share that matches. A match is evidence of common origin, not proof: see the ' +
      'provenance README for what a fingerprint match does and does not show.',
    references: [REF_VMWARE, REF_COPYING, REF_LICENSE_RULES, REF_SPDX],
  },
  check({ model, report }) {
    for (const unit of model.units) {
      for (const file of sourceFiles(model, unit)) {
        const prov = file.provenance;
        if (!prov || prov.matches.length === 0) continue;
        const kept = prov.copyright;
        for (const m of prov.matches) {
          const o = m.origin;
          const terms = originTerms(o.license);
          const ut = unitTerms(unit, file);
          const licence = o.license ? `${o.license}` : 'no SPDX line: GPL-2.0 by the tree\'s COPYING';
          const fns = functionsIn(file, m);
          const how =
            `${m.tokens} tokens, ${pct(m.share)} matching` +
            (m.sameIdentifiers !== undefined ? `, ${pct(m.sameIdentifiers)} of identifiers spelled as in the origin` : '') +
            (m.aligned ? '' : ', bounds from fingerprints');
          const where = `Lines ${m.location.line}-${m.location.endLine}${fns.length ? ` (${listNames(fns, 4)})` : ''} match Linux ${o.kernel} ${o.path}:${o.line}-${o.endLine} (${licence}; ${how})`;
          let severity: Severity;
          let verdict: string;
          if (terms === 'syscall-note') {
            severity = 'info';
            verdict = 'the origin is UAPI code under the Linux-syscall-note, meant for use by programs';
          } else if (terms === 'alternative') {
            severity = ut.compatible === false ? 'warning' : 'info';
            verdict =
              ut.compatible === false
                ? `the unit is not GPL-compatible (${ut.label}); the origin offers a licence other than the GPL, which the copy must then follow (keep its notice)`
                : `the origin offers a licence other than the GPL as well`;
          } else if (ut.compatible === true) {
            severity = 'info';
            verdict = `the unit is GPL-compatible (${ut.label}): the copy stays under the origin's licence`;
          } else if (ut.compatible === false) {
            severity = 'error';
            verdict =
              `the unit is not GPL-compatible (${ut.label}): ${terms === 'copyleft' ? 'copied GPL code makes it a derived work of Linux' : 'the origin\'s licence is not known to allow this'}; ` +
              'remove the copy, or license the unit under terms compatible with the origin';
          } else {
            severity = 'warning';
            verdict = `the unit's licence is unknown (${ut.label}); copied GPL code requires a GPL-compatible one`;
          }
          const att = attribution(m, kept);
          const also = m.alsoIn?.length ? ` Also found in ${listNames(m.alsoIn.map((a) => `${a.path}:${a.line}-${a.endLine}`), 3)}.` : '';
          report({
            unit: unit.id,
            severity,
            ...(fns.length ? { symbol: fns[0] } : {}),
            message: `${where}: ${verdict}. ${att.sentence}${also}`,
            locations: [{ ...m.location, ...(fns.length ? { function: fns[0] } : {}) }],
            evidence: 'source',
            path: [
              {
                unit: o.index,
                symbol: fns[0] ?? o.path,
                location: { path: o.path, line: o.line, endLine: o.endLine },
                note: `origin in Linux ${o.kernel} (${licence})${o.copyright.length ? `; ${listNames(o.copyright, 3)}` : ''}`,
              },
            ],
          });
        }
      }
    }
  },
};
export default rule;
