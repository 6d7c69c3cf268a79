/**
 * The provenance index file (format version 1): what a kernel source tree's fingerprints look
 * like on disk. See README.md in this folder for the reasoning.
 *
 * A gzip stream of:
 *
 *   8 bytes   magic "GPLPROV\0"
 *   u32       format version (1)
 *   u32       byte length L of the header
 *   L bytes   header: UTF-8 JSON, a ProvenanceIndexHeader
 *   padding   zero bytes up to a multiple of 4
 *   u32[F]    fingerprints per file (F = header.counts.files), in file order
 *   u32[P]    fingerprint hashes (P = header.counts.postings), file by file, each file's in
 *             token order
 *   u8[P]     line span of each fingerprint's k-gram (last line - first line, at most 255)
 *   u32[C]    common hashes, sorted (C = header.counts.common): fingerprints found in more
 *             than header.commonFiles files, whose postings are not stored
 *   bytes     first line of each fingerprint as unsigned LEB128 varints: per file, the
 *             first absolute, then differences to the previous (never negative)
 *
 * All integers little-endian. A hash occurs at most header.maxPerFile times in one file (its
 * first occurrences). Files are sorted by path (code-unit order).
 */
import * as zlib from 'zlib';

export const PROVENANCE_FORMAT = 'gplcheck-provenance-index';
export const PROVENANCE_FORMAT_VERSION = 1;
export const PROVENANCE_MAGIC = Buffer.from('GPLPROV\0', 'latin1');
/** Conventional file extension. */
export const PROVENANCE_EXT = '.provindex';

/** One indexed file: path and notices. Strings are indices into header.strings. */
export type IndexedFileRow = [path: string, spdx: number, copyright: number[], authors: number[], tokens: number];

export interface ProvenanceIndexHeader {
  format: typeof PROVENANCE_FORMAT;
  formatVersion: number;
  /** Name used in reports, e.g. `linux-6.1.192`. */
  name: string;
  /** Kernel version from the tree's Makefile (VERSION.PATCHLEVEL.SUBLEVEL EXTRAVERSION). */
  kernel: string;
  /** Free text naming where the tree came from (e.g. the Debian package and version). */
  sourceLabel?: string;
  /** Absolute path of the tree when the index was built (origin lines are read from there
   *  when it still exists). */
  sourceRoot: string;
  /** Sub-paths indexed, when not the whole tree. */
  only?: string[];
  normalization: number;
  k: number;
  w: number;
  /** A hash in more files than this is common: boilerplate, not evidence of copying. */
  commonFiles: number;
  /** Occurrences of one hash kept per file. */
  maxPerFile: number;
  /** Notices were searched in the first this many bytes of each file. */
  noticeHeadBytes: number;
  counts: {
    files: number;
    bytes: number;
    tokens: number;
    /** Fingerprints selected by winnowing, before per-file de-duplication. */
    fingerprints: number;
    /** Stored postings (file, line) after de-duplication and without common hashes. */
    postings: number;
    common: number;
  };
  /** String table for SPDX expressions, copyright and author lines (-1: none). */
  strings: string[];
  files: IndexedFileRow[];
}

export interface ProvenanceIndexData {
  header: ProvenanceIndexHeader;
  perFile: Uint32Array;
  hashes: Uint32Array;
  spans: Uint8Array;
  lines: Uint32Array;
  common: Uint32Array;
}

export class ProvenanceIndexError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'ProvenanceIndexError';
  }
}

/** The message of anything thrown (errors from another realm, e.g. zlib's, included). */
function messageOf(e: unknown): string {
  const m = (e as { message?: unknown } | null)?.message;
  return typeof m === 'string' ? m : String(e);
}

function writeVarints(values: Uint32Array, perFile: Uint32Array): Buffer {
  const out = Buffer.alloc(values.length * 5);
  let o = 0;
  let i = 0;
  for (let f = 0; f < perFile.length; f++) {
    let prev = 0;
    for (let j = 0; j < perFile[f]; j++, i++) {
      let v = values[i] - prev;
      prev = values[i];
      while (v >= 0x80) {
        out[o++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      out[o++] = v;
    }
  }
  return out.subarray(0, o);
}

function u32le(a: Uint32Array): Buffer {
  // Node runs little-endian on every platform it supports; the check keeps the format honest.
  if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) throw new Error('big-endian hosts are not supported');
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Serialises an index (gzip level 6: deterministic for the same input). */
export function encodeIndex(d: ProvenanceIndexData): Buffer {
  const headerBytes = Buffer.from(JSON.stringify(d.header), 'utf8');
  const pre = Buffer.alloc(16);
  PROVENANCE_MAGIC.copy(pre, 0);
  pre.writeUInt32LE(PROVENANCE_FORMAT_VERSION, 8);
  pre.writeUInt32LE(headerBytes.length, 12);
  const pad = Buffer.alloc((4 - ((16 + headerBytes.length) % 4)) % 4);
  const parts = [pre, headerBytes, pad, u32le(d.perFile), u32le(d.hashes), Buffer.from(d.spans.buffer, d.spans.byteOffset, d.spans.byteLength)];
  const spanPad = Buffer.alloc((4 - (d.spans.byteLength % 4)) % 4);
  parts.push(spanPad, u32le(d.common), writeVarints(d.lines, d.perFile));
  return zlib.gzipSync(Buffer.concat(parts), { level: 6 });
}

/** Parses an index file's bytes. Every inconsistency is a ProvenanceIndexError naming `file`. */
export function decodeIndex(file: string, gz: Buffer): ProvenanceIndexData {
  let raw: Buffer;
  try {
    raw = zlib.gunzipSync(gz);
  } catch (e) {
    throw new ProvenanceIndexError(file, `not a provenance index (not gzip: ${messageOf(e)})`);
  }
  if (raw.length < 16 || !raw.subarray(0, 8).equals(PROVENANCE_MAGIC)) {
    throw new ProvenanceIndexError(file, 'not a provenance index (bad magic)');
  }
  const version = raw.readUInt32LE(8);
  if (version !== PROVENANCE_FORMAT_VERSION) {
    throw new ProvenanceIndexError(file, `provenance index format version ${version}; this gplcheck reads version ${PROVENANCE_FORMAT_VERSION} (rebuild it with \`gplcheck provenance index\`)`);
  }
  const hl = raw.readUInt32LE(12);
  if (16 + hl > raw.length) throw new ProvenanceIndexError(file, 'truncated header');
  let header: ProvenanceIndexHeader;
  try {
    header = JSON.parse(raw.toString('utf8', 16, 16 + hl)) as ProvenanceIndexHeader;
  } catch (e) {
    throw new ProvenanceIndexError(file, `corrupt header (${messageOf(e)})`);
  }
  if (header.format !== PROVENANCE_FORMAT) throw new ProvenanceIndexError(file, `unexpected format name ${JSON.stringify(header.format)}`);
  const { files, postings, common } = header.counts;
  if (!Array.isArray(header.files) || header.files.length !== files) throw new ProvenanceIndexError(file, 'file table does not match its count');
  // copy into an aligned buffer so typed arrays can view it
  let o = 16 + hl;
  o += (4 - (o % 4)) % 4;
  const need = o + 4 * files + 4 * postings + postings + ((4 - (postings % 4)) % 4) + 4 * common;
  if (need > raw.length) throw new ProvenanceIndexError(file, `truncated body (${raw.length} bytes, at least ${need} expected)`);
  const aligned = raw.byteOffset % 4 === 0 ? raw : Buffer.from(raw);
  const view32 = (at: number, n: number): Uint32Array => new Uint32Array(aligned.buffer, aligned.byteOffset + at, n);
  const perFile = view32(o, files);
  o += 4 * files;
  const hashes = view32(o, postings);
  o += 4 * postings;
  const spans = new Uint8Array(aligned.buffer, aligned.byteOffset + o, postings);
  o += postings + ((4 - (postings % 4)) % 4);
  const commonHashes = view32(o, common);
  o += 4 * common;
  let sum = 0;
  for (let f = 0; f < files; f++) sum += perFile[f];
  if (sum !== postings) throw new ProvenanceIndexError(file, `per-file counts add up to ${sum}, header says ${postings}`);
  const lines = new Uint32Array(postings);
  let i = 0;
  for (let f = 0; f < files; f++) {
    let prev = 0;
    for (let j = 0; j < perFile[f]; j++, i++) {
      let v = 0;
      let shift = 0;
      for (;;) {
        if (o >= aligned.length) throw new ProvenanceIndexError(file, 'truncated line table');
        const b = aligned[o++];
        v += (b & 0x7f) * 2 ** shift;
        if (b < 0x80) break;
        shift += 7;
        if (shift > 28) throw new ProvenanceIndexError(file, 'corrupt line table');
      }
      prev += v;
      lines[i] = prev;
    }
  }
  if (o !== aligned.length) throw new ProvenanceIndexError(file, `${aligned.length - o} unexpected bytes after the line table`);
  return { header, perFile, hashes, spans, lines, common: commonHashes };
}
