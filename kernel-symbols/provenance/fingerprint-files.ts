/**
 * The per-file step of building an index: read each file, tokenise, winnow, keep the first
 * occurrence of each hash, read the notices. Pure apart from reading the files; runs in a
 * worker thread (build.ts) or in the calling thread.
 */
import * as fs from 'fs';
import * as path from 'path';
import { extractNotices, FingerprintBuffer, TokenBuffer, tokenize, winnow, type Notices, type WinnowParams } from '../../analyzers/provenance';

export interface BatchResult {
  /** Per file, in the order given: normalised tokens, notices, or the read error. */
  files: { tokens: number; bytes: number; notices: Notices; error?: string }[];
  /** Fingerprints selected before de-duplication (all files of the batch). */
  selected: number;
  perFile: Uint32Array;
  hashes: Uint32Array;
  lines: Uint32Array;
  spans: Uint8Array;
}

/** Occurrences of one hash kept per file: enough for a function that exists twice in a file
 *  (the copy may come from either), not for the thousand rows of a register table. */
export const MAX_PER_FILE = 4;

let tokenBuffer: TokenBuffer | undefined;
let fpBuffer: FingerprintBuffer | undefined;

export function fingerprintFiles(root: string, paths: readonly string[], params: WinnowParams, noticeHeadBytes: number): BatchResult {
  tokenBuffer ??= new TokenBuffer(1 << 18);
  fpBuffer ??= new FingerprintBuffer();
  const files: BatchResult['files'] = [];
  const perFile = new Uint32Array(paths.length);
  let cap = 1 << 14;
  let hashes = new Uint32Array(cap);
  let lines = new Uint32Array(cap);
  let spans = new Uint8Array(cap);
  let n = 0;
  let selected = 0;
  const seen = new Map<number, number>();
  paths.forEach((rel, fi) => {
    let data: Buffer;
    try {
      data = fs.readFileSync(path.join(root, rel));
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      files.push({ tokens: 0, bytes: 0, notices: { copyright: [], authors: [] }, error: err.code ?? err.message });
      return;
    }
    const ts = tokenize(data, tokenBuffer);
    const fp = winnow(ts, params, fpBuffer);
    selected += fp.length;
    if (n + fp.length > cap) {
      while (n + fp.length > cap) cap *= 2;
      const h = new Uint32Array(cap);
      h.set(hashes.subarray(0, n));
      hashes = h;
      const l = new Uint32Array(cap);
      l.set(lines.subarray(0, n));
      lines = l;
      const s = new Uint8Array(cap);
      s.set(spans.subarray(0, n));
      spans = s;
    }
    seen.clear();
    const start = n;
    for (let i = 0; i < fp.length; i++) {
      const h = fp.hashes[i];
      const times = seen.get(h) ?? 0;
      if (times >= MAX_PER_FILE) continue;
      seen.set(h, times + 1);
      const pos = fp.positions[i];
      const first = ts.lines[pos];
      hashes[n] = h;
      lines[n] = first;
      spans[n] = Math.min(255, ts.lines[pos + params.k - 1] - first);
      n++;
    }
    perFile[fi] = n - start;
    files.push({
      tokens: ts.length,
      bytes: data.length,
      notices: extractNotices(data, { headBytes: noticeHeadBytes, moduleAuthorAt: ts.moduleAuthorAt }),
    });
  });
  return { files, selected, perFile, hashes: hashes.slice(0, n), lines: lines.slice(0, n), spans: spans.slice(0, n) };
}
