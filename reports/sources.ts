/**
 * Read access to the scanned files at render time, for display only: the few source lines
 * around a cited location, and checksums of the listed files. Reporters get it passed in
 * (RenderOptions.sources); without it they leave those parts out. Missing or unreadable files
 * are not errors here: the report says the text was not available.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

export interface SnippetLine {
  line: number;
  text: string;
  /** The cited line (or one of the cited range). */
  cited: boolean;
}

export interface Snippet {
  path: string;
  lines: SnippetLine[];
}

export interface FileChecksums {
  sha1: string;
  sha256: string;
  size: number;
}

export interface SourceAccess {
  /** Lines `line - context .. endLine + context` of a text file; undefined when unreadable or out of range. */
  snippet(file: string, line: number, options?: { endLine?: number; context?: number }): Snippet | undefined;
  /** SHA-1 and SHA-256 of the file bytes; undefined when unreadable. */
  checksums(file: string): FileChecksums | undefined;
}

const MAX_TEXT_BYTES = 8 * 1024 * 1024;
const MAX_LINE = 400;

/** Access relative to `baseDir` (the directory the scan's paths are relative to). */
export function createSourceAccess(baseDir: string = process.cwd()): SourceAccess {
  const lineCache = new Map<string, string[] | null>();
  const sumCache = new Map<string, FileChecksums | null>();
  const resolve = (file: string): string => (path.isAbsolute(file) ? file : path.join(baseDir, file));

  function linesOf(file: string): string[] | null {
    if (lineCache.has(file)) return lineCache.get(file)!;
    let lines: string[] | null = null;
    try {
      const st = fs.statSync(resolve(file));
      if (st.isFile() && st.size <= MAX_TEXT_BYTES) {
        const buf = fs.readFileSync(resolve(file));
        // A NUL byte in the first 8 KiB: not text (an object file cited by path).
        if (!buf.subarray(0, 8192).includes(0)) lines = buf.toString('utf8').split(/\r?\n/);
      }
    } catch {
      lines = null;
    }
    lineCache.set(file, lines);
    return lines;
  }

  return {
    snippet(file, line, options = {}) {
      const lines = linesOf(file);
      if (!lines || line < 1 || line > lines.length) return undefined;
      const context = options.context ?? 2;
      const end = Math.min(Math.max(options.endLine ?? line, line), lines.length);
      const from = Math.max(1, line - context);
      const to = Math.min(lines.length, end + context);
      const out: SnippetLine[] = [];
      for (let n = from; n <= to; n++) {
        let text = lines[n - 1].replace(/\t/g, '    ');
        if (text.length > MAX_LINE) text = text.slice(0, MAX_LINE) + ' …';
        out.push({ line: n, text, cited: n >= line && n <= end });
      }
      // A trailing empty line after the final newline is not a line of the file.
      while (out.length && out[out.length - 1].line === lines.length && lines[lines.length - 1] === '' && !out[out.length - 1].cited) out.pop();
      return { path: file, lines: out };
    },
    checksums(file) {
      if (sumCache.has(file)) return sumCache.get(file) ?? undefined;
      let sums: FileChecksums | null = null;
      try {
        const buf = fs.readFileSync(resolve(file));
        sums = {
          sha1: createHash('sha1').update(buf).digest('hex'),
          sha256: createHash('sha256').update(buf).digest('hex'),
          size: buf.length,
        };
      } catch {
        sums = null;
      }
      sumCache.set(file, sums);
      return sums ?? undefined;
    },
  };
}
