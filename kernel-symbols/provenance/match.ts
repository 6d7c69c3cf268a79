/**
 * Matching a scanned C file against provenance indices (README.md in this folder says why):
 *
 * 1. fingerprint it exactly as the index was built (same normalisation, k and w);
 * 2. look every fingerprint up; group the hits by origin file;
 * 3. chain each origin file's hits into regions: in order on both sides, with gaps for edits
 *    (up to 2(k+w) tokens between hits in the scanned file, origin lines moving forward);
 * 4. keep regions with two distinct matching fingerprints, enough evidence (fingerprints found
 *    in few origin files), half of their fingerprints matching and a plausible origin span;
 * 5. where regions of different origins overlap, keep the one with the most matching
 *    fingerprints; origins that match the same region about as well are listed as `alsoIn`;
 * 6. when the origin file is readable (the tree recorded in the index), place the region's
 *    ends in the origin's own tokens, extend them over identical tokens and align the middle,
 *    so that its lines are the copied lines and its share is counted token by token; join
 *    neighbouring regions of one origin;
 * 7. drop regions shorter than `minTokens`, repetitive ones (tables) and ones with too little
 *    code inside function bodies (declarations and initialisers look alike in any C).
 *
 * The result is plain facts (analyzers/facts.ts: ProvenanceFacts) for the file.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { ProvenanceFacts, ProvenanceMatch } from '../../analyzers/facts';
import { extractNotices, FingerprintBuffer, kgramHashes, punctuatorId, TokenBuffer, tokenize, winnow } from '../../analyzers/provenance';
import type { ProvenanceIndex } from './load';

/** Default smallest reported region, in normalised tokens (about 6-10 lines of C). */
export const DEFAULT_MIN_TOKENS = 60;
/** Default smallest share of a region's fingerprints that must match. */
export const DEFAULT_MIN_SHARE = 0.5;

export interface MatchOptions {
  /** Smallest region reported, in normalised tokens (default DEFAULT_MIN_TOKENS). */
  minTokens?: number;
  /** Smallest share of matching fingerprints in a region (default DEFAULT_MIN_SHARE). */
  minShare?: number;
  /** Extend regions to their exact extent by reading the origin files (default true; needs
   *  the indexed tree, silently skipped when it is not there). */
  refine?: boolean;
}

const LBRACE = punctuatorId('{');
const RBRACE = punctuatorId('}');
const RPAREN = punctuatorId(')');
const ASSIGN = punctuatorId('=');
const COMMA = punctuatorId(',');

/** Origin lines may go back this much between consecutive hits (k-gram start lines jitter). */
const BACK_LINES = 3;
/** ... and forward this much (the copy may have left out long comments). */
const FORWARD_LINES = 400;
/**
 * Evidence of a region: the sum over its distinct matching fingerprints of 1 / (number of
 * origin files holding the fingerprint). Two fingerprints found only in the origin file give
 * 2; a run of idioms found in a dozen files each gives far less.
 */
const MIN_EVIDENCE = 2;
/** Distinct k-grams (+ k - 1) must make at least this share of a region's tokens. */
const MIN_CONTENT_SHARE = 0.5;
/** At most this many other origins per region. */
const MAX_ALSO = 5;

interface Candidate {
  index: ProvenanceIndex;
  indexOrder: number;
  file: number;
  firstI: number;
  lastI: number;
  /** origin line of the first and last hit (to find them again in the origin's tokens) */
  firstHitLine: number;
  lastHitLine: number;
  /** ordinals of the distinct matching fingerprints, in order */
  matchedI: number[];
  startPos: number;
  endPos: number; // exclusive
  count: number;
  share: number;
  line: number;
  endLine: number;
  refined: boolean;
  /** when refined: the origin's token range [originStart, originEnd) */
  originStart?: number;
  originEnd?: number;
  /** when aligned: share of identical identifier spellings among matching identifiers */
  sameIdentifiers?: number;
  also: Candidate[];
}

interface Chain {
  firstI: number;
  firstLine: number;
  lastI: number;
  lastPos: number;
  lastLine: number;
  minLine: number;
  maxEnd: number;
  /** distinct matching hashes -> a fingerprint ordinal holding it */
  hashes: Map<number, number>;
}

interface Scanned {
  ids: Uint16Array;
  lines: Uint32Array;
  words: Int32Array;
  length: number;
  /** bodyBefore[i]: tokens inside function bodies among the first i tokens */
  bodyBefore: Uint32Array;
}

interface FileFingerprints {
  hashes: Uint32Array;
  positions: Uint32Array;
  /** every k-gram hash of the file */
  grams: Uint32Array;
}

let tokenBuffer: TokenBuffer | undefined;
let fpBuffer: FingerprintBuffer | undefined;

/** The regions of one file matching one index, with fingerprint bounds. */
function candidatesFor(
  index: ProvenanceIndex,
  indexOrder: number,
  fp: FileFingerprints,
  ts: Scanned,
  k: number,
  w: number,
  minTokens: number,
  minShare: number,
): Candidate[] {
  const { hashes: fpHashes, positions: fpPositions } = fp;
  const n = fpHashes.length;
  const commonBefore = new Uint32Array(n + 1); // prefix sums of common fingerprints
  const hitFile: number[] = [];
  const hitI: number[] = [];
  const hitPosting: number[] = [];
  for (let i = 0; i < n; i++) {
    const h = fpHashes[i];
    let j = index.first(h);
    let common = 0;
    if (j < 0) {
      if (index.isCommon(h)) common = 1;
    } else {
      for (; j < index.hashes.length && index.hashes[j] === h; j++) {
        hitFile.push(index.fileOf(j));
        hitI.push(i);
        hitPosting.push(j);
      }
    }
    commonBefore[i + 1] = commonBefore[i] + common;
  }
  if (hitFile.length === 0) return [];
  // in how many origin files each fingerprint is: a fingerprint found in many files is an
  // idiom, weak evidence of copying from any one of them
  const filesOf = new Uint32Array(n);
  for (let x = 0; x < hitI.length; x++) if (x === 0 || hitI[x - 1] !== hitI[x] || hitFile[x - 1] !== hitFile[x]) filesOf[hitI[x]]++;
  const order = hitFile.map((_, x) => x);
  order.sort((a, b) => hitFile[a] - hitFile[b] || hitI[a] - hitI[b]);
  const maxGap = 2 * (k + w);
  // Before refinement a region is known only by its fingerprints' k-grams; the copied run
  // can reach up to w - 1 tokens further at each end.
  const preMin = Math.max(k + 1, minTokens - (w - 1));
  const out: Candidate[] = [];
  const finish = (file: number, c: Chain): void => {
    const count = c.hashes.size;
    if (count < 2) return;
    let evidence = 0;
    for (const i of c.hashes.values()) evidence += 1 / filesOf[i];
    if (evidence < MIN_EVIDENCE) return;
    const startPos = fpPositions[c.firstI];
    const endPos = fpPositions[c.lastI] + k;
    if (endPos - startPos < preMin) return;
    // distinct non-common scanned fingerprints in the range
    const seen = new Set<number>();
    for (let i = c.firstI; i <= c.lastI; i++) if (commonBefore[i + 1] === commonBefore[i]) seen.add(fpHashes[i]);
    const share = Math.min(1, count / Math.max(1, seen.size));
    if (share < minShare) return;
    // the origin region cannot be much longer than the copy (comments aside)
    const scannedLines = ts.lines[endPos - 1] - ts.lines[startPos] + 1;
    if (c.maxEnd - c.minLine + 1 > 4 * scannedLines + 60) return;
    out.push({
      index,
      indexOrder,
      file,
      firstI: c.firstI,
      lastI: c.lastI,
      firstHitLine: c.firstLine,
      lastHitLine: c.lastLine,
      matchedI: [...c.hashes.values()].sort((a, b) => a - b),
      startPos,
      endPos,
      count,
      share,
      line: c.minLine,
      endLine: c.maxEnd,
      refined: false,
      also: [],
    });
  };
  let g = 0;
  while (g < order.length) {
    const file = hitFile[order[g]];
    let e = g;
    while (e < order.length && hitFile[order[e]] === file) e++;
    const open: Chain[] = [];
    for (let x = g; x < e; x++) {
      const hx = order[x];
      const i = hitI[hx];
      const pos = fpPositions[i];
      const p = hitPosting[hx];
      const line = index.lineOf(p);
      const end = line + index.spanOf(p);
      for (let c = open.length - 1; c >= 0; c--) {
        if (pos - open[c].lastPos > maxGap) {
          finish(file, open[c]);
          open.splice(c, 1);
        }
      }
      let best = -1;
      let bestDist = Infinity;
      for (let c = 0; c < open.length; c++) {
        const ch = open[c];
        if (ch.lastI === i) continue;
        const d = line - ch.lastLine;
        if (d < -BACK_LINES || d > FORWARD_LINES) continue;
        if (Math.abs(d) < bestDist) {
          bestDist = Math.abs(d);
          best = c;
        }
      }
      if (best >= 0) {
        const ch = open[best];
        ch.lastI = i;
        ch.lastPos = pos;
        ch.lastLine = line;
        ch.minLine = Math.min(ch.minLine, line);
        ch.maxEnd = Math.max(ch.maxEnd, end);
        if (!ch.hashes.has(fpHashes[i])) ch.hashes.set(fpHashes[i], i);
      } else {
        open.push({ firstI: i, firstLine: line, lastI: i, lastPos: pos, lastLine: line, minLine: line, maxEnd: end, hashes: new Map([[fpHashes[i], i]]) });
      }
    }
    for (const c of open) finish(file, c);
    g = e;
  }
  return out;
}

function overlap(a: Candidate, b: Candidate): number {
  return Math.max(0, Math.min(a.endPos, b.endPos) - Math.max(a.startPos, b.startPos));
}

/** Chooses, among overlapping regions, the best origin; similar ones become `also`. */
function select(cands: Candidate[]): Candidate[] {
  cands.sort(
    (a, b) =>
      b.count - a.count ||
      b.share - a.share ||
      b.endPos - b.startPos - (a.endPos - a.startPos) ||
      a.indexOrder - b.indexOrder ||
      cmp(a.index.file(a.file).path, b.index.file(b.file).path),
  );
  const accepted: Candidate[] = [];
  for (const c of cands) {
    const len = c.endPos - c.startPos;
    let covered = false;
    for (const a of accepted) {
      const ov = overlap(a, c);
      if (ov === 0) continue;
      if (ov >= 0.5 * len) {
        covered = true;
        const alen = a.endPos - a.startPos;
        if (ov >= 0.8 * alen && c.count >= 0.8 * a.count && a.also.length < MAX_ALSO) a.also.push(c);
        break;
      }
    }
    if (!covered) accepted.push(c);
  }
  return accepted.sort((a, b) => a.startPos - b.startPos);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---- refinement against the origin's own tokens ------------------------------------------

interface OriginTokens {
  ids: Uint16Array;
  lines: Uint32Array;
  words: Int32Array;
  length: number;
  grams: Uint32Array;
}

/** Tokenised origin files, most recently used last (a scan meets the same origins often). */
const originCache = new Map<string, OriginTokens | null>();
const ORIGIN_CACHE_SIZE = 64;

function originTokens(root: string, rel: string, k: number): OriginTokens | null {
  const key = `${k}\0${path.join(root, rel)}`;
  const hit = originCache.get(key);
  if (hit !== undefined) {
    originCache.delete(key);
    originCache.set(key, hit);
    return hit;
  }
  let value: OriginTokens | null = null;
  try {
    const ts = tokenize(fs.readFileSync(path.join(root, rel)));
    const grams = new Uint32Array(Math.max(0, ts.length - k + 1));
    kgramHashes(ts, k, grams);
    value = { ids: ts.ids.slice(0, ts.length), lines: ts.lines.slice(0, ts.length), words: ts.words.slice(0, ts.length), length: ts.length, grams };
  } catch {
    value = null;
  }
  originCache.set(key, value);
  if (originCache.size > ORIGIN_CACHE_SIZE) originCache.delete(originCache.keys().next().value!);
  return value;
}

function sameGram(o: OriginTokens, p: number, ts: Scanned, s: number, k: number): boolean {
  for (let t = 0; t < k; t++) if (o.ids[p + t] !== ts.ids[s + t]) return false;
  return true;
}

/**
 * Where the region's first and last fingerprints are in the origin's tokens. A hash can occur
 * several times in a file (repeated statements, parallel tables); occurrences found once in the
 * origin are anchors, and each end takes the occurrence on the anchors' diagonal (the same
 * offset between scanned and origin positions). Without anchors, the occurrence nearest to the
 * indexed line. Occurrences are checked token by token (no hash collision).
 */
function placeEnds(c: Candidate, fp: FileFingerprints, o: OriginTokens, ts: Scanned, k: number): [number, number] | undefined {
  const need = new Set(c.matchedI.map((i) => fp.hashes[i]));
  const occ = new Map<number, number[]>();
  for (let p = 0; p < o.grams.length; p++) {
    const h = o.grams[p];
    if (!need.has(h)) continue;
    let list = occ.get(h);
    if (!list) occ.set(h, (list = []));
    list.push(p);
  }
  const at = (i: number): number[] => (occ.get(fp.hashes[i]) ?? []).filter((p) => sameGram(o, p, ts, fp.positions[i], k));
  const anchors: number[] = []; // offsets origin - scanned of unique occurrences, in order
  for (const i of c.matchedI) {
    const ps = at(i);
    if (ps.length === 1) anchors.push(ps[0] - fp.positions[i]);
  }
  const place = (i: number, offset: number | undefined, line: number): number => {
    const s = fp.positions[i];
    let best = -1;
    let bestDist = Infinity;
    for (const p of at(i)) {
      const d = offset !== undefined ? Math.abs(p - s - offset) : Math.abs(o.lines[p] - line);
      if (d < bestDist) {
        bestDist = d;
        best = p;
      }
    }
    return best;
  };
  const p0 = place(c.firstI, anchors[0], c.firstHitLine);
  const p1 = place(c.lastI, anchors[anchors.length - 1], c.lastHitLine);
  return p0 < 0 || p1 < 0 ? undefined : [p0, p1];
}

/** Extends a region to the identical token runs around its first and last fingerprints,
 *  then aligns it with the origin token by token (share and identifier spelling). */
function refine(c: Candidate, fp: FileFingerprints, ts: Scanned, k: number): void {
  const root = c.index.meta.sourceRoot;
  const o = originTokens(root, c.index.file(c.file).path, k);
  if (!o || o.length !== c.index.file(c.file).tokens) return; // gone or changed since indexing
  const ends = placeEnds(c, fp, o, ts, k);
  if (!ends) return;
  const [p0, p1] = ends;
  const s0 = fp.positions[c.firstI];
  const s1 = fp.positions[c.lastI];
  if (p0 < 0 || p1 < 0 || p1 < p0) return;
  let s = s0;
  let p = p0;
  while (s > 0 && p > 0 && ts.ids[s - 1] === o.ids[p - 1]) {
    s--;
    p--;
  }
  let se = s1 + k;
  let pe = p1 + k;
  while (se < ts.length && pe < o.length && ts.ids[se] === o.ids[pe]) {
    se++;
    pe++;
  }
  c.startPos = s;
  c.endPos = se;
  c.originStart = p;
  c.originEnd = pe;
  c.refined = true;
  measure(c, o, ts);
}

/** Origin lines, share and identifier spelling of a refined region. */
function measure(c: Candidate, o: OriginTokens, ts: Scanned): void {
  const p = c.originStart!;
  const pe = c.originEnd!;
  c.line = o.lines[p];
  c.endLine = o.lines[pe - 1];
  const a = align(ts, c.startPos, c.endPos, o, p, pe);
  if (a) {
    c.share = a.matched / (c.endPos - c.startPos);
    if (a.idents > 0) c.sameIdentifiers = a.sameWords / a.idents;
  }
}

/**
 * Joins refined regions of the same origin file that touch or overlap in the scanned file and
 * go forward in the origin too: one copy that the chaining cut in two (repeated code in the
 * origin gives several places to chain to).
 */
function joinTouching(cs: Candidate[], ts: Scanned, k: number): Candidate[] {
  const out: Candidate[] = [];
  for (const c of [...cs].sort((a, b) => a.startPos - b.startPos)) {
    const prev = out[out.length - 1];
    if (
      prev &&
      prev.refined &&
      c.refined &&
      prev.index === c.index &&
      prev.file === c.file &&
      c.startPos <= prev.endPos + k &&
      c.originStart! >= prev.originStart! &&
      c.originStart! <= prev.originEnd! + k
    ) {
      const o = originTokens(prev.index.meta.sourceRoot, prev.index.file(prev.file).path, k);
      if (o) {
        prev.endPos = Math.max(prev.endPos, c.endPos);
        prev.originEnd = Math.max(prev.originEnd!, c.originEnd!);
        prev.count += c.count;
        prev.sameIdentifiers = undefined;
        measure(prev, o, ts);
        continue;
      }
    }
    out.push(c);
  }
  return out;
}

/** Largest middle part aligned exactly (cells of the LCS table). */
const MAX_ALIGN_CELLS = 4_000_000;

/**
 * Token alignment of scanned [s, se) with origin [p, pe): identical prefix and suffix, then a
 * longest common subsequence of the middle. Counts matching tokens and, among matching
 * identifiers, those spelled the same. Undefined when the middle is too large to align.
 */
function align(ts: Scanned, s: number, se: number, o: OriginTokens, p: number, pe: number): { matched: number; idents: number; sameWords: number } | undefined {
  let matched = 0;
  let idents = 0;
  let sameWords = 0;
  const pair = (i: number, j: number): void => {
    matched++;
    if (ts.words[i] !== 0) {
      idents++;
      if (ts.words[i] === o.words[j]) sameWords++;
    }
  };
  while (s < se && p < pe && ts.ids[s] === o.ids[p]) pair(s++, p++);
  while (se > s && pe > p && ts.ids[se - 1] === o.ids[pe - 1]) pair(--se, --pe);
  const n = se - s;
  const m = pe - p;
  if (n === 0 || m === 0) return { matched, idents, sameWords };
  if ((n + 1) * (m + 1) > MAX_ALIGN_CELLS) return undefined;
  const w = m + 1;
  const dp = new Uint16Array((n + 1) * w);
  for (let i = 1; i <= n; i++) {
    const a = ts.ids[s + i - 1];
    for (let j = 1; j <= m; j++) {
      dp[i * w + j] = a === o.ids[p + j - 1] ? dp[(i - 1) * w + j - 1] + 1 : Math.max(dp[(i - 1) * w + j], dp[i * w + j - 1]);
    }
  }
  let i = n;
  let j = m;
  while (i > 0 && j > 0) {
    if (ts.ids[s + i - 1] === o.ids[p + j - 1] && dp[i * w + j] === dp[(i - 1) * w + j - 1] + 1) {
      pair(s + i - 1, p + j - 1);
      i--;
      j--;
    } else if (dp[(i - 1) * w + j] >= dp[i * w + j - 1]) i--;
    else j--;
  }
  return { matched, idents, sameWords };
}

/**
 * Which tokens are code: inside function bodies (braces opened at file level right after `)`)
 * and not inside initialisers (`= { ... }`: tables are data). Declarations (prototypes, struct
 * layouts, #define lists) and tables look alike in any C code once identifiers and literals are
 * normalised, so they are not evidence of copying on their own.
 */
function bodyPrefix(ids: Uint16Array, n: number): Uint32Array {
  const out = new Uint32Array(n + 1);
  // brace stack: 1 function body, 2 block inside a body, 3 initialiser (data), 0 other
  const stack: number[] = [];
  let bodies = 0;
  let inits = 0;
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    let count = bodies > 0 && inits === 0;
    if (id === LBRACE) {
      const prev = i > 0 ? ids[i - 1] : -1;
      const top = stack.length ? stack[stack.length - 1] : -1;
      let kind: number;
      if (prev === ASSIGN || (top === 3 && (prev === COMMA || prev === LBRACE))) kind = 3;
      else if (stack.length === 0) kind = prev === RPAREN ? 1 : 0;
      else kind = bodies > 0 ? 2 : 0;
      stack.push(kind);
      if (kind === 1) bodies++;
      if (kind === 3) inits++;
      count = bodies > 0 && inits === 0;
    } else if (id === RBRACE && stack.length) {
      const kind = stack.pop()!;
      if (kind === 1) bodies--;
      if (kind === 3) inits--;
    }
    out[i + 1] = out[i] + (count ? 1 : 0);
  }
  return out;
}

/** Distinct k-grams in [start, end): the region's content, repeats counted once. */
function distinctGrams(grams: Uint32Array, start: number, end: number, k: number): number {
  const seen = new Set<number>();
  for (let i = start; i + k <= end; i++) seen.add(grams[i]);
  return seen.size;
}

/**
 * Fingerprints `data` (a C source or header, shown as `path`) and matches it against every
 * index. Never throws on odd input: any bytes tokenise.
 */
export function matchSource(path: string, data: Buffer, indices: readonly ProvenanceIndex[], options: MatchOptions = {}): ProvenanceFacts {
  const minTokens = Math.max(1, options.minTokens ?? DEFAULT_MIN_TOKENS);
  const minShare = options.minShare ?? DEFAULT_MIN_SHARE;
  tokenBuffer ??= new TokenBuffer(1 << 16);
  fpBuffer ??= new FingerprintBuffer();
  const tsb = tokenize(data, tokenBuffer);
  const ts: Scanned = { ids: tsb.ids, lines: tsb.lines, words: tsb.words, length: tsb.length, bodyBefore: bodyPrefix(tsb.ids, tsb.length) };
  const notices = extractNotices(data, { moduleAuthorAt: tsb.moduleAuthorAt });
  const byParams = new Map<string, FileFingerprints>();
  const fpOf = new Map<ProvenanceIndex, FileFingerprints>();
  const cands: Candidate[] = [];
  indices.forEach((index, order) => {
    const { k, w } = index.meta;
    const key = `${k}/${w}`;
    let fp = byParams.get(key);
    if (!fp) {
      const f = winnow(tsb, { k, w }, fpBuffer);
      fp = {
        hashes: f.hashes.slice(0, f.length),
        positions: f.positions.slice(0, f.length),
        grams: fpBuffer!.grams.slice(0, Math.max(0, ts.length - k + 1)),
      };
      byParams.set(key, fp);
    }
    fpOf.set(index, fp);
    cands.push(...candidatesFor(index, order, fp, ts, k, w, minTokens, minShare));
  });
  let chosen = select(cands);
  if (options.refine !== false) {
    for (const c of chosen) refine(c, fpOf.get(c.index)!, ts, c.index.meta.k);
    chosen = joinTouching(chosen, ts, Math.max(...indices.map((i) => i.meta.k)));
  }
  const matches: ProvenanceMatch[] = [];
  for (const c of chosen) {
    const fp = fpOf.get(c.index)!;
    const k = c.index.meta.k;
    const tokens = c.endPos - c.startPos;
    const need = c.refined ? minTokens : Math.max(k + 1, minTokens - (c.index.meta.w - 1));
    if (tokens < need) continue;
    // repetitive content (tables of `{ N, S },` rows, option lists) counts once per distinct
    // k-gram; a region must be mostly distinct code
    const content = distinctGrams(fp.grams, c.startPos, c.endPos, k) + k - 1;
    if (content < need || content < MIN_CONTENT_SHARE * tokens) continue;
    // code, not declarations: at least half of `need` inside function bodies
    if (ts.bodyBefore[c.endPos] - ts.bodyBefore[c.startPos] < need / 2) continue;
    if (c.share < minShare) continue;
    const f = c.index.file(c.file);
    const m: ProvenanceMatch = {
      location: { path, line: ts.lines[c.startPos], endLine: ts.lines[c.endPos - 1] },
      tokens,
      share: Math.round(c.share * 1000) / 1000,
      fingerprints: c.count,
      ...(c.refined ? { aligned: true } : {}),
      ...(c.sameIdentifiers !== undefined ? { sameIdentifiers: Math.round(c.sameIdentifiers * 1000) / 1000 } : {}),
      origin: {
        index: c.index.name,
        kernel: c.index.meta.kernel,
        path: f.path,
        line: c.line,
        endLine: c.endLine,
        ...(f.spdx !== undefined ? { license: f.spdx } : {}),
        copyright: f.copyright,
        authors: f.authors,
      },
    };
    if (c.also.length > 0) {
      m.alsoIn = c.also.map((a) => ({ index: a.index.name, path: a.index.file(a.file).path, line: a.line, endLine: a.endLine }));
    }
    matches.push(m);
  }
  return {
    indices: indices.map((i) => i.name),
    tokens: ts.length,
    matches,
    copyright: notices.copyright,
    authors: notices.authors,
  };
}
