/**
 * Licence and authorship notices of a source file: its SPDX-License-Identifier, its copyright
 * lines (`Copyright (C) 2004 ...`, `(c) 1999 ...`, `© ...`), its author lines (`Author: ...`,
 * `Authors: ...`, `Written by ...`) and `MODULE_AUTHOR("...")`. Found with native byte
 * searches, so files without any notice cost almost nothing.
 *
 * Also: holder keys for comparing copyright lines between a copy and its origin
 * (`copyrightHolder`).
 */

export interface Notices {
  /** The first SPDX-License-Identifier expression, without comment decoration. */
  spdx?: string;
  /** Copyright lines as written (comment decoration removed), in file order, de-duplicated. */
  copyright: string[];
  /** Author lines and MODULE_AUTHOR values, in file order, de-duplicated. */
  authors: string[];
}

const MAX_LINES = 24;
const MAX_LEN = 200;

function lineAround(buf: Buffer, at: number): string {
  let s = at;
  while (s > 0 && buf[s - 1] !== 10) s--;
  let e = at;
  while (e < buf.length && buf[e] !== 10) e++;
  return buf.toString('utf8', s, e);
}

/** Removes comment markers and surrounding decoration from one line. */
export function stripDecoration(line: string): string {
  return line
    .replace(/\r$/, '')
    .replace(/^\s*(\/\/+|\/\*+|\*+|#+|;+|--)?\s*/, '')
    .replace(/\s*\*+\/\s*$/, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_LEN);
}

const YEAR = /\b(19[6-9]\d|20\d\d)\b/;
const COPYRIGHT_SIGN = /\(c\)|©|\bcopr\./i;
/** Licence boilerplate that says "copyright" without naming anyone. */
const NOT_A_NOTICE = /copyright\s+(notice|holder|owner|law|statement|and\s+licen|license|licence|protection|assignment)|the\s+copyright|\bcopyright\s*:?\s*$|copyrighted\b/i;

export function isCopyrightLine(line: string): boolean {
  if (!/copyright|\(c\)|©/i.test(line)) return false;
  if (NOT_A_NOTICE.test(line)) return false;
  if (/copyright/i.test(line)) return YEAR.test(line) || COPYRIGHT_SIGN.test(line) || /copyright\s+(by\s+)?[A-Z]/.test(line);
  // "(c) 1999 Foo" without the word
  return /^(\(c\)|©)\s*(19|20)\d\d/i.test(line);
}

function indexesOf(buf: Buffer, needle: string, out: number[]): void {
  let at = buf.indexOf(needle, 0, 'latin1');
  let found = 0;
  while (at >= 0 && found++ < 16 * MAX_LINES) {
    out.push(at);
    at = buf.indexOf(needle, at + needle.length, 'latin1');
  }
}

function pushUnique(list: string[], value: string): void {
  if (value && list.length < MAX_LINES && !list.includes(value)) list.push(value);
}

export interface NoticeOptions {
  /** Search copyright, author and SPDX lines only in the first this many bytes (default: all).
   *  The index of a kernel tree uses 32 KiB: notices sit in the header comment. */
  headBytes?: number;
  /** Offsets of `MODULE_AUTHOR(` found by the lexer (searched anywhere in the file). */
  moduleAuthorAt?: readonly number[];
}

export function extractNotices(whole: Buffer, options: NoticeOptions = {}): Notices {
  const out: Notices = { copyright: [], authors: [] };
  const buf = options.headBytes !== undefined && whole.length > options.headBytes ? whole.subarray(0, options.headBytes) : whole;
  const spdxAt = buf.indexOf('SPDX-License-Identifier:', 0, 'latin1');
  if (spdxAt >= 0) {
    let e = spdxAt;
    while (e < buf.length && buf[e] !== 10) e++;
    const expr = buf
      .toString('utf8', spdxAt + 24, e)
      .replace(/\*\/.*$/, '')
      .replace(/\r$/, '')
      .trim();
    if (expr) out.spdx = expr.slice(0, MAX_LEN);
  }
  const hits: number[] = [];
  // '\u00a9' searched as Latin-1 is the byte A9: the Latin-1 sign and the end of UTF-8's C2 A9
  for (const needle of ['opyright', 'OPYRIGHT', '\u00a9']) indexesOf(buf, needle, hits);
  // "(c) 1999 ..." without the word: only where a year follows (`(c)` alone is common in code)
  const signs: number[] = [];
  indexesOf(buf, '(C)', signs);
  indexesOf(buf, '(c)', signs);
  for (const at of signs) {
    let p = at + 3;
    while (buf[p] === 32) p++;
    if (buf[p] >= 48 && buf[p] <= 57) hits.push(at);
  }
  const seenLines = new Set<number>();
  hits.sort((a, b) => a - b);
  for (const at of hits) {
    let s = at;
    while (s > 0 && buf[s - 1] !== 10) s--;
    if (seenLines.has(s)) continue;
    seenLines.add(s);
    const text = stripDecoration(lineAround(buf, at));
    if (isCopyrightLine(text)) pushUnique(out.copyright, text);
  }
  const authorHits: number[] = [];
  for (const needle of ['Author', 'AUTHOR', 'Written by', 'written by']) indexesOf(buf, needle, authorHits);
  authorHits.sort((a, b) => a - b);
  for (const at of authorHits) {
    const raw = lineAround(buf, at);
    if (/MODULE_AUTHOR/.test(raw) && options.moduleAuthorAt) continue; // taken below
    const m = /MODULE_AUTHOR\s*\(\s*"((?:[^"\\]|\\.)*)"/.exec(raw);
    if (m) {
      pushUnique(out.authors, m[1].replace(/\\(.)/g, '$1').slice(0, MAX_LEN));
      continue;
    }
    const text = stripDecoration(raw);
    const a = /^(?:Original\s+)?(?:(?:Authors?|AUTHORS?)\s*:|Written by\b|written by\b)\s*(.+)$/.exec(text);
    if (a && /[A-Za-z]{2}/.test(a[1]) && !/^(of|is|will|must|should|may|can)\b/i.test(a[1])) pushUnique(out.authors, text);
  }
  for (const at of options.moduleAuthorAt ?? []) {
    const m = /^MODULE_AUTHOR\s*\(\s*((?:"(?:[^"\\\n]|\\.)*"\s*)+)\)/.exec(whole.toString('utf8', at, Math.min(whole.length, at + 600)));
    if (!m) continue;
    const value = [...m[1].matchAll(/"((?:[^"\\\n]|\\.)*)"/g)].map((x) => x[1].replace(/\\(.)/g, '$1')).join('');
    pushUnique(out.authors, value.slice(0, MAX_LEN));
  }
  return out;
}

/**
 * The holder part of a copyright line, for comparison: without the word "Copyright", the sign,
 * years, e-mail addresses, "All rights reserved" and punctuation; lower case.
 * `Copyright (C) 2007-2009 Red Hat, Inc. <x@y>` -> `red hat inc`.
 */
export function copyrightHolder(line: string): string {
  return line
    .replace(/<[^>]*>/g, ' ')
    .replace(/\b[\w.+-]+@[\w.-]+\b/g, ' ')
    .replace(/all rights reserved\.?/gi, ' ')
    .replace(/copyright|\(c\)|©|\bcopr\./gi, ' ')
    .replace(/\b(19|20)\d\d\b(\s*[-,]\s*\b(19|20)?\d\d\b)*/g, ' ')
    .replace(/\b(by|and|the)\b/gi, ' ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .toLowerCase();
}

/** Whether the copyright line `origin` is kept among `kept` (same holder named). */
export function keepsCopyright(origin: string, kept: readonly string[]): boolean {
  const holder = copyrightHolder(origin);
  if (!holder) return kept.length > 0;
  return kept.some((k) => {
    const h = copyrightHolder(k);
    return h.length > 0 && (h.includes(holder) || holder.includes(h));
  });
}
