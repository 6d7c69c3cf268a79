/**
 * copied-from-linux: real kernel functions (from the Debian linux-source-6.1 tree, through the
 * small test index of lib/ and include/linux) copied into module sources under different
 * licences. Facts come from the real C analyser and the real matcher, linking from the real
 * linker with the shipped 6.1 database.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { CFileFacts } from '../analyzers/facts';
import { loadDatabase } from '../kernel-symbols';
import { matchSource } from '../kernel-symbols/provenance';
import { functionLines, testIndex } from '../kernel-symbols/provenance/testing';
import type { ProvenanceIndex } from '../kernel-symbols/provenance';
import { link } from '../src/link';
import { factsOf } from '../test/rule-tester';
import rule, { attribution, originTerms } from './copied-from-linux';
import { runRule } from '.';
import type { Finding } from './types';

jest.setTimeout(600_000);

let index: ProvenanceIndex;
let root: string;
beforeAll(async () => {
  ({ index, root } = await testIndex());
});

const fn = (file: string, head: RegExp) => functionLines(fs.readFileSync(path.join(root, file), 'utf8'), head);

/** Runs the rule over inline files, each C file matched against the test index. */
function findings(files: Record<string, string>, withProvenance = true): Finding[] {
  const facts = factsOf({ name: 'case', files });
  if (withProvenance) {
    for (const f of facts) if (f.analyzer === 'c') (f as CFileFacts).provenance = matchSource(f.path, Buffer.from(files[f.path]), [index]);
  }
  return runRule(rule, link(facts, loadDatabase('6.1'), []));
}

function moduleFile(spdx: string | undefined, license: string | undefined, body: string, header: string[] = []): string {
  return [
    ...(spdx ? [`// SPDX-License-Identifier: ${spdx}`] : []),
    '/*',
    ' * A module of our own.',
    ...header.map((h) => ` * ${h}`),
    ' */',
    '#include <linux/module.h>',
    '#include <linux/sort.h>',
    '',
    body,
    '',
    ...(license ? [`MODULE_LICENSE("${license}");`] : []),
    '',
  ].join('\n');
}

/** Line (1-based) of the first line of `body` inside `text`. */
const lineOf = (text: string, body: string): number => text.slice(0, text.indexOf(body)).split('\n').length;

test('metadata', () => {
  expect(rule.meta.id).toBe('copied-from-linux');
  expect(fs.existsSync(path.join(__dirname, `${rule.meta.id}.ts`))).toBe(true);
  expect(rule.meta.references.some((r) => /Hellwig v\. VMware/.test(r.title))).toBe(true);
});

test('origin terms: GPL-only, dual with a permissive choice, syscall note, no SPDX line', () => {
  expect(originTerms('GPL-2.0')).toBe('copyleft');
  expect(originTerms('GPL-2.0-or-later')).toBe('copyleft');
  expect(originTerms('LGPL-2.1 OR GPL-2.0')).toBe('copyleft');
  expect(originTerms('(GPL-2.0-only OR BSD-3-Clause)')).toBe('alternative');
  expect(originTerms('GPL-2.0 WITH Linux-syscall-note')).toBe('syscall-note');
  expect(originTerms(undefined)).toBe('copyleft');
});

describe('findings', () => {
  test('GPL module: info, origin and lines; copyright lines of the origin not kept are named', () => {
    const f = fn('lib/string_helpers.c', /^void string_get_size\(/);
    const text = moduleFile('GPL-2.0', 'GPL', f.text);
    const found = findings({ 'gplmod/size.c': text });
    expect(found).toHaveLength(1);
    const x = found[0];
    expect(x.severity).toBe('info');
    expect(x.symbol).toBe('string_get_size');
    expect(x.locations[0]).toMatchObject({ path: 'gplmod/size.c', line: lineOf(text, f.text), endLine: lineOf(text, f.text) + f.end - f.start, function: 'string_get_size' });
    expect(x.message).toContain(`match Linux ${index.meta.kernel} lib/string_helpers.c:${f.start}-${f.end} (GPL-2.0-only;`);
    expect(x.message).toContain('the unit is GPL-compatible (MODULE_LICENSE "GPL")');
    expect(x.message).toMatch(/keeps none of the origin's 2 copyright lines: "Copyright 31 August 2008 James Bottomley" and "Copyright \(C\) 2013, Intel Corporation"/);
    expect(x.path?.[0]).toMatchObject({ unit: index.meta.name, location: { path: 'lib/string_helpers.c', line: f.start, endLine: f.end } });
  });

  test('GPL module that keeps the copyright lines: no complaint about attribution', () => {
    const f = fn('lib/string_helpers.c', /^void string_get_size\(/);
    const text = moduleFile('GPL-2.0', 'GPL', f.text, ['string_get_size() from Linux lib/string_helpers.c:', 'Copyright 31 August 2008 James Bottomley', 'Copyright (C) 2013, Intel Corporation']);
    const found = findings({ 'gplmod/size.c': text });
    expect(found).toHaveLength(1);
    expect(found[0].severity).toBe('info');
    expect(found[0].message).toContain("The copy keeps the origin's 2 copyright lines.");
  });

  test('proprietary module: error, derived work', () => {
    const f = fn('lib/sort.c', /^void sort_r\(/);
    const text = moduleFile(undefined, 'Proprietary', f.text);
    const found = findings({ 'propmod/sort.c': text });
    expect(found).toHaveLength(1);
    expect(found[0].severity).toBe('error');
    expect(found[0].message).toContain(`lib/sort.c:${f.start}-${f.end} (GPL-2.0;`);
    expect(found[0].message).toContain('the unit is not GPL-compatible (MODULE_LICENSE "Proprietary"): copied GPL code makes it a derived work of Linux');
    expect(found[0].message).toContain('The origin file has no copyright line.');
  });

  test('MIT-only source file (no MODULE_LICENSE): error', () => {
    const f = fn('lib/sort.c', /^void sort_r\(/);
    const found = findings({ 'lib_mit/sort.c': moduleFile('MIT', undefined, f.text) });
    expect(found.map((x) => [x.severity, /not GPL-compatible \(SPDX "MIT"\)/.test(x.message)])).toEqual([['error', true]]);
  });

  test('proprietary module copying dual-licensed code: warning (the other licence may be used)', () => {
    const f = fn('lib/siphash.c', /^u64 __siphash_aligned\(/);
    const found = findings({ 'propmod/hash.c': moduleFile(undefined, 'Proprietary', f.text) });
    expect(found).toHaveLength(1);
    expect(found[0].severity).toBe('warning');
    expect(found[0].message).toContain('(GPL-2.0-only OR BSD-3-Clause)');
    expect(found[0].message).toContain('offers a licence other than the GPL');
    expect(found[0].message).toMatch(/keeps none of the origin's 1 copyright line: "Copyright \(C\) 2016-2022 Jason A\. Donenfeld/);
  });

  test('no licence anywhere: warning', () => {
    const f = fn('lib/sort.c', /^void sort_r\(/);
    const found = findings({ 'nolic/sort.c': moduleFile(undefined, undefined, f.text) });
    expect(found.map((x) => x.severity)).toEqual(['warning']);
    expect(found[0].message).toContain("the unit's licence is unknown (no licence declared)");
  });

  test('valid: independent code for the same purpose, and scans without --provenance', () => {
    const own = fs.readFileSync(path.join(__dirname, '../kernel-symbols/provenance/testdata/independent.c'), 'utf8');
    expect(findings({ 'propmod/own.c': moduleFile(undefined, 'Proprietary', own) })).toEqual([]);
    const f = fn('lib/sort.c', /^void sort_r\(/);
    expect(findings({ 'propmod/sort.c': moduleFile(undefined, 'Proprietary', f.text) }, false)).toEqual([]);
  });
});

test('attribution sentences', () => {
  const m = (copyright: string[], authors: string[] = []) => ({
    location: { path: 'a.c', line: 1, endLine: 2 },
    tokens: 100,
    share: 1,
    fingerprints: 5,
    origin: { index: 'i', kernel: '6.1', path: 'lib/x.c', line: 1, endLine: 2, copyright, authors },
  });
  expect(attribution(m([], ['Author: A. B.']), []).sentence).toBe('The origin file has no copyright line (its author lines: Author: A. B.).');
  expect(attribution(m(['Copyright (C) 2001 A', 'Copyright (C) 2002 B']), ['Copyright 2001 A']).sentence).toBe(
    'The copied file lacks 1 of the origin\'s 2 copyright lines: "Copyright (C) 2002 B".',
  );
});
