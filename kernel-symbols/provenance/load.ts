/**
 * Loading a provenance index: decode (format.ts), then invert the file-major postings into
 * hash order (a radix sort), so that a hash's postings are one binary search away.
 */
import * as fs from 'fs';
import * as path from 'path';
import { NORMALIZATION_VERSION } from '../../analyzers/provenance';
import { decodeIndex, ProvenanceIndexError, type ProvenanceIndexHeader } from './format';
import { radixOrderU32 } from './radix';

/** What reports say about an index (no file table). */
export interface ProvenanceIndexMeta {
  name: string;
  kernel: string;
  sourceLabel?: string;
  sourceRoot: string;
  only?: string[];
  file: string;
  k: number;
  w: number;
  commonFiles: number;
  counts: ProvenanceIndexHeader['counts'];
}

export interface IndexedFile {
  path: string;
  spdx?: string;
  copyright: string[];
  authors: string[];
  tokens: number;
}

export class ProvenanceIndex {
  readonly meta: ProvenanceIndexMeta;
  /** Posting hashes in ascending order; `order[j]` is the posting (file-major position) of `hashes[j]`. */
  readonly hashes: Uint32Array;
  private readonly order: Uint32Array;
  /** File-major posting columns. */
  private readonly fileByPosting: Uint32Array;
  private readonly lines: Uint32Array;
  private readonly spans: Uint8Array;
  readonly common: Uint32Array;
  private readonly header: ProvenanceIndexHeader;
  private readonly fileCache: (IndexedFile | undefined)[];

  constructor(file: string, gz: Buffer) {
    const d = decodeIndex(file, gz);
    const h = d.header;
    if (h.normalization !== NORMALIZATION_VERSION) {
      throw new ProvenanceIndexError(file, `built with token normalisation ${h.normalization}; this gplcheck uses ${NORMALIZATION_VERSION} (rebuild the index)`);
    }
    this.header = h;
    this.meta = {
      name: h.name,
      kernel: h.kernel,
      ...(h.sourceLabel ? { sourceLabel: h.sourceLabel } : {}),
      sourceRoot: h.sourceRoot,
      ...(h.only ? { only: h.only } : {}),
      file,
      k: h.k,
      w: h.w,
      commonFiles: h.commonFiles,
      counts: h.counts,
    };
    const n = d.hashes.length;
    this.order = radixOrderU32(d.hashes);
    this.hashes = new Uint32Array(n);
    for (let j = 0; j < n; j++) this.hashes[j] = d.hashes[this.order[j]];
    this.fileByPosting = new Uint32Array(n);
    let i = 0;
    for (let f = 0; f < d.perFile.length; f++) {
      this.fileByPosting.fill(f, i, i + d.perFile[f]);
      i += d.perFile[f];
    }
    this.lines = d.lines;
    this.spans = d.spans;
    this.common = d.common;
    this.fileCache = new Array(h.files.length);
  }

  get name(): string {
    return this.meta.name;
  }

  get fileCount(): number {
    return this.header.files.length;
  }

  /** First posting with this hash, or -1; postings of a hash are consecutive. */
  first(hash: number): number {
    let lo = 0;
    let hi = this.hashes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.hashes[mid] < hash) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.hashes.length && this.hashes[lo] === hash ? lo : -1;
  }

  /** File id, first line and line span of the k-gram of sorted posting `j` (see first()). */
  fileOf(j: number): number {
    return this.fileByPosting[this.order[j]];
  }
  lineOf(j: number): number {
    return this.lines[this.order[j]];
  }
  spanOf(j: number): number {
    return this.spans[this.order[j]];
  }

  isCommon(hash: number): boolean {
    const c = this.common;
    let lo = 0;
    let hi = c.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (c[mid] < hash) lo = mid + 1;
      else hi = mid;
    }
    return lo < c.length && c[lo] === hash;
  }

  file(id: number): IndexedFile {
    let f = this.fileCache[id];
    if (!f) {
      const [p, spdx, copyright, authors, tokens] = this.header.files[id];
      const s = this.header.strings;
      f = {
        path: p,
        ...(spdx >= 0 ? { spdx: s[spdx] } : {}),
        copyright: copyright.map((i) => s[i]),
        authors: authors.map((i) => s[i]),
        tokens,
      };
      this.fileCache[id] = f;
    }
    return f;
  }

  /** Id of the file with this tree-relative path, or -1. */
  fileId(relPath: string): number {
    const files = this.header.files;
    let lo = 0;
    let hi = files.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (files[mid][0] < relPath) lo = mid + 1;
      else hi = mid;
    }
    return lo < files.length && files[lo][0] === relPath ? lo : -1;
  }
}

const cache = new Map<string, { mtimeMs: number; size: number; index: ProvenanceIndex }>();

/** Loads (and caches per file) a provenance index. Errors are ProvenanceIndexError naming the file. */
export function loadProvenanceIndex(file: string): ProvenanceIndex {
  const abs = path.resolve(file);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch (e) {
    throw new ProvenanceIndexError(file, `cannot read provenance index (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (st.isDirectory()) throw new ProvenanceIndexError(file, 'is a directory; give an index file built with `gplcheck provenance index`');
  const c = cache.get(abs);
  if (c && c.mtimeMs === st.mtimeMs && c.size === st.size) return c.index;
  const index = new ProvenanceIndex(file, fs.readFileSync(abs));
  cache.set(abs, { mtimeMs: st.mtimeMs, size: st.size, index });
  return index;
}
