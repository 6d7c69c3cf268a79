/**
 * One file in, facts out: picks the analyser by content (ELF by magic) or by name (C sources,
 * Kbuild/Makefiles, compressed modules). Never throws: a file that cannot be read or understood
 * becomes an error that names it.
 *
 * Limits (see `Limits`): C sources over `maxSourceBytes` are not read at all, a C parse that
 * runs past `parseTimeMs` is cut and the file read lexically, a compressed module may not
 * decompress to more than `maxDecompressedBytes`, no file over `maxFileBytes` is read. Files are
 * opened without following a final symbolic link and without blocking, and only regular files
 * are read: a file swapped for a link, a fifo or a device after discovery is an error, not a
 * hang or a read outside the tree.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { FileFacts, ReadError } from '../analyzers/facts';
import { analyzeElf, isElf, type AnalyzeElfOptions } from '../analyzers/elf';
import { analyzeC, analyzeKbuild, analyzeKconfig, isKconfigName } from '../analyzers/c';
import { compressionOf, decompress, formatBytes, innerName, DEFAULT_MAX_DECOMPRESSED_BYTES } from './decompress';

export type FileClass = 'elf' | 'c' | 'kbuild' | 'other';

const C_EXT = new Set(['.c', '.h']);

export function classifyByName(p: string): FileClass {
  const base = path.basename(p);
  if (C_EXT.has(path.extname(base))) return 'c';
  if (base === 'Kbuild' || base === 'Makefile' || base === 'makefile' || base === 'GNUmakefile' || isKconfigName(base)) return 'kbuild';
  return 'other';
}

/** Bounds on what one file may cost. Every field is optional; the defaults are below. */
export interface Limits {
  /** C sources and headers larger than this are not parsed: an error names the file (default 8 MiB). */
  maxSourceBytes?: number;
  /** Wall time one C file may spend in the parser and the tree walk before it is read lexically instead (default 3000 ms). */
  parseTimeMs?: number;
  /** Output limit for a compressed module (default 256 MiB). */
  maxDecompressedBytes?: number;
  /** No file larger than this is read (default 2 GiB - 1, the largest buffer Node reads at once). */
  maxFileBytes?: number;
}

export const DEFAULT_LIMITS: Required<Limits> = {
  maxSourceBytes: 8 * 1024 * 1024,
  parseTimeMs: 3000,
  maxDecompressedBytes: DEFAULT_MAX_DECOMPRESSED_BYTES,
  maxFileBytes: 2 * 1024 * 1024 * 1024 - 1,
};

export function resolveLimits(l?: Limits): Required<Limits> {
  const out = { ...DEFAULT_LIMITS };
  if (l) {
    for (const k of Object.keys(out) as (keyof Limits)[]) {
      const v = l[k];
      if (v !== undefined) {
        if (!(typeof v === 'number' && v > 0 && Number.isFinite(v))) throw new RangeError(`limits.${k} must be a positive number, not ${String(v)}`);
        out[k] = v;
      }
    }
  }
  return out;
}

export type AnalyzeResult =
  | { kind: 'facts'; facts: FileFacts }
  | { kind: 'error'; error: ReadError }
  | { kind: 'skipped' };

function message(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

function errorOf(shownPath: string, e: unknown): AnalyzeResult {
  const m = message(e);
  return { kind: 'error', error: { path: shownPath, message: m.startsWith(shownPath) ? m : `${shownPath}: ${m}` } };
}

const OBJECT_NAME = /\.(ko|o|so)$/;

/** Analyse bytes already read. `shownPath` is what reports print. */
export function analyzeBuffer(shownPath: string, data: Buffer, limits?: Limits, elf?: AnalyzeElfOptions): AnalyzeResult {
  try {
    const lim = resolveLimits(limits);
    if (isElf(data)) return { kind: 'facts', facts: analyzeElf(shownPath, data, elf) };
    const compression = compressionOf(shownPath);
    if (compression) {
      return { kind: 'error', error: { path: shownPath, message: `${shownPath}: not an ELF file once decompressed (${compression}), although its name says it is an object` } };
    }
    const cls = classifyByName(shownPath);
    if (cls === 'c') {
      if (data.length > lim.maxSourceBytes) return { kind: 'error', error: tooLargeSource(shownPath, data.length, lim.maxSourceBytes) };
      // Downstream only asks which names a call could mean: no bodies, no constants.
      return { kind: 'facts', facts: analyzeC(shownPath, data, { timeLimitMs: lim.parseTimeMs, macros: 'callable' }) };
    }
    if (cls === 'kbuild') {
      if (data.length > lim.maxSourceBytes) return { kind: 'error', error: tooLargeSource(shownPath, data.length, lim.maxSourceBytes) };
      const text = data.toString('utf8');
      return { kind: 'facts', facts: isKconfigName(path.basename(shownPath)) ? analyzeKconfig(shownPath, text) : analyzeKbuild(shownPath, text) };
    }
    if (OBJECT_NAME.test(shownPath)) {
      const what = data.length === 0 ? 'empty file (0 bytes), not an ELF object' : 'not an ELF file (no ELF magic), although its name says it is an object';
      return { kind: 'error', error: { path: shownPath, message: `${shownPath}: ${what}` } };
    }
    return { kind: 'skipped' };
  } catch (e) {
    return errorOf(shownPath, e);
  }
}

/**
 * Like analyzeBuffer, and a compressed module (`foo.ko.xz`, `.ko.zst`, `.ko.gz`) is
 * decompressed first (within `limits.maxDecompressedBytes`) and analysed as the object it holds;
 * its facts keep the real file name. Never rejects.
 */
export async function analyzeFileData(shownPath: string, data: Buffer, limits?: Limits, elf?: AnalyzeElfOptions): Promise<AnalyzeResult> {
  const compression = compressionOf(shownPath);
  if (!compression) return analyzeBuffer(shownPath, data, limits, elf);
  let inner: Buffer;
  try {
    inner = await decompress(shownPath, data, compression, resolveLimits(limits).maxDecompressedBytes);
  } catch (e) {
    return errorOf(shownPath, e);
  }
  if (!isElf(inner)) {
    const what = inner.length === 0 ? 'is empty once decompressed' : `holds no ELF object once decompressed (${compression}), although its name says ${path.basename(innerName(shownPath))}`;
    return { kind: 'error', error: { path: shownPath, message: `${shownPath}: ${what}` } };
  }
  return analyzeBuffer(shownPath, inner, limits, elf);
}

function tooLargeSource(shownPath: string, size: number, limit: number): ReadError {
  return {
    path: shownPath,
    message: `${shownPath}: ${formatBytes(size)}, larger than the ${formatBytes(limit)} limit for C sources and build files; not parsed (raise --max-source-size or limits.maxSourceBytes to read it)`,
  };
}

/** Everything opened for reading: never follow a final link (it was resolved at discovery), never block on a fifo. */
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);

function readErrorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'file vanished during the scan';
    case 'ELOOP':
      return 'became a symbolic link during the scan; not followed';
    case 'ENAMETOOLONG':
      return 'path too long for the operating system (PATH_MAX); not read';
    case 'EISDIR':
      return 'became a directory during the scan';
    case 'EIO':
      return 'input/output error';
    default:
      return message(e);
  }
}

/** Files up to this size may be read into the thread's reusable buffer (see readCandidate's `transient`). */
const TRANSIENT_MAX = 16 * 1024 * 1024;
let transientBuffer: Buffer | undefined;

/** The thread's reusable read buffer, at least `size` bytes. */
function transientOf(size: number): Buffer {
  if (!transientBuffer || transientBuffer.length < size) transientBuffer = Buffer.allocUnsafeSlow(Math.max(size, 1024 * 1024));
  return transientBuffer;
}

/** Read the whole of an open regular file, at most `size` bytes as fstat gave them. */
function readFd(fd: number, size: number, transient = false): Buffer {
  const buf = transient && size <= TRANSIENT_MAX ? transientOf(size).subarray(0, size) : Buffer.allocUnsafe(size);
  let got = 0;
  while (got < size) {
    const n = fs.readSync(fd, buf, got, size - got, got);
    if (n === 0) break; // shrank while being read
    got += n;
  }
  return got === size ? buf : buf.subarray(0, got);
}

/**
 * The bytes of a file worth reading (by name, or for an unknown name by its ELF magic), null when
 * it is not of interest, or an error that names it. `absolute` may be a Buffer for names that
 * are not valid UTF-8.
 *
 * `transient`: the bytes may be read into a buffer this thread reuses, valid only until the next
 * transient read. A scan reads hundreds of megabytes of binaries that it analyses at once and
 * never keeps; a fresh buffer for each made the collector run over and over.
 */
export function readCandidate(absolute: string | Buffer, shownPath: string, limits?: Limits, transient = false): Buffer | null | ReadError {
  const lim = resolveLimits(limits);
  const cls = classifyByName(shownPath);
  const wanted = cls !== 'other' || OBJECT_NAME.test(shownPath) || compressionOf(shownPath) !== undefined;
  let fd: number | undefined;
  try {
    fd = fs.openSync(absolute, OPEN_FLAGS);
    const st = fs.fstatSync(fd);
    if (!st.isFile()) {
      if (!wanted) return null;
      return { path: shownPath, message: 'cannot read: no longer a regular file (changed during the scan)' };
    }
    if (!wanted) {
      // Unknown name: only ELF is of interest; peek at the magic before reading it all.
      const head = Buffer.alloc(4);
      const bytesRead = fs.readSync(fd, head, 0, 4, 0);
      if (bytesRead < 4 || !isElf(head)) return null;
    }
    if ((cls === 'c' || cls === 'kbuild') && st.size > lim.maxSourceBytes) return tooLargeSource(shownPath, st.size, lim.maxSourceBytes);
    if (st.size > lim.maxFileBytes) {
      return { path: shownPath, message: `cannot read: ${formatBytes(st.size)}, larger than the ${formatBytes(lim.maxFileBytes)} limit for one file` };
    }
    return readFd(fd, st.size, transient);
  } catch (e) {
    return { path: shownPath, message: `cannot read: ${readErrorText(e)}` };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
