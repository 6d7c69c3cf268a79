/** SPDX 2.3 JSON of a real scan: the document's rules checked one by one, checksums recomputed. */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { REPO, scanReportInputs } from '../test/report-inputs';
import { createSourceAccess } from './sources';
import spdx, { mapModuleLicense, packageVerificationCode, toSpdx } from './spdx';

jest.setTimeout(120_000);
const parseExpression = require('spdx-expression-parse') as (s: string) => unknown;

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const DATE = /^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z$/;
const SPDXID = /^SPDXRef-[a-zA-Z0-9.-]+$/;

async function render(): Promise<Json> {
  const { result, facts } = await scanReportInputs();
  return JSON.parse(spdx.render(result, { sources: createSourceAccess(REPO), facts }));
}

function licenseExpressionOk(e: string): boolean {
  if (e === 'NOASSERTION' || e === 'NONE') return true;
  try {
    parseExpression(e);
    return true;
  } catch {
    return false;
  }
}

test('document header as SPDX 2.3 requires it', async () => {
  const doc = await render();
  expect(doc.spdxVersion).toBe('SPDX-2.3');
  expect(doc.dataLicense).toBe('CC0-1.0');
  expect(doc.SPDXID).toBe('SPDXRef-DOCUMENT');
  expect(doc.name).toContain('test/fixtures/modules');
  expect(() => new URL(doc.documentNamespace)).not.toThrow();
  expect(doc.documentNamespace).not.toContain('#');
  expect(doc.creationInfo.created).toMatch(DATE);
  expect(doc.creationInfo.creators).toEqual([expect.stringMatching(/^Tool: gplcheck-\d+\.\d+\.\d+/)]);
  const allowed = ['spdxVersion', 'dataLicense', 'SPDXID', 'name', 'documentNamespace', 'creationInfo', 'packages', 'files', 'hasExtractedLicensingInfos', 'relationships'];
  for (const k of Object.keys(doc)) expect(allowed).toContain(k);
});

test('every scanned file is listed with SHA-1 and SHA-256 of its bytes', async () => {
  const { result } = await scanReportInputs();
  const doc = await render();
  const byName = new Map<string, Json>(doc.files.map((f: Json) => [f.fileName, f]));
  const paths = new Set(result.units.flatMap((u) => u.paths));
  expect(byName.size).toBe(paths.size);
  for (const p of paths) {
    const f = byName.get('./' + p);
    expect(f).toBeDefined();
    expect(f.SPDXID).toMatch(SPDXID);
    const bytes = fs.readFileSync(path.join(REPO, p));
    expect(f.checksums).toEqual([
      { algorithm: 'SHA1', checksumValue: createHash('sha1').update(bytes).digest('hex') },
      { algorithm: 'SHA256', checksumValue: createHash('sha256').update(bytes).digest('hex') },
    ]);
    for (const l of f.licenseInfoInFiles) expect(licenseExpressionOk(l)).toBe(true);
  }
});

test('licences found in files come from their SPDX-License-Identifier lines', async () => {
  const doc = await render();
  const f = doc.files.find((x: Json) => x.fileName === './test/fixtures/modules/src/prop_direct/prop_direct.c');
  expect(f.licenseInfoInFiles).toEqual(['LicenseRef-Proprietary']);
  expect(f.fileTypes).toEqual(['SOURCE']);
  const shim = doc.files.find((x: Json) => x.fileName === './vmkernel/shim/vmk_main.c');
  const firstLine = fs.readFileSync(path.join(REPO, 'vmkernel/shim/vmk_main.c'), 'utf8').split('\n')[0];
  const written = /SPDX-License-Identifier:\s*(.+?)\s*(\*\/)?$/.exec(firstLine)![1];
  expect(shim.licenseInfoInFiles).toEqual([written]);
  const ko = doc.files.find((x: Json) => x.fileName === './test/fixtures/modules/build/prop_direct/prop_direct.ko');
  expect(ko.fileTypes).toEqual(['BINARY']);
  expect(ko.licenseInfoInFiles).toEqual(['NOASSERTION']);
  // every LicenseRef used anywhere is defined in the document
  const defined = new Set((doc.hasExtractedLicensingInfos ?? []).map((e: Json) => e.licenseId));
  const text = JSON.stringify([doc.files, doc.packages]);
  for (const m of text.matchAll(/LicenseRef-[A-Za-z0-9.-]+/g)) expect(defined).toContain(m[0]);
  for (const e of doc.hasExtractedLicensingInfos) {
    expect(e.extractedText).toBeTruthy();
    expect(e.licenseId).toMatch(/^LicenseRef-[A-Za-z0-9.-]+$/);
  }
});

test('declared licences: MODULE_LICENSE mapped only where exact', async () => {
  const doc = await render();
  const pkg = (name: string) => doc.packages.find((p: Json) => p.name === name);
  expect(pkg('mit_only').licenseDeclared).toBe('MIT');
  // the kernel's "GPL" does not say v2-only or v2-or-later: a described reference, not GPL-2.0-only
  expect(pkg('clean_gpl').licenseDeclared).toBe('LicenseRef-MODULE-LICENSE-GPL');
  expect(pkg('prop_direct').licenseDeclared).toBe('LicenseRef-MODULE-LICENSE-Proprietary');
  expect(pkg('multi_license').licenseDeclared).toMatch(/^LicenseRef-MODULE-LICENSE-(GPL|Proprietary) AND LicenseRef-MODULE-LICENSE-(GPL|Proprietary)$/);
  expect(pkg('nolic').licenseDeclared).toBe('NOASSERTION');
  const gpl = doc.hasExtractedLicensingInfos.find((e: Json) => e.licenseId === 'LicenseRef-MODULE-LICENSE-GPL');
  expect(gpl.extractedText).toBe('MODULE_LICENSE("GPL")');
  expect(gpl.comment).toContain('not telling whether "GPL v2 only" or "GPL v2 or later"');
  for (const p of doc.packages) {
    expect(p.SPDXID).toMatch(SPDXID);
    expect(p.downloadLocation).toBe('NOASSERTION');
    expect(licenseExpressionOk(p.licenseDeclared)).toBe(true);
  }
  expect(mapModuleLicense('GPL v2').expression).toMatch(/^LicenseRef-MODULE-LICENSE-GPL-v2-[0-9a-f]{6}$/);
  expect(mapModuleLicense('Dual BSD/GPL').exact).toBe(false);
  expect(mapModuleLicense('GPL-2.0-only').expression).toBe('GPL-2.0-only');
});

test('packages hold their files; relationships point at existing elements; verification codes match', async () => {
  const doc = await render();
  const ids = new Set([doc.SPDXID, ...doc.packages.map((p: Json) => p.SPDXID), ...doc.files.map((f: Json) => f.SPDXID)]);
  expect(ids.size).toBe(1 + doc.packages.length + doc.files.length);
  for (const rel of doc.relationships) {
    expect(ids).toContain(rel.spdxElementId);
    expect(ids).toContain(rel.relatedSpdxElement);
  }
  const sha1 = new Map<string, string>(doc.files.map((f: Json) => [f.SPDXID, f.checksums[0].checksumValue]));
  for (const p of doc.packages.filter((x: Json) => x.packageVerificationCode)) {
    const contained = doc.relationships.filter((r: Json) => r.spdxElementId === p.SPDXID && r.relationshipType === 'CONTAINS');
    expect(p.packageVerificationCode.packageVerificationCodeValue).toBe(packageVerificationCode(contained.map((r: Json) => sha1.get(r.relatedSpdxElement)!)));
  }
  // prop_uses_gpl_export links at load time against the scanned gpl_provider and against the kernel
  const id = (name: string) => doc.packages.find((p: Json) => p.name === name).SPDXID;
  const links = doc.relationships.filter((r: Json) => r.spdxElementId === id('prop_uses_gpl_export') && r.relationshipType === 'DYNAMIC_LINK');
  expect(links.map((r: Json) => r.relatedSpdxElement)).toContain(id('gpl_provider'));
  const kernel = doc.packages.find((p: Json) => p.name.startsWith('Linux kernel '));
  expect(kernel.licenseDeclared).toBe('GPL-2.0-only WITH Linux-syscall-note');
  expect(kernel.filesAnalyzed).toBe(false);
});

test('without file access the files cannot be described and the document says so', async () => {
  const { result } = await scanReportInputs();
  const doc: Json = toSpdx(result, {});
  expect(doc.files).toEqual([]);
  expect(doc.creationInfo.comment).toContain('files not readable');
  for (const p of doc.packages) expect(p.filesAnalyzed).toBe(false);
});
