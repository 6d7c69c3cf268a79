/**
 * A fast C lexer for fingerprinting: bytes in, a stream of normalised token ids (with the line
 * of each token) out. No syntax tree, no allocation per token, one pass over the bytes.
 *
 * Normalisation (so that renamed and re-wrapped copies give the same stream):
 * - whitespace, line breaks and comments are dropped;
 * - every identifier becomes one token `IDENT`; every number `NUMBER`; every character
 *   literal `CHAR`; every string literal `STRING` (adjacent string literals are one token, so
 *   a string split over two lines matches the unsplit one);
 * - C keywords and punctuators are kept, each as its own id;
 * - preprocessor lines are dropped, except `#define`, which becomes a `DEFINE` token followed
 *   by the tokens of its name, parameters and body;
 * - kernel annotations that a copy commonly adds or drops (`__init`, `__user`, `notrace`,
 *   `inline`, `__must_hold(x)`, ... the C analyser's own lists) are dropped;
 * - metadata statements are dropped with their arguments: `EXPORT_SYMBOL*(...)`, `MODULE_*(...)`.
 *   A copy that leaves the exports out (or adds its own) still matches as one region.
 *
 * Bytes are read as Latin-1; non-ASCII bytes outside literals and comments become `OTHER`.
 */
import { ANNOTATIONS_ARGS, ANNOTATIONS_BARE, ANNOTATIONS_INLINE } from '../c/keywords';

/** Bump when the normalisation changes: fingerprints of different versions never compare. */
export const NORMALIZATION_VERSION = 1;

export const T_IDENT = 1;
export const T_NUMBER = 2;
export const T_CHAR = 3;
export const T_STRING = 4;
export const T_DEFINE = 5;
export const T_OTHER = 6;

const PUNCTUATORS = [
  '[', ']', '(', ')', '{', '}', '.', '->', '++', '--', '&', '*', '+', '-', '~', '!', '/', '%',
  '<<', '>>', '<', '>', '<=', '>=', '==', '!=', '^', '|', '&&', '||', '?', ':', ';', '...', '=',
  '*=', '/=', '%=', '+=', '-=', '<<=', '>>=', '&=', '^=', '|=', ',', '#', '##', '@', '$', '\\',
];

const KEYWORDS = [
  'auto', 'break', 'case', 'char', 'const', 'continue', 'default', 'do', 'double', 'else', 'enum',
  'extern', 'float', 'for', 'goto', 'if', 'int', 'long', 'register', 'restrict', 'return',
  'short', 'signed', 'sizeof', 'static', 'struct', 'switch', 'typedef', 'union', 'unsigned', 'void',
  'volatile', 'while', '_Alignas', '_Alignof', '_Atomic', '_Bool', '_Complex', '_Generic',
  '_Imaginary', '_Noreturn', '_Static_assert', '_Thread_local', 'typeof', '__typeof', '__typeof__',
  '__restrict', '__restrict__', '__volatile', '__volatile__', '__const', '__const__', '__signed__',
  'asm', '__asm', '__asm__', '__attribute', '__attribute__', '__alignof__',
  '__builtin_expect', '__builtin_constant_p', '__builtin_offsetof', 'offsetof',
];
/** Same meaning, one id: a copy may spell `__asm__` where the origin says `asm`. */
const KEYWORD_ALIASES: Record<string, string> = {
  __typeof: 'typeof', __typeof__: 'typeof', __restrict: 'restrict', __restrict__: 'restrict',
  __volatile: 'volatile', __volatile__: 'volatile', __const: 'const', __const__: 'const',
  __signed__: 'signed', __asm: 'asm', __asm__: 'asm', __attribute: '__attribute__',
};

/** Dropped words (annotations; `inline` in all spellings: copies add and remove it freely). */
const DROP_WORDS = new Set<string>([
  ...ANNOTATIONS_BARE, ...ANNOTATIONS_INLINE, 'inline', '__inline', '__inline__', '__always_inline',
  '__forceinline', '__extension__',
]);
/** Dropped with a balanced `( ... )` after them. */
const DROP_CALLS = new Set<string>(ANNOTATIONS_ARGS);
/** Dropped with a balanced `( ... )` and an optional `;` after them. */
const DROP_STATEMENTS = new Set<string>([
  'EXPORT_SYMBOL', 'EXPORT_SYMBOL_GPL', 'EXPORT_SYMBOL_NS', 'EXPORT_SYMBOL_NS_GPL', 'EXPORT_SYMBOL_GPL_FUTURE',
  'EXPORT_SYMBOL_FOR_MODULES', 'EXPORT_SYMBOL_GPL_FOR_MODULES', 'EXPORT_UNUSED_SYMBOL', 'EXPORT_UNUSED_SYMBOL_GPL',
  'EXPORT_TRACEPOINT_SYMBOL', 'EXPORT_TRACEPOINT_SYMBOL_GPL', 'EXPORT_PER_CPU_SYMBOL', 'EXPORT_PER_CPU_SYMBOL_GPL',
  'EXPORT_STATIC_CALL', 'EXPORT_STATIC_CALL_GPL', 'EXPORT_STATIC_CALL_TRAMP', 'EXPORT_STATIC_CALL_TRAMP_GPL',
  'MODULE_LICENSE', 'MODULE_AUTHOR', 'MODULE_DESCRIPTION', 'MODULE_VERSION', 'MODULE_ALIAS', 'MODULE_IMPORT_NS',
  'MODULE_DEVICE_TABLE', 'MODULE_FIRMWARE', 'MODULE_INFO', 'MODULE_PARM_DESC', 'MODULE_SOFTDEP', 'MODULE_ALIAS_FS',
  'MODULE_ALIAS_CRYPTO', 'MODULE_ALIAS_NETPROTO', 'MODULE_ALIAS_MISCDEV',
]);

/** Number of distinct token ids (ids are below this). */
export const TOKEN_ID_COUNT = 8 + PUNCTUATORS.length + KEYWORDS.length;
const PUNCT_BASE = 8;
const KEYWORD_BASE = PUNCT_BASE + PUNCTUATORS.length;

/** The id of a punctuator (`'{'`, `'->'`, ...). */
export function punctuatorId(p: string): number {
  const i = PUNCTUATORS.indexOf(p);
  if (i < 0) throw new Error(`not a punctuator: ${p}`);
  return PUNCT_BASE + i;
}

/** Printable name of a token id (tests, debugging). */
export function tokenName(id: number): string {
  if (id === T_IDENT) return 'I';
  if (id === T_NUMBER) return 'N';
  if (id === T_CHAR) return 'C';
  if (id === T_STRING) return 'S';
  if (id === T_DEFINE) return '#define';
  if (id === T_OTHER) return '?';
  if (id >= PUNCT_BASE && id < KEYWORD_BASE) return PUNCTUATORS[id - PUNCT_BASE];
  if (id >= KEYWORD_BASE && id < TOKEN_ID_COUNT) return KEYWORDS[id - KEYWORD_BASE];
  return `#${id}`;
}

// ---- word table: FNV-1a of the bytes -> action, checked by byte comparison -----------------

const A_KEYWORD = 1;
const A_DROP = 2;
const A_DROP_CALL = 3;
const A_DROP_STATEMENT = 4;

const WORD_TABLE_BITS = 11;
const WORD_TABLE_SIZE = 1 << WORD_TABLE_BITS;
const wordHash = new Int32Array(WORD_TABLE_SIZE);
const wordAction = new Uint8Array(WORD_TABLE_SIZE);
const wordId = new Uint16Array(WORD_TABLE_SIZE);
const wordBytes: (Uint8Array | undefined)[] = new Array(WORD_TABLE_SIZE);

function fnv(bytes: Uint8Array): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h;
}

function addWord(word: string, action: number, id: number): void {
  const bytes = Buffer.from(word, 'latin1');
  const h = fnv(bytes);
  let slot = h & (WORD_TABLE_SIZE - 1);
  while (wordBytes[slot] !== undefined) {
    if (Buffer.compare(wordBytes[slot]!, bytes) === 0) return; // first definition wins
    slot = (slot + 1) & (WORD_TABLE_SIZE - 1);
  }
  wordBytes[slot] = bytes;
  wordHash[slot] = h;
  wordAction[slot] = action;
  wordId[slot] = id;
}

const keywordIds = new Map<string, number>();
KEYWORDS.forEach((k, i) => keywordIds.set(k, KEYWORD_BASE + i));
for (const k of KEYWORDS) addWord(k, A_KEYWORD, keywordIds.get(KEYWORD_ALIASES[k] ?? k)!);
for (const w of DROP_WORDS) addWord(w, A_DROP, 0);
for (const w of DROP_CALLS) addWord(w, A_DROP_CALL, 0);
for (const w of DROP_STATEMENTS) addWord(w, A_DROP_STATEMENT, 0);

const MODULE_AUTHOR_SLOT = (() => {
  const b = Buffer.from('MODULE_AUTHOR', 'latin1');
  return lookupWord(b, 0, b.length, fnv(b));
})();

/** Slot of the word `buf[start, end)` with FNV hash `h`, or -1. */
function lookupWord(buf: Uint8Array, start: number, end: number, h: number): number {
  let slot = h & (WORD_TABLE_SIZE - 1);
  for (;;) {
    const w = wordBytes[slot];
    if (w === undefined) return -1;
    if (wordHash[slot] === h && w.length === end - start) {
      let same = true;
      for (let i = 0; i < w.length; i++) {
        if (w[i] !== buf[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return slot;
    }
    slot = (slot + 1) & (WORD_TABLE_SIZE - 1);
  }
}

// ---- character classes -------------------------------------------------------------------

const C_IDENT_START = 1;
const C_IDENT = 2;
const C_DIGIT = 4;
const C_SPACE = 8;
const cls = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_]/.test(ch)) cls[c] |= C_IDENT_START | C_IDENT;
  if (/[0-9]/.test(ch)) cls[c] |= C_DIGIT | C_IDENT;
  if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\f' || ch === '\v') cls[c] |= C_SPACE;
}
// `$` is accepted in identifiers by GCC; kernel code does not use it, so it stays punctuation.

/** Punctuator id by its spelling (longest match first). */
const punctId = new Map<string, number>();
PUNCTUATORS.forEach((p, i) => punctId.set(p, PUNCT_BASE + i));
const P1 = new Int16Array(256).fill(-1);
for (const p of PUNCTUATORS) if (p.length === 1) P1[p.charCodeAt(0)] = punctId.get(p)!;

const CH_NL = 10;
const CH_HASH = 35;
const CH_SLASH = 47;
const CH_STAR = 42;
const CH_BSLASH = 92;
const CH_DQUOTE = 34;
const CH_SQUOTE = 39;
const CH_DOT = 46;
const CH_LPAREN = 40;
const CH_RPAREN = 41;
const CH_SEMI = 59;

// ---- output ------------------------------------------------------------------------------

/** A token stream: `ids[i]` and `lines[i]` (1-based line of the token's first byte), `i < length`. */
export interface TokenStream {
  ids: Uint16Array;
  lines: Uint32Array;
  /** For IDENT tokens a 32-bit hash of the spelling (so renamed copies can be told from
   *  verbatim ones); 0 for other tokens. */
  words: Int32Array;
  length: number;
  /** Byte offsets of `MODULE_AUTHOR(` statements (dropped from the stream; notices.ts reads them). */
  moduleAuthorAt: number[];
}

/** Reusable output buffers (one per thread): tokenising many files allocates nothing per file. */
export class TokenBuffer implements TokenStream {
  ids: Uint16Array;
  lines: Uint32Array;
  words: Int32Array;
  length = 0;
  moduleAuthorAt: number[] = [];
  constructor(capacity = 1 << 16) {
    this.ids = new Uint16Array(capacity);
    this.lines = new Uint32Array(capacity);
    this.words = new Int32Array(capacity);
  }
  reserve(n: number): void {
    if (n <= this.ids.length) return;
    let cap = this.ids.length;
    while (cap < n) cap *= 2;
    const ids = new Uint16Array(cap);
    ids.set(this.ids.subarray(0, this.length));
    const lines = new Uint32Array(cap);
    lines.set(this.lines.subarray(0, this.length));
    const words = new Int32Array(cap);
    words.set(this.words.subarray(0, this.length));
    this.ids = ids;
    this.lines = lines;
    this.words = words;
  }
}

/**
 * Tokenise C text. `out` is reused when given (its previous contents are dropped). The stream
 * is as described at the top of this file.
 */
export function tokenize(buf: Uint8Array, out: TokenBuffer = new TokenBuffer(Math.max(256, buf.length >> 2))): TokenStream {
  const n = buf.length;
  // A token needs at least one byte, so n bounds the count.
  out.length = 0;
  out.moduleAuthorAt = [];
  out.reserve(Math.min(n + 1, Math.max(256, n >> 1)));
  let ids = out.ids;
  let lines = out.lines;
  let words = out.words;
  let count = 0;
  let line = 1;
  let i = 0;
  /** True while only whitespace has been seen since the last line break (a `#` starts a directive). */
  let lineStart = true;
  /** The previous token was a string literal (adjacent literals are one token). */
  let lastWasString = false;

  const push = (id: number, ln: number, word = 0): void => {
    if (count === ids.length) {
      out.length = count;
      out.reserve(count * 2);
      ids = out.ids;
      lines = out.lines;
      words = out.words;
    }
    ids[count] = id;
    lines[count] = ln;
    words[count] = word;
    count++;
  };

  // Skips whitespace and comments from `p`; counts lines. Returns the new position.
  // Stops at a line break when `stopAtNewline` (directive ends), leaving `p` on it.
  const skipSpace = (p: number, stopAtNewline: boolean): number => {
    while (p < n) {
      const c = buf[p];
      if (cls[c] & C_SPACE) {
        p++;
      } else if (c === CH_NL) {
        if (stopAtNewline) return p;
        line++;
        lineStart = true;
        p++;
      } else if (c === CH_BSLASH && (buf[p + 1] === CH_NL || (buf[p + 1] === 13 && buf[p + 2] === CH_NL))) {
        p += buf[p + 1] === CH_NL ? 2 : 3;
        line++;
      } else if (c === CH_SLASH && buf[p + 1] === CH_STAR) {
        p += 2;
        while (p < n && !(buf[p] === CH_STAR && buf[p + 1] === CH_SLASH)) {
          if (buf[p] === CH_NL) line++;
          p++;
        }
        p = Math.min(n, p + 2);
      } else if (c === CH_SLASH && buf[p + 1] === CH_SLASH) {
        p += 2;
        while (p < n && buf[p] !== CH_NL) {
          if (buf[p] === CH_BSLASH && buf[p + 1] === CH_NL) {
            line++;
            p++;
          }
          p++;
        }
      } else {
        return p;
      }
    }
    return p;
  };

  // End of a quoted literal starting at p (on the quote); returns the position after it.
  const skipQuoted = (p: number, quote: number): number => {
    p++;
    while (p < n) {
      const c = buf[p];
      if (c === CH_BSLASH) {
        if (buf[p + 1] === CH_NL) line++;
        p += 2;
        continue;
      }
      if (c === quote) return p + 1;
      if (c === CH_NL) return p; // unterminated: stop at the line end
      p++;
    }
    return p;
  };

  // Skips a balanced ( ... ) starting at the first non-space position from p (if any).
  const skipParens = (p: number, stopAtNewline: boolean): number => {
    let q = skipSpace(p, stopAtNewline);
    if (buf[q] !== CH_LPAREN) return p;
    let depth = 0;
    while (q < n) {
      q = skipSpace(q, stopAtNewline);
      if (q >= n) break;
      const c = buf[q];
      if (c === CH_NL) return q;
      if (c === CH_DQUOTE || c === CH_SQUOTE) {
        q = skipQuoted(q, c);
        continue;
      }
      q++;
      if (c === CH_LPAREN) depth++;
      else if (c === CH_RPAREN && --depth === 0) return q;
    }
    return q;
  };

  /** Inside a `#define`: its tokens end at the (unescaped) line end. */
  let directiveEnd = false;
  while (i < n) {
    i = skipSpace(i, directiveEnd);
    if (i >= n) break;
    const c = buf[i];
    if (c === CH_NL) {
      // end of a #define
      directiveEnd = false;
      lastWasString = false;
      continue;
    }
    if (c === CH_HASH && lineStart && !directiveEnd) {
      // a directive: read its name
      let p = skipSpace(i + 1, true);
      const nameStart = p;
      while (p < n && cls[buf[p]] & C_IDENT) p++;
      const isDefine = p - nameStart === 6 && sameBytes(buf, nameStart, DEFINE_BYTES);
      lineStart = false;
      lastWasString = false;
      if (isDefine) {
        push(T_DEFINE, line);
        directiveEnd = true;
        i = p;
        continue;
      }
      // any other directive: skip to the end of the logical line (comments may span lines)
      for (;;) {
        p = skipSpace(p, true);
        if (p >= n || buf[p] === CH_NL) break;
        const d = buf[p];
        if (d === CH_DQUOTE || d === CH_SQUOTE) p = skipQuoted(p, d);
        else p++;
      }
      i = p;
      continue;
    }
    lineStart = false;
    const cc = cls[c];
    if (cc & C_IDENT_START) {
      const start = i;
      let h = 0x811c9dc5 | 0;
      while (i < n && cls[buf[i]] & C_IDENT) {
        h = Math.imul(h ^ buf[i], 0x01000193);
        i++;
      }
      // encoding prefixes of literals: L'x', u"x", U'x', u8"x"
      const q = buf[i];
      if ((q === CH_DQUOTE || q === CH_SQUOTE) && i - start <= 2) {
        const w0 = buf[start];
        if ((i - start === 1 && (w0 === 76 || w0 === 117 || w0 === 85)) || (i - start === 2 && w0 === 117 && buf[start + 1] === 56)) {
          const ln = line;
          i = skipQuoted(i, q);
          if (q === CH_SQUOTE) {
            push(T_CHAR, ln);
            lastWasString = false;
          } else if (!lastWasString) {
            push(T_STRING, ln);
            lastWasString = true;
          }
          continue;
        }
      }
      const slot = i - start <= 32 ? lookupWord(buf, start, i, h) : -1;
      if (slot >= 0) {
        const action = wordAction[slot];
        if (action === A_KEYWORD) {
          push(wordId[slot], line);
          lastWasString = false;
        } else if (action === A_DROP_CALL) {
          i = skipParens(i, directiveEnd);
        } else if (action === A_DROP_STATEMENT) {
          if (slot === MODULE_AUTHOR_SLOT) out.moduleAuthorAt.push(start);
          const after = skipParens(i, directiveEnd);
          if (after !== i) {
            i = after;
            const s = skipSpace(i, directiveEnd);
            if (buf[s] === CH_SEMI) i = s + 1;
          } else {
            push(T_IDENT, line, h | 1); // a bare use of the name: an ordinary identifier
            lastWasString = false;
          }
        }
        // A_DROP: nothing
        continue;
      }
      push(T_IDENT, line, h | 1);
      lastWasString = false;
      continue;
    }
    if (cc & C_DIGIT || (c === CH_DOT && cls[buf[i + 1]] & C_DIGIT)) {
      const ln = line;
      i++;
      while (i < n) {
        const d = buf[i];
        if (cls[d] & C_IDENT || d === CH_DOT) {
          i++;
        } else if ((d === 43 || d === 45) && (buf[i - 1] | 0x20) === 101 /* e */ || (d === 43 || d === 45) && (buf[i - 1] | 0x20) === 112 /* p */) {
          i++;
        } else break;
      }
      push(T_NUMBER, ln);
      lastWasString = false;
      continue;
    }
    if (c === CH_DQUOTE) {
      const ln = line;
      i = skipQuoted(i, c);
      if (!lastWasString) push(T_STRING, ln);
      lastWasString = true;
      continue;
    }
    if (c === CH_SQUOTE) {
      const ln = line;
      i = skipQuoted(i, c);
      push(T_CHAR, ln);
      lastWasString = false;
      continue;
    }
    lastWasString = false;
    // punctuators: longest match of 3, 2, 1 bytes
    const c1 = buf[i + 1];
    const c2 = buf[i + 2];
    let id = -1;
    let len = 1;
    if (c === CH_DOT && c1 === CH_DOT && c2 === CH_DOT) {
      id = punctId.get('...')!;
      len = 3;
    } else if ((c === 60 || c === 62) && c1 === c && c2 === 61) {
      id = punctId.get(c === 60 ? '<<=' : '>>=')!;
      len = 3;
    } else if (c1 !== undefined) {
      const two = PUNCT2[c * 256 + c1];
      if (two > 0) {
        id = two;
        len = 2;
      }
    }
    if (id < 0) id = P1[c] >= 0 ? P1[c] : T_OTHER;
    push(id, line);
    i += len;
  }
  out.length = count;
  return out;
}

const DEFINE_BYTES = Buffer.from('define', 'latin1');
function sameBytes(buf: Uint8Array, at: number, word: Uint8Array): boolean {
  for (let i = 0; i < word.length; i++) if (buf[at + i] !== word[i]) return false;
  return true;
}

const PUNCT2 = new Uint16Array(256 * 256);
for (const p of PUNCTUATORS) if (p.length === 2) PUNCT2[p.charCodeAt(0) * 256 + p.charCodeAt(1)] = punctId.get(p)!;
