/**
 * SPDX 2.3 JSON of what was scanned: one package per unit, its files with SHA-1/SHA-256
 * checksums, the licences found in the files (SPDX-License-Identifier lines), the licences the
 * modules declare (MODULE_LICENSE), and how the units link to each other and to the kernel.
 *
 * MODULE_LICENSE strings are mapped to SPDX only where the mapping is exact. The kernel's own
 * idents are not: include/linux/module.h (6.1) says "GPL" and "GPL v2" both mean "GNU Public
 * License v2" without telling whether v2 only or v2 or later, and that the source files' licence
 * information is what counts. Such strings become `LicenseRef-MODULE-LICENSE-...` with the
 * kernel's wording in hasExtractedLicensingInfos. A string that is itself a valid SPDX
 * expression (a module that writes `MODULE_LICENSE("MIT")`) is used as it is.
 *
 * Checksums are computed from the file bytes at render time (RenderOptions.sources); files that
 * cannot be read then are left out and named in the document comment.
 */
import { createHash } from 'crypto';
import * as path from 'path';
import type { CFileFacts, FileFacts } from '../analyzers/facts';
import type { Unit } from '../rules/model';
import { unitRisk } from './common';
import type { RenderOptions } from './render';
import type { Reporter, ScanResult } from './types';

const parseExpression = require('spdx-expression-parse') as (source: string) => unknown;

type Json = Record<string, unknown>;

/** What include/linux/module.h (Linux 6.1) says each ident means. */
export const KERNEL_MODULE_LICENSE_MEANING: Readonly<Record<string, string>> = {
  GPL: 'GNU Public License v2',
  'GPL v2': 'GNU Public License v2',
  'GPL and additional rights': 'GNU Public License v2 rights and more',
  'Dual BSD/GPL': 'GNU Public License v2 or BSD license choice',
  'Dual MIT/GPL': 'GNU Public License v2 or MIT license choice',
  'Dual MPL/GPL': 'GNU Public License v2 or Mozilla license choice',
  Proprietary: 'Non free products',
};

const MODULE_H_NOTE =
  'include/linux/module.h (Linux 6.1): both "GPL v2" and "GPL" (the latter also in dual licensed strings) are ' +
  'merely stating that the module is licensed under the GPL v2, but are not telling whether "GPL v2 only" or ' +
  '"GPL v2 or later"; the string does not replace the license identifiers in the source files. ' +
  'See also Documentation/process/license-rules.rst.';

export interface ModuleLicenseMapping {
  /** An SPDX expression: the string itself when it is valid SPDX, else a LicenseRef. */
  expression: string;
  exact: boolean;
  /** For LicenseRefs: the extracted-licensing entry. */
  extracted?: { licenseId: string; name: string; extractedText: string; comment: string };
}

function isValidSpdx(expression: string): boolean {
  try {
    parseExpression(expression);
    return true;
  } catch {
    return false;
  }
}

function refSlug(s: string): string {
  const slug = s.replace(/[^A-Za-z0-9.]+/g, '-').replace(/^-+|-+$/g, '');
  return slug || 'empty';
}

/** A MODULE_LICENSE string as SPDX: exact where the string is SPDX, else a described LicenseRef. */
export function mapModuleLicense(value: string): ModuleLicenseMapping {
  if (!(value in KERNEL_MODULE_LICENSE_MEANING) && isValidSpdx(value)) return { expression: value, exact: true };
  // The slug alone could collide ("GPL v2" / "GPL-v2"); a short hash of the exact string keeps ids apart.
  const slug = refSlug(value);
  const id = `LicenseRef-MODULE-LICENSE-${slug}${slug === value ? '' : '-' + createHash('sha256').update(value).digest('hex').slice(0, 6)}`;
  const meaning = KERNEL_MODULE_LICENSE_MEANING[value];
  return {
    expression: id,
    exact: false,
    extracted: {
      licenseId: id,
      name: `Linux MODULE_LICENSE("${value}")`,
      extractedText: `MODULE_LICENSE("${value}")`,
      comment: meaning
        ? `The kernel's module licence ident "${value}": [${meaning}]. ${MODULE_H_NOTE}`
        : `A module licence string that is not one of the kernel's idents (include/linux/module.h, include/linux/license.h); ` +
          `the kernel treats it as not GPL-compatible. No SPDX identifier is implied.`,
    },
  };
}

function spdxId(prefix: string, name: string, used: Set<string>): string {
  const base = `SPDXRef-${prefix}-${name.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '') || 'x'}`;
  let id = base;
  for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
  used.add(id);
  return id;
}

function fileTypes(p: string, facts: FileFacts | undefined): string[] {
  if (facts?.analyzer === 'elf') return facts.unitKind === 'userspace' ? ['BINARY', 'APPLICATION'] : ['BINARY'];
  if (facts?.analyzer === 'c' || /\.[ch]$/.test(p)) return ['SOURCE'];
  if (/\.(ko|o|so)$/.test(p)) return ['BINARY'];
  if (facts?.analyzer === 'kbuild') return ['TEXT'];
  return ['OTHER'];
}

function fileName(p: string): string {
  const posix = p.split(path.sep).join('/');
  if (path.isAbsolute(p) || posix.startsWith('./') || posix.startsWith('../')) return posix;
  return './' + posix;
}

function createdDate(iso: string): string {
  const d = new Date(iso);
  const t = Number.isNaN(d.getTime()) ? new Date(0) : d;
  return t.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** SPDX 2.3 package verification code: SHA-1 over the sorted SHA-1s of the package's files. */
export function packageVerificationCode(sha1s: readonly string[]): string {
  return createHash('sha1').update([...sha1s].sort().join('')).digest('hex');
}

export function toSpdx(r: ScanResult, options: RenderOptions = {}): Json {
  const ids = new Set<string>(['SPDXRef-DOCUMENT']);
  const factsByPath = new Map<string, FileFacts>();
  for (const f of options.facts ?? []) factsByPath.set(f.path, f);
  const extracted = new Map<string, Json>();
  const unreadable: string[] = [];

  const useRef = (mapping: ModuleLicenseMapping) => {
    if (mapping.extracted && !extracted.has(mapping.extracted.licenseId)) {
      const e = mapping.extracted;
      extracted.set(e.licenseId, { licenseId: e.licenseId, name: e.name, extractedText: e.extractedText, comment: e.comment });
    }
  };
  const noteFileRefs = (expression: string, where: string) => {
    for (const m of expression.matchAll(/(?<![A-Za-z0-9:.-])LicenseRef-[A-Za-z0-9.-]+/g)) {
      if (!extracted.has(m[0])) {
        extracted.set(m[0], {
          licenseId: m[0],
          name: m[0],
          extractedText: `SPDX-License-Identifier: ${expression}`,
          comment: `A licence reference the scanned sources use (first seen at ${where}); its text was not part of the scan.`,
        });
      }
    }
  };

  const files: Json[] = [];
  const fileIdByPath = new Map<string, string>();
  const fileInfo = new Map<string, { sha1: string; licenses: string[] }>();

  function describeFile(p: string): string | undefined {
    const known = fileIdByPath.get(p);
    if (known) return known;
    const sums = options.sources?.checksums(p);
    if (!sums) {
      unreadable.push(p);
      return undefined;
    }
    const facts = factsByPath.get(p);
    const found: string[] = [];
    const comments: string[] = [];
    if (facts?.analyzer === 'c') {
      for (const s of (facts as CFileFacts).spdx) {
        const where = `${p}:${s.location.line ?? '?'}`;
        let expr = s.expression;
        if (s.error || !isValidSpdx(expr)) {
          const id = `LicenseRef-unparsed-${refSlug(expr).slice(0, 40)}-${createHash('sha256').update(expr).digest('hex').slice(0, 6)}`;
          if (!extracted.has(id)) {
            extracted.set(id, {
              licenseId: id,
              name: `Unparsed SPDX-License-Identifier "${expr}"`,
              extractedText: `SPDX-License-Identifier: ${expr}`,
              comment: `Written at ${where}; not a valid SPDX expression (${s.error ?? 'does not parse'}).`,
            });
          }
          comments.push(`SPDX-License-Identifier at line ${s.location.line ?? '?'} does not parse: ${expr}`);
          expr = id;
        } else {
          noteFileRefs(expr, where);
          comments.push(`SPDX-License-Identifier at line ${s.location.line ?? '?'}: ${expr}`);
        }
        if (!found.includes(expr)) found.push(expr);
      }
      for (const m of (facts as CFileFacts).moduleLicenses) {
        comments.push(`MODULE_LICENSE("${m.value}") at line ${m.location.line ?? '?'}${m.conditional ? ' (inside #if)' : ''}`);
      }
    } else if (facts?.analyzer === 'elf') {
      for (const l of facts.licenses) comments.push(`.modinfo license=${l}`);
    }
    const id = spdxId('File', p, ids);
    fileIdByPath.set(p, id);
    fileInfo.set(p, { sha1: sums.sha1, licenses: found });
    files.push({
      fileName: fileName(p),
      SPDXID: id,
      checksums: [
        { algorithm: 'SHA1', checksumValue: sums.sha1 },
        { algorithm: 'SHA256', checksumValue: sums.sha256 },
      ],
      fileTypes: fileTypes(p, facts),
      licenseConcluded: 'NOASSERTION',
      // Only SPDX-License-Identifier lines are read: a file without one may still carry licence text.
      licenseInfoInFiles: found.length ? found : ['NOASSERTION'],
      copyrightText: 'NOASSERTION',
      ...(comments.length ? { comment: comments.join('; ') } : {}),
    });
    return id;
  }

  const db = r.database;
  const kernelId = spdxId('Package', `linux-${db.kernel}`, ids);
  const packages: Json[] = [];
  const relationships: Json[] = [];
  const unitIds = new Map<string, string>();
  for (const u of r.units) unitIds.set(u.id, spdxId('Unit', u.id, ids));

  let kernelUsed = false;
  for (const u of r.units) {
    const pkgId = unitIds.get(u.id)!;
    const fileIds: string[] = [];
    const sha1s: string[] = [];
    const fromFiles = new Set<string>();
    for (const p of u.paths) {
      const fid = describeFile(p);
      if (!fid) continue;
      fileIds.push(fid);
      const info = fileInfo.get(p)!;
      sha1s.push(info.sha1);
      info.licenses.forEach((l) => fromFiles.add(l));
    }
    const mappings = u.licenses.map((l) => mapModuleLicense(l.value));
    mappings.forEach(useRef);
    const declared = [...new Set(mappings.map((m) => m.expression))];
    const allFilesRead = fileIds.length === u.paths.length && fileIds.length > 0;
    const pkg: Json = {
      name: u.id,
      SPDXID: pkgId,
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: fileIds.length > 0,
      ...(allFilesRead ? { packageVerificationCode: { packageVerificationCodeValue: packageVerificationCode(sha1s) } } : {}),
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: declared.length === 0 ? 'NOASSERTION' : declared.length === 1 ? declared[0] : declared.map((d) => (/\s/.test(d) ? `(${d})` : d)).join(' AND '),
      ...(fileIds.length ? { licenseInfoFromFiles: fromFiles.size ? [...fromFiles].sort() : ['NOASSERTION'] } : {}),
      copyrightText: 'NOASSERTION',
      ...(u.kind === 'userspace' ? { primaryPackagePurpose: 'APPLICATION' } : u.kind === 'source' ? { primaryPackagePurpose: 'SOURCE' } : {}),
      comment: unitComment(u, r),
      ...(mappings.some((m) => !m.exact)
        ? { licenseComments: 'licenseDeclared comes from MODULE_LICENSE; kernel idents are LicenseRefs because they do not say which GPL v2 variant applies (see hasExtractedLicensingInfos).' }
        : {}),
    };
    packages.push(pkg);
    relationships.push({ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: pkgId });
    for (const fid of fileIds) relationships.push({ spdxElementId: pkgId, relationshipType: 'CONTAINS', relatedSpdxElement: fid });

    // Run-time linking: modules resolve their undefined symbols against the kernel and other modules.
    const byProvider = new Map<string, { total: number; gpl: number }>();
    for (const imp of u.imports) {
      const target = imp.providerKind === 'scanned' && imp.provider && unitIds.has(imp.provider) ? unitIds.get(imp.provider)! : imp.providerKind === 'kernel' ? kernelId : undefined;
      if (!target || target === pkgId) continue;
      const c = byProvider.get(target) ?? { total: 0, gpl: 0 };
      c.total++;
      if (imp.exportType === 'gpl') c.gpl++;
      byProvider.set(target, c);
    }
    for (const [target, c] of byProvider) {
      if (target === kernelId) kernelUsed = true;
      relationships.push({
        spdxElementId: pkgId,
        relationshipType: 'DYNAMIC_LINK',
        relatedSpdxElement: target,
        comment: `resolves ${c.total} symbol${c.total === 1 ? '' : 's'} against it at load time (${c.gpl} exported GPL-only)`,
      });
    }
  }
  if (kernelUsed) {
    packages.push({
      name: `Linux kernel ${db.kernel}`,
      SPDXID: kernelId,
      versionInfo: db.kernel,
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: 'GPL-2.0-only WITH Linux-syscall-note',
      copyrightText: 'NOASSERTION',
      ...(db.source.package ? { supplier: 'Organization: Debian', sourceInfo: `exports from ${db.source.package} ${db.source.packageVersion ?? ''}`.trim() } : {}),
      comment:
        `Not scanned: the exports of this kernel build (symbol database ${db.name}, ${db.counts.total} exports, ` +
        `${db.counts.gpl} GPL-only). Declared licence per the kernel's COPYING file.`,
    });
  }

  const created = createdDate(r.invocation.date);
  const namespaceHash = createHash('sha256')
    .update(JSON.stringify([r.tool, r.invocation, r.inputs, db.name, db.kernel]))
    .digest('hex')
    .slice(0, 32);
  const comment = [
    `Scanned by ${r.tool.name} ${r.tool.version}: ${r.invocation.command}`,
    `kernel symbols ${db.name} (${db.kernel}, ${db.arch}${db.source.package ? `, ${db.source.package} ${db.source.packageVersion ?? ''}`.trimEnd() : ''})`,
    `licenseInfoInFiles lists SPDX-License-Identifier lines only${options.facts ? '' : ' (not available to this rendering: NOASSERTION throughout)'}`,
    ...(unreadable.length ? [`files not readable when this document was written, left out: ${unreadable.join(', ')}`] : []),
  ].join('. ');

  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: `${r.tool.name} scan of ${r.inputs.join(', ')}`,
    documentNamespace: `https://gplcheck.invalid/spdxdocs/${refSlug(r.inputs.map((i) => path.basename(i)).join('-')).slice(0, 60)}-${namespaceHash}`,
    creationInfo: { created, creators: [`Tool: ${r.tool.name}-${r.tool.version}`], comment },
    packages,
    files,
    ...(extracted.size ? { hasExtractedLicensingInfos: [...extracted.values()] } : {}),
    relationships,
  };
}

function unitComment(u: Unit, r: ScanResult): string {
  const parts = [`gplcheck unit of kind ${u.kind}, evidence from ${u.evidence}`];
  if (u.licenses.length) {
    parts.push(
      'MODULE_LICENSE ' + u.licenses.map((l) => `"${l.value}" (${l.location.path}${l.location.line ? `:${l.location.line}` : ''})`).join(', '),
    );
    parts.push(`GPL-compatible per include/linux/license.h: ${u.gplCompatible ? 'yes' : 'no'}`);
  } else parts.push('no MODULE_LICENSE');
  const n = r.findings.filter((f) => f.unit === u.id).length;
  parts.push(`${n} finding${n === 1 ? '' : 's'}`);
  const risk = unitRisk(u);
  if (risk) parts.push(`risk ${risk.level}: ${risk.rationale}`);
  return parts.join('; ');
}

const reporter: Reporter = {
  name: 'spdx',
  render(result, options) {
    return JSON.stringify(toSpdx(result, options), null, 2) + '\n';
  },
};
export default reporter;
