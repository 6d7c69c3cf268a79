/**
 * Small lexical helpers over C text: positions, balanced parentheses, macro arguments, and a
 * call-like token scanner. All offsets are JavaScript string indices (UTF-16 code units), the
 * same unit the tree-sitter node bindings use for `startIndex` and columns.
 */
import { isNotCall } from './keywords';

const CH_NL = 10;
const CH_SLASH = 47;
const CH_STAR = 42;
const CH_DQUOTE = 34;
const CH_SQUOTE = 39;
const CH_BACKSLASH = 92;
const CH_LPAREN = 40;
const CH_RPAREN = 41;

/** Offsets at which each line starts (line 1 at index 0). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  let i = text.indexOf('\n');
  while (i !== -1) {
    starts.push(i + 1);
    i = text.indexOf('\n', i + 1);
  }
  return starts;
}

/** 1-based line of an offset. */
export function lineOf(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/** 1-based line and column of an offset. */
export function positionOf(starts: number[], offset: number): { line: number; column: number } {
  const line = lineOf(starts, offset);
  return { line, column: offset - starts[line - 1] + 1 };
}

export function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36;
}

export function isIdentChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;
}

/** Skip a string or char literal starting at `i` (the quote); returns the index after it. */
export function skipQuoted(text: string, i: number, end = text.length): number {
  const quote = text.charCodeAt(i);
  i++;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === CH_BACKSLASH) i += 2;
    else if (c === quote) return i + 1;
    else if (c === CH_NL) return i; // unterminated: stop at end of line
    else i++;
  }
  return end;
}

/** If a comment starts at `i`, returns the index after it, else `i`. */
export function skipComment(text: string, i: number, end = text.length): number {
  if (text.charCodeAt(i) !== CH_SLASH) return i;
  const n = text.charCodeAt(i + 1);
  if (n === CH_STAR) {
    const close = text.indexOf('*/', i + 2);
    return close === -1 || close + 2 > end ? end : close + 2;
  }
  if (n === CH_SLASH) {
    let j = i + 2;
    for (;;) {
      const nl = text.indexOf('\n', j);
      if (nl === -1 || nl >= end) return end;
      // a backslash-newline continues a line comment
      if (text.charCodeAt(nl - 1) === CH_BACKSLASH || (text.charCodeAt(nl - 1) === 13 && text.charCodeAt(nl - 2) === CH_BACKSLASH)) {
        j = nl + 1;
        continue;
      }
      return nl;
    }
  }
  return i;
}

/** Skip whitespace, comments and backslash-newlines. */
export function skipWs(text: string, i: number, end = text.length): number {
  while (i < end) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) i++;
    else if (c === CH_BACKSLASH && (text.charCodeAt(i + 1) === CH_NL || text.charCodeAt(i + 1) === 13)) i += 2;
    else if (c === CH_SLASH) {
      const j = skipComment(text, i, end);
      if (j === i) return i;
      i = j;
    } else return i;
  }
  return i;
}

/** Last index < i that is not whitespace (comments are not skipped backwards); -1 if none. */
export function prevNonSpace(text: string, i: number, floor = 0): number {
  i--;
  while (i >= floor && isSpace(text.charCodeAt(i))) i--;
  return i >= floor ? i : -1;
}

export interface MacroArg {
  text: string;
  start: number;
  end: number;
}

// ------------------------------------------------------------------------------------------
// Work budget of the bracket searches
// ------------------------------------------------------------------------------------------

/**
 * Characters the bracket searches (splitArgs, matchParen, matchBrace) may still scan for the
 * file being analysed. Each search is bounded, but hostile text (`f(f(f(...` unclosed, 100,000
 * deep) makes every one of many searches run to its bound; the budget caps the sum. When it is
 * spent, searches answer "no match" and the analyser says so in a warning. Infinite unless
 * analyzeC sets it; one file at a time per thread.
 */
let budget = Infinity;
let exhausted = false;

export function setScanBudget(chars: number): void {
  budget = chars;
  exhausted = false;
}

/** Characters the searches may still scan. */
export function scanBudgetLeft(): number {
  return budget;
}

/** Whether a search was refused since setScanBudget. */
export function scanBudgetExhausted(): boolean {
  return exhausted;
}

/**
 * The arguments of a macro invocation whose `(` is at `open`: split at top-level commas, nested
 * brackets and literals respected. Returns null when the parentheses do not close before `limit`.
 */
export function splitArgs(text: string, open: number, limit = text.length): { args: MacroArg[]; close: number } | null {
  if (budget <= 0) {
    exhausted = true;
    return null;
  }
  const r = splitArgsUnbounded(text, open, limit);
  budget -= (r ? r.close : limit) - open;
  return r;
}

function splitArgsUnbounded(text: string, open: number, limit: number): { args: MacroArg[]; close: number } | null {
  const args: MacroArg[] = [];
  let depth = 0;
  let argStart = open + 1;
  let i = open + 1;
  while (i < limit) {
    const c = text.charCodeAt(i);
    if (c === CH_DQUOTE || c === CH_SQUOTE) {
      i = skipQuoted(text, i, limit);
      continue;
    }
    if (c === CH_SLASH) {
      const j = skipComment(text, i, limit);
      if (j !== i) {
        i = j;
        continue;
      }
    }
    if (c === CH_LPAREN || c === 91 /* [ */ || c === 123 /* { */) depth++;
    else if (c === CH_RPAREN || c === 93 || c === 125) {
      if (depth === 0) {
        if (c !== CH_RPAREN) return null;
        pushArg(text, args, argStart, i);
        return { args, close: i };
      }
      depth--;
    } else if (c === 44 /* , */ && depth === 0) {
      pushArg(text, args, argStart, i);
      argStart = i + 1;
    }
    i++;
  }
  return null;
}

function pushArg(text: string, args: MacroArg[], start: number, end: number): void {
  let s = start;
  let e = end;
  while (s < e && isSpace(text.charCodeAt(s))) s++;
  while (e > s && isSpace(text.charCodeAt(e - 1))) e--;
  if (s === e && args.length === 0 && text.charCodeAt(end) === CH_RPAREN) {
    // `f()` has no argument at all, not one empty argument
    if (text.slice(start, end).trim() === '') return;
  }
  args.push({ text: text.slice(s, e), start: s, end: e });
}

/** Index of the `)` matching the `(` at `open`, or -1. */
export function matchParen(text: string, open: number, limit = text.length): number {
  const r = splitArgs(text, open, limit);
  return r ? r.close : -1;
}

/** Index of the `}` matching the `{` at `open`, or -1 (literals and comments skipped). */
export function matchBrace(text: string, open: number, limit = text.length): number {
  if (budget <= 0) {
    exhausted = true;
    return -1;
  }
  const r = matchBraceUnbounded(text, open, limit);
  budget -= (r === -1 ? limit : r) - open;
  return r;
}

function matchBraceUnbounded(text: string, open: number, limit: number): number {
  let depth = 0;
  let i = open;
  while (i < limit) {
    const c = text.charCodeAt(i);
    if (c === CH_DQUOTE || c === CH_SQUOTE) {
      i = skipQuoted(text, i, limit);
      continue;
    }
    if (c === CH_SLASH) {
      const j = skipComment(text, i, limit);
      if (j !== i) {
        i = j;
        continue;
      }
    }
    if (c === 123) depth++;
    else if (c === 125) {
      depth--;
      if (depth === 0) return i;
    }
    i++;
  }
  return -1;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', '"': '"', "'": "'" };

/**
 * The value of an argument made only of string literals (adjacent ones concatenated), e.g.
 * `"GPL"` or `"Dual BSD" "/GPL"`. Undefined when the argument is anything else.
 */
export function stringValue(arg: string): string | undefined {
  let i = 0;
  let out = '';
  let any = false;
  const n = arg.length;
  while (i < n) {
    i = skipWs(arg, i);
    if (i >= n) break;
    let c = arg.charCodeAt(i);
    // encoding prefixes: L"", u"", U"", u8""
    if (c === 76 || c === 85 || c === 117) {
      const m = /^(?:u8|[LuU])"/.exec(arg.slice(i, i + 3));
      if (m) {
        i += m[0].length - 1;
        c = CH_DQUOTE;
      }
    }
    if (c !== CH_DQUOTE) return undefined;
    i++;
    while (i < n && arg.charCodeAt(i) !== CH_DQUOTE) {
      if (arg.charCodeAt(i) === CH_BACKSLASH && i + 1 < n) {
        const e = arg[i + 1];
        out += ESCAPES[e] ?? e;
        i += 2;
      } else {
        out += arg[i];
        i++;
      }
    }
    i++;
    any = true;
  }
  return any ? out : undefined;
}

/** An identifier argument (`foo`), else undefined. */
export function identValue(arg: string): string | undefined {
  return /^[A-Za-z_$][\w$]*$/.test(arg) ? arg : undefined;
}

/**
 * Lexically find call-like tokens `name (` in text[start, end): comments, literals, member calls
 * (`a.f(`, `a->f(`), token-pasted names (`x##f(`, `f##x(`), stringified ones (`#f`), keywords and
 * the non-call list are skipped. `cb` gets the name, its offset and the offset of the `(`.
 */
export function scanCallTokens(
  text: string,
  start: number,
  end: number,
  cb: (name: string, offset: number, open: number) => void,
): void {
  let i = start;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === CH_DQUOTE || c === CH_SQUOTE) {
      i = skipQuoted(text, i, end);
      continue;
    }
    if (c === CH_SLASH) {
      const j = skipComment(text, i, end);
      if (j !== i) {
        i = j;
        continue;
      }
      i++;
      continue;
    }
    if (isIdentStart(c)) {
      const s = i;
      i++;
      while (i < end && isIdentChar(text.charCodeAt(i))) i++;
      const e = i;
      // a number suffix like 10UL is consumed by the digit branch below, so s is a real start
      let j = e;
      while (j < end && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9)) j++;
      if (text.charCodeAt(j) !== CH_LPAREN) continue;
      if (text.charCodeAt(e) === 35 /* # */) continue; // f##x(
      const p = prevNonSpace(text, s, start);
      if (p >= 0) {
        const pc = text.charCodeAt(p);
        if (pc === 46 /* . */) continue;
        if (pc === 62 /* > */ && text.charCodeAt(p - 1) === 45 /* - */) continue;
        if (pc === 35 /* # */) continue; // #f or x##f
      }
      const name = text.slice(s, e);
      if (isNotCall(name)) continue;
      cb(name, s, j);
      continue;
    }
    if (c >= 48 && c <= 57) {
      i++;
      while (i < end && (isIdentChar(text.charCodeAt(i)) || text.charCodeAt(i) === 46)) i++;
      continue;
    }
    i++;
  }
}
