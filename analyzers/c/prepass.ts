/**
 * The lexical pre-pass over a C file, done before tree-sitter sees it:
 *
 * 1. Preprocessor directives are read here, not from the syntax tree (tree-sitter nests them
 *    oddly when a branch splits a statement): `#include`, `#define` (object- and function-like),
 *    and the `#if`/`#ifdef`/`#ifndef`/`#elif`/`#else`/`#endif` structure, from which the
 *    conditional regions are computed. An include guard (`#ifndef X` + `#define X` first, its
 *    `#endif` last) does not make the file's contents conditional.
 * 2. `SPDX-License-Identifier:` tags are collected from comments.
 * 3. The text handed to the parser is neutralised without moving any position (every change is
 *    a same-length replacement, newlines kept):
 *    - kernel annotation macros (`__init`, `__user`, `__printf(1, 2)`, ... see keywords.ts) become
 *      blanks; `__always_inline` becomes `inline` so the inline-ness survives;
 *    - an identifier glued to a string literal (`KERN_INFO "x"`, `DRV_NAME ": "`, `"v" DRV_VERSION`)
 *      is blanked: it can only be a macro expanding to a string;
 *    - a macro argument that is only a type (`container_of(p, struct foo, m)`,
 *      `max_t(unsigned int, a, b)`, `SYSCALL_DEFINE2(x, char __user *, buf, ...)`) becomes the
 *      identifier `_` (padded), which the grammar accepts as an expression;
 *    - `#if`/`#ifdef`/`#elif`/`#else`/`#endif` lines inside braces (a function body, an
 *      initialiser) are blanked, so the parser reads every branch's code in sequence instead of
 *      losing the statement or initialiser the directive splits (the conditional regions are
 *      known from the pre-pass anyway);
 *    - a preprocessing number that is not a C number (`1000baseT_Full`, pasted into a name by a
 *      macro) becomes `_` as well.
 *    Facts are always read back from the original text at the same offsets.
 */
import { ANNOTATIONS_ARGS, ANNOTATIONS_BARE, ANNOTATIONS_INLINE, C_KEYWORDS } from './keywords';
import { isIdentChar, isIdentStart, matchParen, prevNonSpace, skipComment, skipQuoted, skipWs } from './text';

export interface RawInclude {
  target: string;
  system: boolean;
  /** Offset of the `#`. */
  offset: number;
  /** Offset of the target's first character (`<` or `"`). */
  targetOffset: number;
}

export interface RawDefine {
  name: string;
  params?: string[];
  body: string;
  offset: number;
  nameOffset: number;
}

export interface RawSpdx {
  expression: string;
  offset: number;
}

export interface CondDirective {
  kind: 'if' | 'ifdef' | 'ifndef' | 'elif' | 'elifdef' | 'elifndef' | 'else' | 'endif';
  arg: string;
  offset: number;
  end: number;
}

export interface Prepared {
  /** Same length as the original; what the parser gets. */
  parseText: string;
  includes: RawInclude[];
  defines: RawDefine[];
  spdx: RawSpdx[];
  /** Flattened [start, end) pairs of outermost conditional regions (include guard excluded). */
  condRanges: number[];
  /** Include guard macro, when the file has one. */
  guard?: string;
  /** Problems seen by the pre-pass (unbalanced `#if`/`#endif`). Offsets into the text. */
  problems: { offset: number; message: string }[];
}

// Interesting token starts. Comments and literals are consumed with the text helpers.
// Alternatives: comment, literal, directive, annotation-like word, argument starting with a
// type keyword, `*` closing an argument (`foo_t *,`), a preprocessing number glued to letters.
const TOKEN_RE = new RegExp(
  [
    String.raw`\/[*/]`,
    `["']`,
    String.raw`^[ \t]*#`,
    String.raw`\b(?:_\w+|notrace|noinstr|asmlinkage|noinline(?:_for_stack)?|nokprobe_inline|BTF_TYPE_TAG)\b`,
    String.raw`[(,][ \t\r\n]*(?=(?:unsigned|signed|char|short|int|long|float|double|void|_Bool|bool|const|volatile|struct|union|enum)\b)`,
    String.raw`\*[ \t]*(?=[,)])`,
    String.raw`\b\d+[A-Za-z_]{2}\w*`,
    '[{}]',
  ].join('|'),
  'gm',
);

/** Words a type-only macro argument may be made of (besides `struct X`, `*` and annotations). */
const TYPE_WORDS = new Set(['unsigned', 'signed', 'char', 'short', 'int', 'long', 'float', 'double', 'void', '_Bool', 'bool', 'const', 'volatile', '__int128']);
const TAG_WORDS = new Set(['struct', 'union', 'enum']);
const VALID_NUMBER = /^(?:0[xX][0-9a-fA-F']*(?:\.[0-9a-fA-F']*)?(?:[pP][+-]?\d+)?|0[bB][01']+|\d[\d']*(?:\.\d*)?(?:[eE][+-]?\d+)?)[uUlLfFzZ]*$/;

const COND_KINDS = new Set(['if', 'ifdef', 'ifndef', 'elif', 'elifdef', 'elifndef', 'else', 'endif']);
const SPDX_TAG = 'SPDX-License-Identifier';
const ENCODING_PREFIXES = new Set(['L', 'u', 'U', 'u8']);

export function prepare(text: string): Prepared {
  let raw: Buffer | null = null;
  let buf: Uint16Array | null = null;
  const includes: RawInclude[] = [];
  const defines: RawDefine[] = [];
  const spdx: RawSpdx[] = [];
  const conds: CondDirective[] = [];
  /** Every directive in order, for include-guard detection: kind + macro name (if/define). */
  const directiveKinds: { kind: string; name?: string }[] = [];
  let lastDirectiveEnd = 0;
  const n = text.length;
  /** `{` nesting outside directives, comments and literals. */
  let braceDepth = 0;

  /** Replace [a, b) by `replacement` padded with blanks; newlines stay. */
  const edit = (a: number, b: number, replacement = ''): void => {
    if (b <= a) return;
    if (!buf) {
      raw = Buffer.from(text, 'utf16le');
      if (raw.byteOffset & 1) {
        const copy = Buffer.allocUnsafeSlow(raw.length);
        raw.copy(copy);
        raw = copy;
      }
      buf = new Uint16Array(raw.buffer, raw.byteOffset, raw.length >> 1);
    }
    let k = a;
    for (let r = 0; r < replacement.length && k < b; r++, k++) buf[k] = replacement.charCodeAt(r);
    for (; k < b; k++) {
      const c = buf[k];
      if (c !== 10 && c !== 13) buf[k] = 32;
    }
  };

  if (text.charCodeAt(0) === 0xfeff) edit(0, 1);
  // where the tag occurs at all (usually once, near the top); comments holding one are read
  const spdxTags: number[] = [];
  for (let at = text.indexOf(SPDX_TAG); at !== -1; at = text.indexOf(SPDX_TAG, at + SPDX_TAG.length)) spdxTags.push(at);

  const re = new RegExp(TOKEN_RE.source, TOKEN_RE.flags);
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const i = m.index;
    const word = m[0];
    const c = text.charCodeAt(i);
    if (c === 47 /* / */) {
      const end = skipComment(text, i);
      if (spdxTags.length > 0 && spdxTags[spdxTags.length - 1] >= i) collectSpdx(text, i, end, spdxTags, spdx);
      re.lastIndex = end;
      continue;
    }
    if (c === 34 /* " */ || c === 39 /* ' */) {
      const end = skipQuoted(text, i);
      if (c === 34) glueAroundString(i, end);
      re.lastIndex = end;
      continue;
    }
    if (c === 123 /* { */) {
      braceDepth++;
      continue;
    }
    if (c === 125 /* } */) {
      if (braceDepth > 0) braceDepth--;
      continue;
    }
    if (word.charCodeAt(word.length - 1) === 35 /* # */) {
      const hash = i + word.length - 1;
      const end = directiveEnd(text, hash);
      const kind = directive(hash, end);
      if (braceDepth > 0 && kind !== undefined && COND_KINDS.has(kind)) edit(hash, end, needsComma(hash, end) ? ',' : '');
      lastDirectiveEnd = end;
      re.lastIndex = end;
      continue;
    }
    if (c === 40 /* ( */ || c === 44 /* , */) {
      typeArgForward(i);
      continue;
    }
    if (c === 42 /* * */) {
      typeArgBackward(i);
      continue;
    }
    if (c >= 48 && c <= 57) {
      if (!VALID_NUMBER.test(word)) edit(i, i + word.length, '_');
      continue;
    }
    // annotation-like identifiers
    const end = i + word.length;
    if (ANNOTATIONS_BARE.has(word)) {
      edit(i, end);
    } else if (ANNOTATIONS_ARGS.has(word)) {
      const j = skipWs(text, end);
      if (text.charCodeAt(j) === 40) {
        const close = matchParen(text, j);
        if (close !== -1) {
          edit(i, close + 1);
          re.lastIndex = close + 1;
          continue;
        }
      }
      edit(i, end);
    } else if (ANNOTATIONS_INLINE.has(word)) {
      edit(i, end, 'inline');
    }
  }
  const parseText = raw ? (raw as Buffer).toString('utf16le') : text;

  const { ranges, guard, problems } = conditionalRanges(conds, directiveKinds, n);
  return { parseText, includes, defines, spdx, condRanges: ranges, guard, problems };

  // ------------------------------------------------------------------------------------

  /** Blank an identifier glued to the string literal [s, e): before it or after it. */
  function glueAroundString(s: number, e: number): void {
    // before: IDENT "..."
    const p = prevNonSpace(text, s);
    if (p >= 0 && p >= lastDirectiveEnd && isIdentChar(text.charCodeAt(p))) {
      let q = p;
      while (q > 0 && isIdentChar(text.charCodeAt(q - 1))) q--;
      const name = text.slice(q, p + 1);
      if (isIdentStart(text.charCodeAt(q)) && !C_KEYWORDS.has(name) && !(p === s - 1 && ENCODING_PREFIXES.has(name))) {
        edit(q, p + 1);
      }
    }
    // after: "..." IDENT followed by a string, `)`, `,`, `;` or `}`
    const j = skipWs(text, e);
    if (j < n && isIdentStart(text.charCodeAt(j))) {
      let k = j + 1;
      while (k < n && isIdentChar(text.charCodeAt(k))) k++;
      const name = text.slice(j, k);
      if (C_KEYWORDS.has(name)) return;
      const after = skipWs(text, k);
      const ac = text.charCodeAt(after);
      if (ac === 34 || ac === 41 || ac === 44 || ac === 59 || ac === 125) edit(j, k);
    }
  }

  /**
   * A blanked directive between two designated initialisers, the first without its comma
   * (`.a = x` / `#else` / `.a = y`): the directive's place takes the comma, or the parser reads
   * `x .a = y` as an assignment.
   */
  function needsComma(hash: number, end: number): boolean {
    let p = prevNonSpace(text, hash);
    if (p > 0 && text.charCodeAt(p) === 47 && text.charCodeAt(p - 1) === 42) {
      const open = text.lastIndexOf('/*', p - 1);
      if (open !== -1) p = prevNonSpace(text, open);
    }
    if (p < 0) return false;
    const pc = text.charCodeAt(p);
    if (!(isIdentChar(pc) || pc === 41 || pc === 93)) return false;
    // next: skip blanks and further directive lines
    let j = end;
    for (;;) {
      j = skipWs(text, j);
      if (text.charCodeAt(j) !== 35) break;
      const nl = text.indexOf('\n', j);
      if (nl === -1) return false;
      j = nl + 1;
    }
    return /^(?:\.[A-Za-z_]\w*|\[[^\]\n]*\])\s*=/.test(text.slice(j, j + 80));
  }

  /** Is the `(` at `open` the start of a macro/function argument list (after a non-keyword name)? */
  function argListOpen(open: number): boolean {
    const p = prevNonSpace(text, open);
    if (p < 0 || !isIdentChar(text.charCodeAt(p))) return false;
    let q = p;
    while (q > 0 && isIdentChar(text.charCodeAt(q - 1))) q--;
    return isIdentStart(text.charCodeAt(q)) && !C_KEYWORDS.has(text.slice(q, p + 1));
  }

  /**
   * At `(` or `,` followed by a type keyword: if the argument is only a type (`unsigned int`,
   * `struct foo *`, `const char *`) and ends at `,` or `)`, replace it by the identifier `_`.
   */
  function typeArgForward(at: number): void {
    if (text.charCodeAt(at) === 40 && !argListOpen(at)) return;
    const start = skipWs(text, at + 1);
    let i = start;
    let words = 0;
    let onlyVoid = true;
    for (;;) {
      i = skipWs(text, i);
      const ch = text.charCodeAt(i);
      if (ch === 42) {
        i++;
        onlyVoid = false;
        continue;
      }
      if (ch === 44 || ch === 41) break;
      if (!isIdentStart(ch)) return;
      let j = i + 1;
      while (j < n && isIdentChar(text.charCodeAt(j))) j++;
      const w = text.slice(i, j);
      if (TAG_WORDS.has(w)) {
        const k = skipWs(text, j);
        if (!isIdentStart(text.charCodeAt(k))) return;
        let e = k + 1;
        while (e < n && isIdentChar(text.charCodeAt(e))) e++;
        i = e;
      } else if (TYPE_WORDS.has(w) || ANNOTATIONS_BARE.has(w)) {
        i = j;
      } else return;
      if (w !== 'void') onlyVoid = false;
      words++;
    }
    if (words === 0 || onlyVoid) return;
    let end = i;
    while (end > start && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9 || text.charCodeAt(end - 1) === 10 || text.charCodeAt(end - 1) === 13)) end--;
    edit(start, end, '_');
    re.lastIndex = Math.max(re.lastIndex, i);
  }

  /** At `*` followed by `,` or `)`: `foo_t *` / `const foo_t __user *` as a whole argument. */
  function typeArgBackward(star: number): void {
    let i = star;
    while (i > 0 && text.charCodeAt(i - 1) === 42) i--;
    let words = 0;
    let start = i;
    for (;;) {
      const p = prevNonSpace(text, i);
      if (p < 0) return;
      const ch = text.charCodeAt(p);
      if (ch === 40 || ch === 44) {
        if (ch === 40 && !argListOpen(p)) return;
        break;
      }
      if (!isIdentChar(ch)) return;
      let q = p;
      while (q > 0 && isIdentChar(text.charCodeAt(q - 1))) q--;
      if (!isIdentStart(text.charCodeAt(q))) return;
      words++;
      start = q;
      i = q;
    }
    if (words === 0 || start < lastDirectiveEnd) return;
    let end = star + 1;
    while (text.charCodeAt(end) === 42) end++;
    edit(start, end, '_');
  }

  function directive(hash: number, end: number): string | undefined {
    const raw = directiveText(text, hash, end);
    const km = /^#\s*([A-Za-z_]\w*)/.exec(raw);
    if (!km) {
      directiveKinds.push({ kind: '' });
      return undefined;
    }
    const kind = km[1];
    const rest = raw.slice(km[0].length);
    switch (kind) {
      case 'include':
      case 'include_next':
      case 'import': {
        const im = /^\s*(?:<([^>\n]*)>|"([^"\n]*)")/.exec(rest);
        if (im) {
          const system = im[1] !== undefined;
          const target = (system ? im[1] : im[2]).trim();
          const at = text.indexOf(system ? '<' : '"', hash);
          includes.push({ target, system, offset: hash, targetOffset: at === -1 || at > end ? hash : at });
        }
        directiveKinds.push({ kind });
        return;
      }
      case 'define': {
        const dm = /^\s+([A-Za-z_$][\w$]*)(\()?/.exec(rest);
        if (!dm) {
          directiveKinds.push({ kind });
          return;
        }
        const name = dm[1];
        let params: string[] | undefined;
        let bodyStart = dm[0].length;
        if (dm[2]) {
          const close = rest.indexOf(')', bodyStart);
          const plist = close === -1 ? rest.slice(bodyStart) : rest.slice(bodyStart, close);
          params = plist.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
          bodyStart = close === -1 ? rest.length : close + 1;
        }
        const body = rest.slice(bodyStart).trim();
        const nameOffset = text.indexOf(name, hash);
        defines.push({ name, params, body, offset: hash, nameOffset: nameOffset === -1 ? hash : nameOffset });
        directiveKinds.push({ kind, name });
        return;
      }
      case 'if':
      case 'ifdef':
      case 'ifndef':
      case 'elif':
      case 'elifdef':
      case 'elifndef':
      case 'else':
      case 'endif': {
        const arg = rest.trim();
        conds.push({ kind, arg, offset: hash, end });
        let name: string | undefined;
        if (kind === 'ifndef') name = /^([A-Za-z_]\w*)/.exec(arg)?.[1];
        else if (kind === 'if') name = /^!\s*defined\s*(?:\(\s*([A-Za-z_]\w*)\s*\)|([A-Za-z_]\w*))\s*$/.exec(arg)?.slice(1).find(Boolean);
        directiveKinds.push({ kind: name && (kind === 'if' || kind === 'ifndef') ? 'guard-candidate' : kind, name });
        return kind;
      }
      default:
        directiveKinds.push({ kind });
    }
    return kind;
  }
}

/** End (exclusive, at the newline) of the logical directive line starting at `hash`. */
function directiveEnd(text: string, hash: number): number {
  const n = text.length;
  // fast path: a one-line directive without comments or literals
  const nl = text.indexOf('\n', hash);
  const lineEnd = nl === -1 ? n : nl;
  if (plainLine(text, hash, lineEnd)) return lineEnd;
  let i = hash + 1;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      if (text.charCodeAt(i - 1) === 92 || (text.charCodeAt(i - 1) === 13 && text.charCodeAt(i - 2) === 92)) {
        i++;
        continue;
      }
      return i;
    }
    if (c === 47) {
      const n2 = text.charCodeAt(i + 1);
      if (n2 === 42) {
        const close = text.indexOf('*/', i + 2);
        i = close === -1 ? n : close + 2;
        continue;
      }
      if (n2 === 47) {
        i = skipComment(text, i);
        continue;
      }
    }
    if (c === 34 || c === 39) {
      i = skipQuoted(text, i);
      continue;
    }
    i++;
  }
  return n;
}

/** A directive's text with continuations joined and comments replaced by a space. */
/** text[start, end) has no `/`, quote or backslash: no comment, literal or continuation in it. */
function plainLine(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 47 || c === 34 || c === 39 || c === 92) return false;
  }
  return true;
}

function directiveText(text: string, start: number, end: number): string {
  if (plainLine(text, start, end)) return text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
  let out = '';
  let i = start;
  let segStart = start;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 92 && (text.charCodeAt(i + 1) === 10 || (text.charCodeAt(i + 1) === 13 && text.charCodeAt(i + 2) === 10))) {
      out += text.slice(segStart, i);
      i += text.charCodeAt(i + 1) === 13 ? 3 : 2;
      segStart = i;
      continue;
    }
    if (c === 47 && (text.charCodeAt(i + 1) === 42 || text.charCodeAt(i + 1) === 47)) {
      out += text.slice(segStart, i) + ' ';
      i = skipComment(text, i, end);
      segStart = i;
      continue;
    }
    if (c === 34 || c === 39) {
      i = skipQuoted(text, i, end);
      continue;
    }
    i++;
  }
  out += text.slice(segStart, end);
  return out.replace(/\r/g, '');
}

function collectSpdx(text: string, start: number, end: number, tags: number[], out: RawSpdx[]): void {
  // tags are sorted: start at the first one at or after `start` (a scan of all of them per
  // comment is quadratic on a file of many tagged comments)
  let lo = 0;
  let hi = tags.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tags[mid] < start) lo = mid + 1;
    else hi = mid;
  }
  for (let k = lo; k < tags.length && tags[k] < end; k++) {
    const at = tags[k];
    let i = at + SPDX_TAG.length;
    while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
    if (text.charCodeAt(i) !== 58 /* : */) continue;
    let lineEnd = text.indexOf('\n', i);
    if (lineEnd === -1 || lineEnd > end) lineEnd = end;
    let expr = text.slice(i + 1, lineEnd);
    const close = expr.indexOf('*/');
    if (close !== -1) expr = expr.slice(0, close);
    out.push({ expression: expr.trim(), offset: at });
  }
}

function conditionalRanges(
  conds: CondDirective[],
  directives: { kind: string; name?: string }[],
  length: number,
): { ranges: number[]; guard?: string; problems: { offset: number; message: string }[] } {
  const problems: { offset: number; message: string }[] = [];
  // find the partner #endif of each opening directive
  const stack: number[] = [];
  const partner = new Map<number, number>();
  for (let k = 0; k < conds.length; k++) {
    const d = conds[k];
    if (d.kind === 'if' || d.kind === 'ifdef' || d.kind === 'ifndef') stack.push(k);
    else if (d.kind === 'endif') {
      const open = stack.pop();
      if (open === undefined) problems.push({ offset: d.offset, message: '#endif without #if' });
      else partner.set(open, k);
    } else if (stack.length === 0) {
      problems.push({ offset: d.offset, message: `#${d.kind} without #if` });
    }
  }
  for (const k of stack) problems.push({ offset: conds[k].offset, message: `#${conds[k].kind} without #endif` });

  // include guard: first directive `#ifndef X`/`#if !defined(X)`, second `#define X`, and the
  // first one's #endif is the very last directive
  let guard: string | undefined;
  let guardIndex = -1;
  if (
    directives.length >= 3 &&
    directives[0].kind === 'guard-candidate' &&
    directives[1].kind === 'define' &&
    directives[1].name === directives[0].name &&
    directives[directives.length - 1].kind === 'endif' &&
    partner.get(0) === conds.length - 1
  ) {
    guard = directives[0].name;
    guardIndex = 0;
  }

  const ranges: number[] = [];
  let depth = 0;
  const base = guard ? 1 : 0;
  let rangeStart = -1;
  for (let k = 0; k < conds.length; k++) {
    const d = conds[k];
    if (d.kind === 'if' || d.kind === 'ifdef' || d.kind === 'ifndef') {
      if (k === guardIndex) {
        depth++;
        continue;
      }
      if (depth === base) rangeStart = d.offset;
      depth++;
    } else if (d.kind === 'endif') {
      if (depth === 0) continue;
      depth--;
      if (depth === base && rangeStart !== -1) {
        ranges.push(rangeStart, d.end);
        rangeStart = -1;
      }
    }
  }
  if (rangeStart !== -1) ranges.push(rangeStart, length);
  return { ranges, guard, problems };
}

/** Is `offset` inside one of the flattened [start, end) ranges? */
export function inRanges(ranges: number[], offset: number): boolean {
  let lo = 0;
  let hi = (ranges.length >> 1) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = ranges[2 * mid];
    const e = ranges[2 * mid + 1];
    if (offset < s) hi = mid - 1;
    else if (offset >= e) lo = mid + 1;
    else return true;
  }
  return false;
}
