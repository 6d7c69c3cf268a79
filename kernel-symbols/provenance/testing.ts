/**
 * For tests and benchmarks: the real Debian linux-source-6.1 tree (unpacked once under the
 * cache by kernel-symbols/build/linux-source.sh) and a small index of part of it, built once
 * and kept in the cache, keyed by the tree and by the code that fingerprints (so a change of
 * the lexer or the format rebuilds it).
 */
import { createHash } from 'crypto';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { buildProvenanceIndex } from './build';
import { loadProvenanceIndex, type ProvenanceIndex } from './load';

/** The checkout (this file runs from kernel-symbols/provenance or dist/kernel-symbols/provenance). */
const REPO = [path.resolve(__dirname, '../..'), path.resolve(__dirname, '../../..')].find((d) => fs.existsSync(path.join(d, 'package.json')))!;

/** The unpacked linux-source-6.1 tree (downloads and unpacks it the first time). */
export function linuxSourceTree(): string {
  return execFileSync(path.join(REPO, 'kernel-symbols/build/linux-source.sh'), { encoding: 'utf8', maxBuffer: 1 << 20 })
    .trim()
    .split('\n')
    .pop()!;
}

export function cacheDir(): string {
  return process.env.GPLCHECK_CACHE ?? path.join(REPO, '.cache');
}

/** Hash of the sources that decide what an index holds. */
function codeHash(): string {
  const h = createHash('sha256');
  for (const d of ['analyzers/provenance', 'kernel-symbols/provenance']) {
    for (const f of fs.readdirSync(path.join(REPO, d)).sort()) {
      if (!f.endsWith('.ts') || f.endsWith('.test.ts')) continue;
      h.update(f);
      h.update(fs.readFileSync(path.join(REPO, d, f)));
    }
  }
  h.update(fs.readFileSync(path.join(REPO, 'analyzers/c/keywords.ts')));
  return h.digest('hex').slice(0, 12);
}

export const TEST_INDEX_PARTS = ['lib', 'include/linux'];

/**
 * An index of `parts` of the real tree (default lib/ and include/linux), built on first use
 * and cached. Returns the index, its file and the tree.
 */
export async function testIndex(parts: string[] = TEST_INDEX_PARTS): Promise<{ index: ProvenanceIndex; file: string; root: string }> {
  const root = linuxSourceTree();
  const stem = `test-${path.basename(path.dirname(root))}-${parts.join('+').replace(/[^\w+.-]/g, '_')}-`;
  const file = path.join(cacheDir(), 'provenance', `${stem}${codeHash()}.provindex`);
  if (!fs.existsSync(file)) {
    // indices built by older fingerprinting code are of no further use
    const dir = path.dirname(file);
    if (fs.existsSync(dir)) for (const f of fs.readdirSync(dir)) if (f.startsWith(stem) && f.endsWith('.provindex') && f !== path.basename(file)) fs.rmSync(path.join(dir, f), { force: true });
    const r = await buildProvenanceIndex(root, { only: parts, name: 'linux-6.1-test' });
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, r.bytes);
    fs.renameSync(tmp, file);
  }
  return { index: loadProvenanceIndex(file), file, root };
}

/** Lines [start, end] (1-based) of the function whose definition line matches `head`, up to
 *  its closing brace at column 0. */
export function functionLines(text: string, head: RegExp): { start: number; end: number; text: string } {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => head.test(l));
  if (start < 0) throw new Error(`no line matches ${head}`);
  let end = start;
  while (end < lines.length && lines[end] !== '}') end++;
  if (end >= lines.length) throw new Error(`no closing brace after ${head}`);
  return { start: start + 1, end: end + 1, text: lines.slice(start, end + 1).join('\n') };
}
