/**
 * One file in, facts out: picks the analyser by content (ELF by magic) or by name (C sources,
 * Kbuild/Makefiles). Never throws: a file that cannot be read or understood becomes an error
 * that names it.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { FileFacts, ReadError } from '../analyzers/facts';
import { analyzeElf, isElf } from '../analyzers/elf';
import { analyzeC, analyzeKbuild } from '../analyzers/c';

export type FileClass = 'elf' | 'c' | 'kbuild' | 'other';

const C_EXT = new Set(['.c', '.h']);

export function classifyByName(p: string): FileClass {
  const base = path.basename(p);
  if (C_EXT.has(path.extname(base))) return 'c';
  if (base === 'Kbuild' || base === 'Makefile' || base === 'makefile' || base === 'GNUmakefile') return 'kbuild';
  return 'other';
}

export type AnalyzeResult =
  | { kind: 'facts'; facts: FileFacts }
  | { kind: 'error'; error: ReadError }
  | { kind: 'skipped' };

function message(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** Analyse bytes already read. `shownPath` is what reports print. */
export function analyzeBuffer(shownPath: string, data: Buffer): AnalyzeResult {
  try {
    if (isElf(data)) return { kind: 'facts', facts: analyzeElf(shownPath, data) };
    const cls = classifyByName(shownPath);
    if (cls === 'c') return { kind: 'facts', facts: analyzeC(shownPath, data) };
    if (cls === 'kbuild') return { kind: 'facts', facts: analyzeKbuild(shownPath, data.toString('utf8')) };
    if (/\.(ko|o|so)$/.test(shownPath)) {
      return { kind: 'error', error: { path: shownPath, message: 'not an ELF file (no ELF magic), although its name says it is an object' } };
    }
    return { kind: 'skipped' };
  } catch (e) {
    const m = message(e);
    return { kind: 'error', error: { path: shownPath, message: m.startsWith(shownPath) ? m : `${shownPath}: ${m}` } };
  }
}

/** Whether a file may be worth reading at all: by name, or (for ELF) by its first bytes. */
export function readCandidate(absolute: string, shownPath: string): Buffer | null | ReadError {
  const cls = classifyByName(shownPath);
  try {
    if (cls !== 'other') return fs.readFileSync(absolute);
    if (/\.(ko|o|so)$/.test(shownPath)) return fs.readFileSync(absolute);
    // Unknown name: only ELF is of interest; peek at the magic before reading it all.
    const fd = fs.openSync(absolute, 'r');
    try {
      const head = Buffer.alloc(4);
      const bytesRead = fs.readSync(fd, head, 0, 4, 0);
      if (bytesRead < 4 || !isElf(head)) return null;
      return fs.readFileSync(absolute);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'EACCES' ? 'permission denied' : err.code === 'ENOENT' ? 'file vanished during the scan' : message(e);
    return { path: shownPath, message: `cannot read: ${why}` };
  }
}
