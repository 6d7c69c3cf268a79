/**
 * k-gram hashing and winnowing (Schleimer, Wilkerson, Aiken 2003, "Winnowing: local algorithms
 * for document fingerprinting"; the method of the MOSS plagiarism detector).
 *
 * Every run of `k` consecutive tokens (a k-gram) gets a 32-bit hash; of every `w` consecutive
 * k-gram hashes (a window) the smallest is selected (the rightmost one on ties), and each
 * selected hash is recorded once with the position of its k-gram. Two guarantees follow:
 * - a shared run of at least t = w + k - 1 tokens always shares at least one fingerprint;
 * - a shared run shorter than k tokens never does (the noise threshold).
 * The selection is local: it depends only on the window, so the same text selects the same
 * fingerprints whatever surrounds it (apart from the first and last w - 1 k-grams of a run).
 *
 * Hash: each token id maps to a fixed random 32-bit value; the k-gram hash is the polynomial
 * sum over those values modulo 2^32 (updated in O(1) per token), finished with a 32-bit mixer
 * so that the minimum is a fair sample.
 */
import { TOKEN_ID_COUNT, type TokenStream } from './lexer';

export interface WinnowParams {
  /** k-gram length in tokens: the noise threshold. */
  k: number;
  /** Window length in k-grams: with k, the guarantee threshold t = w + k - 1. */
  w: number;
}

/** Parameters the index is built with by default; README explains the choice. */
export const DEFAULT_WINNOW: Readonly<WinnowParams> = { k: 20, w: 20 };

export function guaranteeThreshold(p: WinnowParams): number {
  return p.w + p.k - 1;
}

const TOKEN_RANDOM = new Int32Array(Math.max(TOKEN_ID_COUNT, 256));
{
  // splitmix32, fixed seed: the values are part of the index format
  let s = 0x9e3779b9 | 0;
  for (let i = 0; i < TOKEN_RANDOM.length; i++) {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    TOKEN_RANDOM[i] = z ^ (z >>> 16);
  }
}
const BASE = 0x2f0b3a49 | 1;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Selected fingerprints: `hashes[i]` for the k-gram starting at token `positions[i]`, in order. */
export interface Fingerprints {
  hashes: Uint32Array;
  positions: Uint32Array;
  length: number;
}

/** Reusable buffers for fingerprinting many files in one thread. */
export class FingerprintBuffer implements Fingerprints {
  hashes = new Uint32Array(4096);
  positions = new Uint32Array(4096);
  length = 0;
  /** scratch: all k-gram hashes of the current stream */
  grams = new Uint32Array(4096);
  /** scratch: the winnowing deque (positions) */
  deque = new Int32Array(4096);
  ensure(n: number): void {
    if (this.grams.length < n) {
      let cap = this.grams.length;
      while (cap < n) cap *= 2;
      this.grams = new Uint32Array(cap);
      this.deque = new Int32Array(cap);
      this.hashes = new Uint32Array(cap);
      this.positions = new Uint32Array(cap);
    }
  }
}

/** All k-gram hashes of `ts` into `out[0 .. ts.length - k]`; returns their count. */
export function kgramHashes(ts: TokenStream, k: number, out: Uint32Array): number {
  const n = ts.length - k + 1;
  if (n <= 0) return 0;
  const ids = ts.ids;
  let bk1 = 1; // BASE^(k-1)
  for (let i = 0; i < k - 1; i++) bk1 = Math.imul(bk1, BASE);
  let h = 0;
  for (let i = 0; i < k; i++) h = (Math.imul(h, BASE) + TOKEN_RANDOM[ids[i]]) | 0;
  out[0] = fmix32(h);
  for (let i = 1; i < n; i++) {
    h = (Math.imul((h - Math.imul(TOKEN_RANDOM[ids[i - 1]], bk1)) | 0, BASE) + TOKEN_RANDOM[ids[i + k - 1]]) | 0;
    out[i] = fmix32(h);
  }
  return n;
}

/**
 * Winnow a token stream. A stream shorter than one window but at least k tokens long gives
 * its single smallest k-gram (so short files still have a fingerprint).
 */
export function winnow(ts: TokenStream, p: WinnowParams, buf: FingerprintBuffer = new FingerprintBuffer()): Fingerprints {
  const { k, w } = p;
  buf.length = 0;
  const total = ts.length - k + 1;
  if (total <= 0) return buf;
  buf.ensure(total);
  const grams = buf.grams;
  kgramHashes(ts, k, grams);
  const dq = buf.deque;
  const hashes = buf.hashes;
  const positions = buf.positions;
  let head = 0;
  let tail = 0; // dq[head..tail) holds positions with increasing hash values
  let count = 0;
  let lastPos = -1;
  const firstWindowEnd = Math.min(w, total);
  for (let i = 0; i < total; i++) {
    const g = grams[i];
    // rightmost minimum: drop every earlier entry that is not smaller
    while (tail > head && grams[dq[tail - 1]] >= g) tail--;
    dq[tail++] = i;
    if (dq[head] <= i - w) head++;
    if (i + 1 >= firstWindowEnd) {
      const m = dq[head];
      if (m !== lastPos) {
        hashes[count] = grams[m];
        positions[count] = m;
        count++;
        lastPos = m;
      }
    }
  }
  buf.length = count;
  return buf;
}
