/**
 * Building the provenance index of a kernel source tree: every `.c` and `.h` file is
 * tokenised and winnowed (analyzers/provenance) in worker threads, one batch of files at a
 * time; the main thread keeps only the fingerprints (hash, line, span: 9 bytes each), finds
 * the common hashes and writes the index (format.ts). Files are read one by one, so memory
 * grows with the number of fingerprints, not with the size of the tree.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { DEFAULT_WINNOW, NORMALIZATION_VERSION, type WinnowParams } from '../../analyzers/provenance';
import { fingerprintFiles, MAX_PER_FILE, type BatchResult } from './fingerprint-files';
import {
  encodeIndex,
  PROVENANCE_FORMAT,
  PROVENANCE_FORMAT_VERSION,
  ProvenanceIndexError,
  type IndexedFileRow,
  type ProvenanceIndexData,
  type ProvenanceIndexHeader,
} from './format';
import { radixSortU32 } from './radix';

/** Fingerprints in more files than this are common (boilerplate): not stored, not evidence. */
export const DEFAULT_COMMON_FILES = 64;
/** Notices are searched in this many leading bytes of each indexed file. */
export const NOTICE_HEAD_BYTES = 32 * 1024;

export interface BuildIndexOptions {
  /** Index name (default `linux-<kernel version>`). */
  name?: string;
  /** Free text about where the tree came from. */
  sourceLabel?: string;
  /** Sub-paths of the tree to index (default: the whole tree). */
  only?: string[];
  /** Worker threads (default: available parallelism; 0: in the calling thread). */
  threads?: number;
  winnow?: WinnowParams;
  commonFiles?: number;
  /** Called now and then with files done and total. */
  onProgress?: (done: number, total: number) => void;
}

export interface BuildIndexResult {
  header: ProvenanceIndexHeader;
  /** The encoded index (gzip). */
  bytes: Buffer;
  ms: number;
  /** Files that could not be read (path, reason); they are left out of the index. */
  errors: { path: string; message: string }[];
}

/** VERSION.PATCHLEVEL.SUBLEVEL EXTRAVERSION from the tree's top Makefile, or undefined. */
export function kernelVersionOf(root: string): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(root, 'Makefile'), 'utf8').slice(0, 4096);
  } catch {
    return undefined;
  }
  const v = (name: string): string | undefined => new RegExp(`^${name}\\s*=\\s*(\\S*)\\s*$`, 'm').exec(text)?.[1];
  const version = v('VERSION');
  const patch = v('PATCHLEVEL');
  if (!version || patch === undefined) return undefined;
  const sub = v('SUBLEVEL');
  return `${version}.${patch}${sub ? `.${sub}` : ''}${v('EXTRAVERSION') ?? ''}`;
}

/** Every `.c`/`.h` file under root (or under root/only...), relative, sorted. Symlinks are not followed. */
export function listSources(root: string, only?: string[]): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch (e) {
      throw new ProvenanceIndexError(path.join(root, rel), `cannot read directory (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (e.name === '.git') continue;
        walk(r);
      } else if (e.isFile() && /\.[ch]$/.test(e.name)) out.push(r);
    }
  };
  if (only && only.length > 0) {
    for (const o of only) {
      const rel = o.replace(/^\.\/+/, '').replace(/\/+$/, '');
      let st: fs.Stats;
      try {
        st = fs.statSync(path.join(root, rel));
      } catch {
        throw new ProvenanceIndexError(path.join(root, rel), 'no such file or directory in the tree');
      }
      if (st.isDirectory()) walk(rel);
      else if (/\.[ch]$/.test(rel)) out.push(rel);
    }
  } else walk('');
  const unique = [...new Set(out)];
  unique.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return unique;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('worker_threads');
if (workerData.module.endsWith('.ts')) {
  const ts = require('typescript');
  const fs = require('fs');
  require.extensions['.ts'] = (m, filename) => {
    const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
      fileName: filename,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    m._compile(out.outputText, filename);
  };
}
const { fingerprintFiles } = require(workerData.module);
parentPort.on('message', (m) => {
  try {
    const r = fingerprintFiles(m.root, m.paths, m.params, m.head);
    parentPort.postMessage({ id: m.id, result: r }, [r.perFile.buffer, r.hashes.buffer, r.lines.buffer, r.spans.buffer]);
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: (e && e.stack) || String(e) });
  }
});
`;

const BATCH_FILES = 256;

async function runBatches(
  root: string,
  batches: string[][],
  params: WinnowParams,
  threads: number,
  onDone: (i: number) => void,
): Promise<BatchResult[]> {
  const results: BatchResult[] = new Array(batches.length);
  if (threads <= 0) {
    batches.forEach((b, i) => {
      results[i] = fingerprintFiles(root, b, params, NOTICE_HEAD_BYTES);
      onDone(i);
    });
    return results;
  }
  const module = require.resolve('./fingerprint-files');
  const workers = Array.from({ length: Math.min(threads, batches.length) }, () => new Worker(WORKER_SOURCE, { eval: true, workerData: { module } }));
  let next = 0;
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const send = (): void => {
              if (next >= batches.length) {
                resolve();
                return;
              }
              const id = next++;
              w.postMessage({ id, root, paths: batches[id], params, head: NOTICE_HEAD_BYTES });
            };
            w.on('message', (m: { id: number; result?: BatchResult; error?: string }) => {
              if (m.error !== undefined || !m.result) {
                reject(new Error(`provenance index worker failed on ${batches[m.id][0]}...: ${m.error}`));
                return;
              }
              results[m.id] = m.result;
              onDone(m.id);
              send();
            });
            w.on('error', reject);
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}

export async function buildProvenanceIndex(root: string, options: BuildIndexOptions = {}): Promise<BuildIndexResult> {
  const t0 = Date.now();
  const absRoot = path.resolve(root);
  let st: fs.Stats;
  try {
    st = fs.statSync(absRoot);
  } catch {
    throw new ProvenanceIndexError(absRoot, 'no such directory');
  }
  if (!st.isDirectory()) throw new ProvenanceIndexError(absRoot, 'not a directory (give the top of a kernel source tree)');
  const params = options.winnow ?? DEFAULT_WINNOW;
  if (!(params.k >= 2 && params.w >= 1 && params.k <= 4096 && params.w <= 4096)) throw new RangeError(`bad winnowing parameters k=${params.k} w=${params.w}`);
  const commonFiles = options.commonFiles ?? DEFAULT_COMMON_FILES;
  const paths = listSources(absRoot, options.only);
  if (paths.length === 0) throw new ProvenanceIndexError(absRoot, 'no .c or .h files found');
  const batches: string[][] = [];
  for (let i = 0; i < paths.length; i += BATCH_FILES) batches.push(paths.slice(i, i + BATCH_FILES));
  const threads = options.threads ?? (os.availableParallelism?.() ?? os.cpus().length);
  let done = 0;
  const results = await runBatches(absRoot, batches, params, threads, () => {
    done++;
    options.onProgress?.(Math.min(paths.length, done * BATCH_FILES), paths.length);
  });

  // Concatenate in file order.
  let total = 0;
  let selected = 0;
  for (const r of results) {
    total += r.hashes.length;
    selected += r.selected;
  }
  const allHashes = new Uint32Array(total);
  const allLines = new Uint32Array(total);
  const allSpans = new Uint8Array(total);
  const perFileAll = new Uint32Array(paths.length);
  let o = 0;
  let f = 0;
  for (const r of results) {
    allHashes.set(r.hashes, o);
    allLines.set(r.lines, o);
    allSpans.set(r.spans, o);
    o += r.hashes.length;
    perFileAll.set(r.perFile, f);
    f += r.perFile.length;
  }

  // Common hashes: in more than commonFiles files. Count each file once: (file, hash) pairs
  // are distinct after keeping only the first occurrence of a hash per file.
  const firstOnly = new Uint32Array(total);
  let nFirst = 0;
  {
    let at0 = 0;
    const seen = new Set<number>();
    for (let fi = 0; fi < paths.length; fi++) {
      seen.clear();
      const end = at0 + perFileAll[fi];
      for (; at0 < end; at0++) {
        const h = allHashes[at0];
        if (seen.has(h)) continue;
        seen.add(h);
        firstOnly[nFirst++] = h;
      }
    }
  }
  const sorted = radixSortU32(firstOnly.subarray(0, nFirst));
  const commonList: number[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i + 1;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    if (j - i > commonFiles) commonList.push(sorted[i]);
    i = j;
  }
  const common = new Set(commonList);
  const keep = total - countIn(allHashes, common);
  const hashes = new Uint32Array(keep);
  const lines = new Uint32Array(keep);
  const spans = new Uint8Array(keep);
  const perFile = new Uint32Array(paths.length);
  let k = 0;
  let at = 0;
  for (let fi = 0; fi < paths.length; fi++) {
    const end = at + perFileAll[fi];
    const start = k;
    for (; at < end; at++) {
      if (common.has(allHashes[at])) continue;
      hashes[k] = allHashes[at];
      lines[k] = allLines[at];
      spans[k] = allSpans[at];
      k++;
    }
    perFile[fi] = k - start;
  }

  // File table with a shared string table.
  const strings: string[] = [];
  const stringId = new Map<string, number>();
  const sid = (s: string): number => {
    let i = stringId.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      stringId.set(s, i);
    }
    return i;
  };
  const rows: IndexedFileRow[] = [];
  const errors: BuildIndexResult['errors'] = [];
  let bytes = 0;
  let tokens = 0;
  let fileIndex = 0;
  for (const r of results) {
    for (const file of r.files) {
      const p = paths[fileIndex++];
      if (file.error) errors.push({ path: p, message: `cannot read: ${file.error}` });
      bytes += file.bytes;
      tokens += file.tokens;
      const n = file.notices;
      rows.push([p, n.spdx !== undefined ? sid(n.spdx) : -1, n.copyright.map(sid), n.authors.map(sid), file.tokens]);
    }
  }
  const kernel = kernelVersionOf(absRoot) ?? 'unknown';
  const header: ProvenanceIndexHeader = {
    format: PROVENANCE_FORMAT,
    formatVersion: PROVENANCE_FORMAT_VERSION,
    name: options.name ?? `linux-${kernel}`,
    kernel,
    ...(options.sourceLabel ? { sourceLabel: options.sourceLabel } : {}),
    sourceRoot: absRoot,
    ...(options.only && options.only.length > 0 ? { only: options.only } : {}),
    normalization: NORMALIZATION_VERSION,
    k: params.k,
    w: params.w,
    commonFiles,
    maxPerFile: MAX_PER_FILE,
    noticeHeadBytes: NOTICE_HEAD_BYTES,
    counts: { files: paths.length, bytes, tokens, fingerprints: selected, postings: keep, common: commonList.length },
    strings,
    files: rows,
  };
  const data: ProvenanceIndexData = { header, perFile, hashes, spans, lines, common: Uint32Array.from(commonList) };
  return { header, bytes: encodeIndex(data), ms: Date.now() - t0, errors };
}

function countIn(a: Uint32Array, set: Set<number>): number {
  if (set.size === 0) return 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) if (set.has(a[i])) n++;
  return n;
}
