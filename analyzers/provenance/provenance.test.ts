import { copyrightHolder, extractNotices, isCopyrightLine, keepsCopyright } from './notices';
import { T_CHAR, T_DEFINE, T_IDENT, T_NUMBER, T_STRING, TokenBuffer, tokenize, tokenName, type TokenStream } from './lexer';
import { FingerprintBuffer, guaranteeThreshold, kgramHashes, winnow } from './winnow';

const names = (src: string): string[] => {
  const t = tokenize(Buffer.from(src));
  return Array.from(t.ids.subarray(0, t.length), tokenName);
};
const ids = (src: string): number[] => {
  const t = tokenize(Buffer.from(src));
  return Array.from(t.ids.subarray(0, t.length));
};

describe('lexer', () => {
  test('drops comments and layout; normalises identifiers and literals; keeps keywords and punctuation', () => {
    expect(names('int a = b->c + 0x1f; /* x */ // y\n')).toEqual(['int', 'I', '=', 'I', '->', 'I', '+', 'N', ';']);
    expect(names("if (c == 'x') return \"s\";")).toEqual(['if', '(', 'I', '==', 'C', ')', 'return', 'S', ';']);
    expect(names('a <<= b >>= c ... d ## e')).toEqual(['I', '<<=', 'I', '>>=', 'I', '...', 'I', '##', 'I']);
    expect(names('x = 1.5e+3f + .5 + 0x1p-3;')).toEqual(['I', '=', 'N', '+', 'N', '+', 'N', ';']);
  });

  test('a renamed and re-wrapped copy gives the same stream', () => {
    const a = 'static int add(int x, int y)\n{\n\treturn x + y; /* sum */\n}\n';
    const b = 'static int\nplus(int first,\n     int second) { return first\n + second; }';
    expect(ids(a)).toEqual(ids(b));
    // a different keyword is a different stream
    expect(ids(a)).not.toEqual(ids(a.replace('int y', 'long y')));
  });

  test('adjacent string literals are one token; prefixed literals are literals', () => {
    expect(names('p("ab" "cd"\n "ef");')).toEqual(['I', '(', 'S', ')', ';']);
    expect(names("w = L'x' + u8\"y\" + U\"z\";")).toEqual(['I', '=', 'C', '+', 'S', '+', 'S', ';']);
    expect(names('s = "a\\"b" ;')).toEqual(['I', '=', 'S', ';']);
  });

  test('directives: #define kept with its body, other directives dropped, continuations followed', () => {
    const src = '#include <linux/x.h>\n#if defined(A) && B\n#define MAX(a, b) \\\n  ((a) > (b) ? (a) : (b))\n#endif\nint y;\n';
    expect(names(src)).toEqual(['#define', 'I', '(', 'I', ',', 'I', ')', '(', '(', 'I', ')', '>', '(', 'I', ')', '?', '(', 'I', ')', ':', '(', 'I', ')', ')', 'int', 'I', ';']);
    const t = tokenize(Buffer.from(src));
    expect(t.ids[0]).toBe(T_DEFINE);
    expect(t.lines[0]).toBe(3);
    expect(t.lines[t.length - 1]).toBe(6);
    // a # that does not start a line is punctuation
    expect(names('#define S(x) #x\n')).toEqual(['#define', 'I', '(', 'I', ')', '#', 'I']);
  });

  test('exports, module metadata and kernel annotations are dropped; MODULE_AUTHOR is remembered', () => {
    const src = [
      'static int __init foo_init(void) { return 0; }',
      'EXPORT_SYMBOL_GPL(foo_init);',
      'static inline void __must_hold(&l) f(char __user *p) {}',
      'MODULE_AUTHOR("A. Person <a@example.org>");',
      'MODULE_LICENSE("GPL");',
    ].join('\n');
    expect(names(src)).toEqual([
      'static', 'int', 'I', '(', 'void', ')', '{', 'return', 'N', ';', '}',
      'static', 'void', 'I', '(', 'char', '*', 'I', ')', '{', '}',
    ]);
    const t = tokenize(Buffer.from(src));
    expect(t.moduleAuthorAt).toEqual([src.indexOf('MODULE_AUTHOR')]);
    // a bare mention of such a name is an identifier
    expect(names('p = EXPORT_SYMBOL;')).toEqual(['I', '=', 'I', ';']);
  });

  test('line numbers follow block comments, continuations and CRLF', () => {
    const src = 'a;\r\n/* one\r\n two */ b;\r\nc = \\\r\n d;\n"x\\\ny";\n';
    const t = tokenize(Buffer.from(src));
    expect(Array.from(t.lines.subarray(0, t.length))).toEqual([1, 1, 3, 3, 4, 4, 5, 5, 6, 7]);
  });

  test('identifier spellings are kept as hashes (same name, same hash)', () => {
    const t = tokenize(Buffer.from('foo(bar, foo); 1;'));
    const w = Array.from(t.words.subarray(0, t.length));
    expect(t.ids[0]).toBe(T_IDENT);
    expect(w[0]).not.toBe(0);
    expect(w[0]).toBe(w[4]);
    expect(w[0]).not.toBe(w[2]);
    expect(w[7]).toBe(0);
    expect(t.ids[7]).toBe(T_NUMBER);
  });

  test('any bytes tokenise (unterminated literals and comments, NUL, high bytes)', () => {
    for (const src of ['"abc', "'", '/* open', 'a \u0000 b \u00ff c', '#define', '\\', '']) {
      const t = tokenize(Buffer.from(src, 'latin1'));
      expect(t.length).toBeGreaterThanOrEqual(0);
    }
    expect(names('"abc\nx')).toEqual(['S', 'I']);
    expect(tokenize(Buffer.from("'a'")).ids[0]).toBe(T_CHAR);
    expect(tokenize(Buffer.from('"a"')).ids[0]).toBe(T_STRING);
  });

  test('a reused buffer gives the same result as a fresh one', () => {
    const buf = new TokenBuffer(4);
    const big = 'x = y + z;\n'.repeat(1000);
    const first = Array.from(tokenize(Buffer.from(big), buf).ids.subarray(0, 6000));
    tokenize(Buffer.from('if (a) b;'), buf);
    const again = tokenize(Buffer.from(big), buf);
    expect(again.length).toBe(6000);
    expect(Array.from(again.ids.subarray(0, 6000))).toEqual(first);
  });
});

/** A deterministic stream of random token ids (xorshift). */
function randomStream(n: number, seed: number, alphabet = 60): TokenStream {
  let s = seed | 0 || 1;
  const ids = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    ids[i] = 8 + ((s >>> 0) % alphabet);
  }
  return { ids, lines: new Uint32Array(n).map((_, i) => i + 1), words: new Int32Array(n), length: n, moduleAuthorAt: [] };
}

function splice(a: TokenStream, at: number, part: Uint16Array): TokenStream {
  const ids = new Uint16Array(a.length + part.length);
  ids.set(a.ids.subarray(0, at));
  ids.set(part, at);
  ids.set(a.ids.subarray(at), at + part.length);
  return { ids, lines: new Uint32Array(ids.length).map((_, i) => i + 1), words: new Int32Array(ids.length), length: ids.length, moduleAuthorAt: [] };
}

describe('winnowing', () => {
  const p = { k: 24, w: 24 };

  test('k-gram hashes roll: each equals the hash of its own k tokens computed alone', () => {
    const s = randomStream(200, 7);
    const all = new Uint32Array(200);
    const n = kgramHashes(s, p.k, all);
    expect(n).toBe(200 - p.k + 1);
    for (const i of [0, 1, 50, n - 1]) {
      const one = new Uint32Array(1);
      kgramHashes({ ...s, ids: s.ids.slice(i, i + p.k), length: p.k }, p.k, one);
      expect(one[0]).toBe(all[i]);
    }
  });

  test('selection: increasing positions, each the minimum of its window, density about 2/(w+1)', () => {
    const s = randomStream(20000, 11);
    const fp = winnow(s, p);
    const grams = new Uint32Array(20000);
    const n = kgramHashes(s, p.k, grams);
    for (let i = 1; i < fp.length; i++) expect(fp.positions[i]).toBeGreaterThan(fp.positions[i - 1]);
    // every window of w k-grams contains a selected position holding its minimum
    const selected = new Set(Array.from(fp.positions.subarray(0, fp.length)));
    for (let start = 0; start + p.w <= n; start += 37) {
      let min = Infinity;
      for (let i = start; i < start + p.w; i++) min = Math.min(min, grams[i]);
      let found = false;
      for (let i = start; i < start + p.w; i++) if (selected.has(i) && grams[i] === min) found = true;
      expect(found).toBe(true);
    }
    const density = fp.length / n;
    expect(density).toBeGreaterThan(1.6 / (p.w + 1));
    expect(density).toBeLessThan(2.4 / (p.w + 1));
  });

  test('guarantee: a shared run of t = w + k - 1 tokens always shares a fingerprint', () => {
    const t = guaranteeThreshold(p);
    expect(t).toBe(47);
    for (let trial = 0; trial < 40; trial++) {
      const run = randomStream(t, 1000 + trial).ids;
      const a = splice(randomStream(500, 2000 + trial), 100 + trial, run);
      const b = splice(randomStream(700, 3000 + trial), 400 - trial, run);
      const fa = winnow(a, p, new FingerprintBuffer());
      const fb = winnow(b, p, new FingerprintBuffer());
      const ha = new Set(Array.from(fa.hashes.subarray(0, fa.length)));
      expect(Array.from(fb.hashes.subarray(0, fb.length)).some((h) => ha.has(h))).toBe(true);
    }
  });

  test('noise threshold: runs shorter than k share nothing', () => {
    for (let trial = 0; trial < 40; trial++) {
      const run = randomStream(p.k - 1, 5000 + trial).ids;
      const a = splice(randomStream(400, 6000 + trial), 50, run);
      const b = splice(randomStream(400, 7000 + trial), 300, run);
      const fa = winnow(a, p, new FingerprintBuffer());
      const fb = winnow(b, p, new FingerprintBuffer());
      const ha = new Set(Array.from(fa.hashes.subarray(0, fa.length)));
      expect(Array.from(fb.hashes.subarray(0, fb.length)).some((h) => ha.has(h))).toBe(false);
    }
  });

  test('short streams: fewer than k tokens give none, fewer than a window give one', () => {
    expect(winnow(randomStream(p.k - 1, 3), p).length).toBe(0);
    expect(winnow(randomStream(p.k + 5, 3), p).length).toBe(1);
  });
});

describe('notices', () => {
  const header = Buffer.from(
    [
      '// SPDX-License-Identifier: GPL-2.0-or-later',
      '/*',
      ' * lib/example.c',
      ' *',
      ' * Copyright (C) 2001 Momchil Velikov',
      ' * Portions Copyright (C) 2001 Christoph Hellwig',
      ' * (C) 2015 Example Networks GmbH',
      ' * Copyright IBM Corp. 2008',
      ' *',
      ' * The above copyright notice and this permission notice shall be included',
      ' * Author: Jane Doe <jane@example.org>',
      ' */',
      'int f(int c) { return isdigit(c) ? (c) : 0; }',
      'MODULE_AUTHOR("First Author, " "Second Author");',
    ].join('\n'),
  );

  test('SPDX, copyright and author lines, MODULE_AUTHOR with concatenated strings', () => {
    const t = tokenize(header);
    const n = extractNotices(header, { moduleAuthorAt: t.moduleAuthorAt });
    expect(n.spdx).toBe('GPL-2.0-or-later');
    expect(n.copyright).toEqual([
      'Copyright (C) 2001 Momchil Velikov',
      'Portions Copyright (C) 2001 Christoph Hellwig',
      '(C) 2015 Example Networks GmbH',
      'Copyright IBM Corp. 2008',
    ]);
    expect(n.authors).toEqual(['Author: Jane Doe <jane@example.org>', 'First Author, Second Author']);
  });

  test('SPDX in a block comment; a notice beyond headBytes is not searched', () => {
    const b = Buffer.from('/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */\nint x;\n' + ' '.repeat(100) + '/* Copyright (c) 2020 Late Inc. */\n');
    expect(extractNotices(b).spdx).toBe('(GPL-2.0 OR MIT)');
    expect(extractNotices(b).copyright).toEqual(['Copyright (c) 2020 Late Inc.']);
    expect(extractNotices(b, { headBytes: 60 }).copyright).toEqual([]);
  });

  test('licence boilerplate is not a copyright line', () => {
    expect(isCopyrightLine('The above copyright notice and this permission notice shall be included')).toBe(false);
    expect(isCopyrightLine('THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"')).toBe(false);
    expect(isCopyrightLine('Copyright (c) 2006 Red Hat, Inc., Ingo Molnar')).toBe(true);
    expect(isCopyrightLine('(c) 1999 Someone')).toBe(true);
    expect(isCopyrightLine('x = f(c) + 1999;')).toBe(false);
  });

  test('holders compare without years, signs, e-mail and punctuation', () => {
    expect(copyrightHolder('Copyright (C) 2007-2009 Red Hat, Inc. <x@y.org>. All rights reserved.')).toBe('red hat inc');
    expect(keepsCopyright('Copyright (C) 2013, Intel Corporation', ['Copyright (c) 2013 Intel Corporation'])).toBe(true);
    expect(keepsCopyright('Copyright (C) 2013, Intel Corporation', ['Copyright 2020 Someone Else'])).toBe(false);
    expect(keepsCopyright('Copyright 31 August 2008 James Bottomley', ['Copyright 2008 James Bottomley'])).toBe(true);
    expect(keepsCopyright('Copyright 31 August 2008 James Bottomley', ['Copyright 31 August 2008 James Bottomley'])).toBe(true);
  });
});
