/**
 * The origin lines of a match, read from the kernel tree recorded in the index (or from
 * another copy of the same tree), for side-by-side views. Returns undefined when the tree is
 * not there; never throws for a missing file.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { ProvenanceMatch } from '../../analyzers/facts';
import { tokenize } from '../../analyzers/provenance';
import type { ProvenanceIndex } from './load';

export interface OriginText {
  /** Absolute path of the origin file that was read. */
  file: string;
  /** Tree-relative path, as in the match. */
  path: string;
  /** First line number of `lines`. */
  line: number;
  lines: string[];
  /** False when the file's current text no longer matches what was indexed (its token
   *  count changed): the lines may be off. */
  unchanged: boolean;
}

export interface OriginTextOptions {
  /** A tree to read from instead of the one recorded in the index. */
  root?: string;
  /** Lines of context before and after the region (default 0). */
  context?: number;
}

/** The origin lines of `match`, from the index that produced it (matched by name). */
export function originLines(match: ProvenanceMatch, indices: readonly ProvenanceIndex[], options: OriginTextOptions = {}): OriginText | undefined {
  const index = indices.find((i) => i.name === match.origin.index);
  const root = options.root ?? index?.meta.sourceRoot;
  if (!root) return undefined;
  const file = path.join(root, match.origin.path);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const all = text.split('\n');
  const ctx = Math.max(0, options.context ?? 0);
  const from = Math.max(1, match.origin.line - ctx);
  const to = Math.min(all.length, match.origin.endLine + ctx);
  let unchanged = true;
  if (index) {
    const id = index.fileId(match.origin.path);
    if (id >= 0) {
      // cheap check: the token count recorded at index time
      unchanged = tokenize(Buffer.from(text, 'utf8')).length === index.file(id).tokens;
    }
  }
  return { file, path: match.origin.path, line: from, lines: all.slice(from - 1, to), unchanged };
}
