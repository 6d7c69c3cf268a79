/**
 * One file in, facts out: picks the analyser by content (ELF by magic) or by name (C sources,
 * Kbuild/Makefiles, compressed modules). Never throws: a file that cannot be read or understood
 * becomes an error that names it.
 *
 * Limits (src/read.ts): C sources over `maxSourceBytes` are not parsed, a C parse that runs past
 * `parseTimeMs` is cut and the file read lexically, a compressed module may not decompress to
 * more than `maxDecompressedBytes`. How files are read, and which are, is src/read.ts's.
 */
import * as path from 'path';
import type { FileFacts, ReadError } from '../analyzers/facts';
import { analyzeElf, isElf, type AnalyzeElfOptions } from '../analyzers/elf';
import { analyzeC, analyzeKbuild, analyzeKconfig, isKconfigName } from '../analyzers/c';
import { compressionOf, decompress, innerName } from './decompress';
import { OBJECT_NAME, classifyByName, message, resolveLimits, tooLargeSource, type Limits } from './read';

export { DEFAULT_LIMITS, classifyByName, readCandidate, resolveLimits, type FileClass, type Limits } from './read';

export type AnalyzeResult =
  | { kind: 'facts'; facts: FileFacts }
  | { kind: 'error'; error: ReadError }
  | { kind: 'skipped' };

function errorOf(shownPath: string, e: unknown): AnalyzeResult {
  const m = message(e);
  return { kind: 'error', error: { path: shownPath, message: m.startsWith(shownPath) ? m : `${shownPath}: ${m}` } };
}

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

