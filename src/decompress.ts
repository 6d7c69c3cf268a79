/**
 * Compressed kernel modules (`foo.ko.xz`, `foo.ko.zst`, `foo.ko.gz`, as `make modules_install`
 * writes them with CONFIG_MODULE_COMPRESS_*): decompressed in memory, never on disk, and never
 * past a size limit. Every decoder streams and stops as soon as its output passes the limit, so
 * a decompression bomb costs at most the limit in memory and the time to produce it.
 *
 * - gzip: node's zlib (`maxOutputLength`).
 * - zstd: fzstd (pure JavaScript, streaming); the window a frame header asks for is checked
 *   against the limit before the decoder allocates it.
 * - xz: xz-decompress (xz-embedded compiled to WebAssembly, streaming; CRC32 and CRC64 checks,
 *   LZMA2 only, as the kernel's own decompressor).
 */
import * as zlib from 'zlib';
import { Decompress as ZstdDecompress } from 'fzstd';

export type Compression = 'xz' | 'zstd' | 'gzip';

export const DEFAULT_MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

const SUFFIX: Record<string, Compression> = { xz: 'xz', zst: 'zstd', gz: 'gzip' };
/** A compressed object or module: `name.ko.xz`, `name.o.zst`, ... */
const COMPRESSED_OBJECT = /\.(?:ko|o)\.(xz|zst|gz)$/;

/** The compression a file name says its object is stored with, if any. */
export function compressionOf(p: string): Compression | undefined {
  const m = COMPRESSED_OBJECT.exec(p);
  return m ? SUFFIX[m[1]] : undefined;
}

/** `foo.ko.xz` -> `foo.ko`: the name the object has once decompressed. */
export function innerName(p: string): string {
  return compressionOf(p) ? p.replace(/\.(xz|zst|gz)$/, '') : p;
}

/** A compressed file that could not be decompressed: damaged, of another format, or too large. */
export class DecompressError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'DecompressError';
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

const MAGIC: Record<Compression, { bytes: number[]; name: string }> = {
  xz: { bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], name: 'xz' },
  zstd: { bytes: [0x28, 0xb5, 0x2f, 0xfd], name: 'zstd' },
  gzip: { bytes: [0x1f, 0x8b], name: 'gzip' },
};

function hasMagic(data: Uint8Array, format: Compression): boolean {
  const m = MAGIC[format].bytes;
  if (data.length < m.length) return false;
  for (let i = 0; i < m.length; i++) if (data[i] !== m[i]) return false;
  return true;
}

/** Decompress `data` (the bytes of `shownPath`), at most `limit` bytes of output. */
export async function decompress(shownPath: string, data: Buffer, format: Compression, limit = DEFAULT_MAX_DECOMPRESSED_BYTES): Promise<Buffer> {
  const name = MAGIC[format].name;
  if (data.length === 0) throw new DecompressError(shownPath, `empty file (0 bytes), not ${name}-compressed data`);
  // zstd files may start with a skippable frame (magic 0x184D2A5?)
  const skippable = format === 'zstd' && data.length >= 4 && (data[0] & 0xf0) === 0x50 && data[1] === 0x2a && data[2] === 0x4d && data[3] === 0x18;
  if (!hasMagic(data, format) && !skippable) {
    throw new DecompressError(shownPath, `not ${name}-compressed data (no ${name} magic in the first bytes), although its name says so`);
  }
  const tooLarge = () =>
    new DecompressError(shownPath, `decompresses to more than ${formatBytes(limit)} (the limit for compressed modules); not analysed`);
  try {
    if (format === 'gzip') return gunzip(data, limit);
    if (format === 'zstd') return unzstd(shownPath, data, limit);
    return await unxz(data, limit);
  } catch (e) {
    if (e instanceof DecompressError) throw e;
    if (e === OVER_LIMIT || (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge();
    throw new DecompressError(shownPath, `damaged ${name} data: ${describe(format, e)}`);
  }
}

const OVER_LIMIT = new Error('over the decompression limit');

function gunzip(data: Buffer, limit: number): Buffer {
  // zlib inflates chunk by chunk and stops with ERR_BUFFER_TOO_LARGE once past the limit.
  return zlib.gunzipSync(data, { maxOutputLength: limit });
}

/** The window a zstd frame header at `at` asks for (a single-segment frame: its content size), or undefined when it is not a frame. */
function zstdWindow(data: Uint8Array, at: number): { size: number; singleSegment: boolean } | undefined {
  if (data.length < at + 6 || data[at] !== 0x28 || data[at + 1] !== 0xb5 || data[at + 2] !== 0x2f || data[at + 3] !== 0xfd) return undefined;
  const fhd = data[at + 4];
  const singleSegment = (fhd >> 5) & 1;
  if (!singleSegment) {
    const wd = data[at + 5];
    const base = 2 ** (10 + (wd >> 3));
    return { size: base + (base / 8) * (wd & 7), singleSegment: false };
  }
  // single segment: the window is the frame content size
  const dictBytes = [0, 1, 2, 4][fhd & 3];
  const fcsBytes = [1, 2, 4, 8][fhd >> 6];
  const off = at + 5 + dictBytes;
  if (data.length < off + fcsBytes) return undefined;
  let size = 0;
  for (let i = fcsBytes - 1; i >= 0; i--) size = size * 256 + data[off + i];
  if (fcsBytes === 2) size += 256;
  return { size, singleSegment: true };
}

function unzstd(shownPath: string, data: Buffer, limit: number): Buffer {
  // fzstd allocates the window a frame header asks for (up to 2 GiB) before decoding anything
  const window = zstdWindow(data, 0);
  if (window !== undefined && window.size > limit) {
    if (window.singleSegment) throw OVER_LIMIT; // the frame says how much it holds
    throw new DecompressError(
      shownPath,
      `zstd frame asks for a ${formatBytes(window.size)} window, more than the ${formatBytes(limit)} limit for compressed modules; not analysed`,
    );
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  const d = new ZstdDecompress((chunk) => {
    total += chunk.length;
    if (total > limit) throw OVER_LIMIT;
    parts.push(chunk);
  });
  d.push(data, true);
  if (total === 0) throw new Error('no data in the zstd stream');
  return Buffer.concat(parts, total);
}

// xz-decompress loads its WebAssembly module on first use; imported lazily so that scans
// without .xz files never load it.
let xzModule: typeof import('xz-decompress') | undefined;

async function unxz(data: Buffer, limit: number): Promise<Buffer> {
  xzModule ??= await import('xz-decompress');
  const input = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new Uint8Array(data.buffer, data.byteOffset, data.length));
      c.close();
    },
  });
  const reader = new xzModule.XzReadableStream(input).getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let r: Awaited<ReturnType<typeof reader.read>>;
    try {
      r = await reader.read();
    } catch (e) {
      // The decoder asked for input past the end: the file stops in the middle of the stream.
      if (e instanceof TypeError) throw new Error('the xz stream ends before its end marker (truncated file)');
      throw e;
    }
    if (r.done) break;
    total += r.value.length;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw OVER_LIMIT;
    }
    parts.push(r.value);
  }
  return Buffer.concat(parts, total);
}

/** xz-embedded's return codes (xz.h, enum xz_ret). */
const XZ_ERRORS: Record<number, string> = {
  2: 'unsupported integrity check',
  3: 'out of memory',
  4: 'dictionary larger than the decoder allows',
  5: 'not in the xz format',
  6: 'unsupported options (an integrity check other than CRC32/CRC64, or a filter other than LZMA2)',
  7: 'corrupt data (integrity check failed)',
  8: 'the data ends early (truncated file)',
};

function describe(format: Compression, e: unknown): string {
  const msg = (e instanceof Error ? e.message : String(e)).replace(/^\w*Error: /, '');
  if (format === 'xz') {
    const m = /error code (\d+)/.exec(msg);
    if (m) return XZ_ERRORS[Number(m[1])] ?? `decoder error ${m[1]}`;
  }
  if (format === 'gzip') {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'Z_BUF_ERROR') return 'the data ends early (truncated file)';
    if (code === 'Z_DATA_ERROR') return `corrupt data (${msg})`;
  }
  return msg;
}
