/**
 * Reading one file's bytes, under the scan's limits: which files are read at all (by name, or
 * for an unknown name by its ELF magic), the limits on their size, and how they are opened.
 * Files are opened without following a final symbolic link and without blocking, and only
 * regular files are read: a file swapped for a link, a fifo or a device after discovery is an
 * error, not a hang or a read outside the tree; so is a file that a directory on its path,
 * swapped for a link, would have taken out of the scan roots (where /proc shows it). Every
 * problem becomes an error that names the file. Light on purpose: the read-ahead thread
 * (src/read-ahead.ts) loads it, and with it no parser (of the analysers, only the Kconfig
 * file-name test).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { ReadError } from '../analyzers/facts';
import { isKconfigName } from '../analyzers/c/kconfig';
import { isElf } from '../elf';
import { compressionOf, formatBytes, DEFAULT_MAX_DECOMPRESSED_BYTES } from './decompress';

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

export function message(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

export const OBJECT_NAME = /\.(ko|o|so)$/;

export function tooLargeSource(shownPath: string, size: number, limit: number): ReadError {
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

/** Files up to this size may be read into the thread's reusable buffer (see readCandidate's `into`). */
const TRANSIENT_MAX = 16 * 1024 * 1024;
let transientBuffer: Buffer | undefined;

/** The thread's reusable read buffer, at least `size` bytes. */
function transientOf(size: number): Buffer {
  if (!transientBuffer || transientBuffer.length < size) transientBuffer = Buffer.allocUnsafeSlow(Math.max(size, 1024 * 1024));
  return transientBuffer;
}

/**
 * Where readCandidate puts a file's bytes:
 *  - 'fresh': a buffer of its own;
 *  - 'transient': a buffer this thread reuses, valid only until the next transient read. A scan
 *    reads hundreds of megabytes of binaries that it analyses at once and never keeps; a fresh
 *    buffer for each made the collector run over and over;
 *  - a function: the buffer it gives, of exactly the size asked for, or undefined to leave the
 *    file unread (a slot of the read-ahead thread's ring, src/read-ahead.ts).
 */
export type ReadInto = 'fresh' | 'transient' | ((size: number) => Buffer | undefined);

/** Read the whole of an open regular file into `buf`, at most its length (fstat's size). */
function readFd(fd: number, buf: Buffer): Buffer {
  const size = buf.length;
  let got = 0;
  while (got < size) {
    const n = fs.readSync(fd, buf, got, size - got, got);
    if (n === 0) break; // shrank while being read
    got += n;
  }
  return got === size ? buf : buf.subarray(0, got);
}

const SELF_FD = fs.existsSync('/proc/self/fd') ? '/proc/self/fd/' : undefined;
const rootBytes = new Map<string, Buffer>();

/**
 * Whether the file open as `fd` lies in one of the scan roots `within` (real paths), by the path
 * the kernel opened (Linux: /proc/self/fd). O_NOFOLLOW guards the last name of a path only: a
 * directory on it swapped for a link after discovery would lead the open elsewhere. Without
 * /proc, true.
 */
function openedWithin(fd: number, within: readonly string[]): boolean {
  if (!SELF_FD) return true;
  let real: Buffer;
  try {
    real = fs.readlinkSync(`${SELF_FD}${fd}`, { encoding: 'buffer' });
  } catch {
    return true; // no answer: the open itself is the check
  }
  for (const root of within) {
    let r = rootBytes.get(root);
    if (!r) rootBytes.set(root, (r = Buffer.from(root)));
    if (real.length < r.length || !real.subarray(0, r.length).equals(r)) continue;
    if (real.length === r.length || real[r.length] === 0x2f || root === '/') return true;
  }
  return false;
}

/**
 * The bytes of a file worth reading (by name, or for an unknown name by its ELF magic), null when
 * it is not of interest, or an error that names it; undefined only when `into`, a function,
 * declined the file's size. `absolute` may be a Buffer for names that are not valid UTF-8.
 */
export function readCandidate(absolute: string | Buffer, shownPath: string, limits?: Limits, into?: 'fresh' | 'transient', within?: readonly string[]): Buffer | null | ReadError;
export function readCandidate(absolute: string | Buffer, shownPath: string, limits: Limits | undefined, into: ReadInto, within?: readonly string[]): Buffer | null | ReadError | undefined;
export function readCandidate(absolute: string | Buffer, shownPath: string, limits?: Limits, into: ReadInto = 'fresh', within?: readonly string[]): Buffer | null | ReadError | undefined {
  const lim = resolveLimits(limits);
  const cls = classifyByName(shownPath);
  const wanted = cls !== 'other' || OBJECT_NAME.test(shownPath) || compressionOf(shownPath) !== undefined;
  let fd: number | undefined;
  try {
    fd = fs.openSync(absolute, OPEN_FLAGS);
    if (within && !openedWithin(fd, within)) {
      return { path: shownPath, message: 'cannot read: a directory on its path became a symbolic link out of the scan root during the scan; not followed' };
    }
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
    const size = st.size;
    const buf =
      typeof into === 'function' ? into(size) : into === 'transient' && size <= TRANSIENT_MAX ? transientOf(size).subarray(0, size) : Buffer.allocUnsafe(size);
    return buf && readFd(fd, buf);
  } catch (e) {
    return { path: shownPath, message: `cannot read: ${readErrorText(e)}` };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
